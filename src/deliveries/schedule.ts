import type { RetrySchedule } from './format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Upper bounds that keep a hand-written schedule sane (an endpoint may carry its own). */
export const SCHEDULE_LIMITS = {
  maxDelays: 50,
  minDelayMs: 1_000,
  maxDelayMs: 7 * DAY,
  maxElapsedMs: 7 * DAY,
} as const;

/**
 * When the next attempt of a round is due, or null when the round is over.
 *
 * `failedAttempts` counts the failed attempts of this round so far (>= 1); `lastAttemptAt`
 * is when the latest one started and `roundStartedAt` when the first one started.
 *
 * - delays [1m, 5m]: attempt 2 at last+1m, attempt 3 at last+5m, then stop.
 * - linear step 30 s, 3 h: intervals grow by the step (30 s, 60 s, 90 s, ...: attempts at
 *   +0, +30 s, +90 s, +180 s, ...) while the next one is within 3 h of the first.
 * - exponential base 1m, cap 1h, 3 d: intervals 1m, 2m, 4m, ... capped at 1h, while the next
 *   one is within 3 days of the first.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  failedAttempts: number,
  lastAttemptAt: Date,
  roundStartedAt: Date,
): Date | null {
  const n = Math.max(1, failedAttempts);
  let delay: number;
  switch (schedule.kind) {
    case 'delays':
      if (n > schedule.delaysMs.length) return null;
      return new Date(lastAttemptAt.getTime() + schedule.delaysMs[n - 1]);
    case 'linear':
      delay = schedule.stepMs * n;
      break;
    case 'exponential':
      delay = Math.min(schedule.baseMs * 2 ** (n - 1), schedule.capMs);
      break;
  }
  const next = lastAttemptAt.getTime() + delay;
  if (next - roundStartedAt.getTime() > schedule.maxElapsedMs) return null;
  return new Date(next);
}

/**
 * Every attempt time of a round whose attempts all fail, as offsets from the first attempt
 * (ms). What the admin console shows next to a schedule, and what the tests assert.
 */
export function attemptOffsets(schedule: RetrySchedule, limit = 1000): number[] {
  const start = new Date(0);
  const offsets = [0];
  let last = start;
  for (let failed = 1; offsets.length < limit; failed++) {
    const next = nextAttemptAt(schedule, failed, last, start);
    if (!next) break;
    offsets.push(next.getTime());
    last = next;
  }
  return offsets;
}

/** Returns a message naming what is wrong, or null when the schedule is usable. */
export function scheduleProblem(schedule: RetrySchedule): string | null {
  const { minDelayMs, maxDelayMs, maxElapsedMs, maxDelays } = SCHEDULE_LIMITS;
  const inRange = (ms: number) => Number.isInteger(ms) && ms >= minDelayMs && ms <= maxDelayMs;
  switch (schedule.kind) {
    case 'delays':
      if (schedule.delaysMs.length > maxDelays) return `at most ${maxDelays} delays`;
      if (!schedule.delaysMs.every(inRange))
        return `each delay must be an integer between ${minDelayMs} and ${maxDelayMs} ms`;
      return null;
    case 'linear':
      if (!inRange(schedule.stepMs)) return `stepMs must be between ${minDelayMs} and ${maxDelayMs}`;
      break;
    case 'exponential':
      if (!inRange(schedule.baseMs)) return `baseMs must be between ${minDelayMs} and ${maxDelayMs}`;
      if (!inRange(schedule.capMs) || schedule.capMs < schedule.baseMs)
        return `capMs must be between baseMs and ${maxDelayMs}`;
      break;
  }
  if (
    !Number.isInteger(schedule.maxElapsedMs) ||
    schedule.maxElapsedMs < 0 ||
    schedule.maxElapsedMs > maxElapsedMs
  )
    return `maxElapsedMs must be between 0 and ${maxElapsedMs}`;
  return null;
}

export const SCHEDULE_UNITS = { MINUTE, HOUR, DAY };
