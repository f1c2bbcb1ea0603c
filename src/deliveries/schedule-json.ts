import type { RetrySchedule } from './format.js';

/** A RetrySchedule as the admin API spells it (snake_case). */
export type ScheduleJson =
  | { kind: 'delays'; delays_ms: number[] }
  | { kind: 'linear'; step_ms: number; max_elapsed_ms: number }
  | { kind: 'exponential'; base_ms: number; cap_ms: number; max_elapsed_ms: number };

export function scheduleFromJson(s: ScheduleJson): RetrySchedule {
  switch (s.kind) {
    case 'delays':
      return { kind: 'delays', delaysMs: s.delays_ms };
    case 'linear':
      return { kind: 'linear', stepMs: s.step_ms, maxElapsedMs: s.max_elapsed_ms };
    case 'exponential':
      return { kind: 'exponential', baseMs: s.base_ms, capMs: s.cap_ms, maxElapsedMs: s.max_elapsed_ms };
  }
}

export function scheduleToJson(s: RetrySchedule): ScheduleJson {
  switch (s.kind) {
    case 'delays':
      return { kind: 'delays', delays_ms: s.delaysMs };
    case 'linear':
      return { kind: 'linear', step_ms: s.stepMs, max_elapsed_ms: s.maxElapsedMs };
    case 'exponential':
      return { kind: 'exponential', base_ms: s.baseMs, cap_ms: s.capMs, max_elapsed_ms: s.maxElapsedMs };
  }
}
