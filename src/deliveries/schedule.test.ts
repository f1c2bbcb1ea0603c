import { describe, expect, it } from 'vitest';
import type { RetrySchedule } from './format.js';
import { attemptOffsets, nextAttemptAt, scheduleProblem } from './schedule.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

describe('retry schedules', () => {
  it('delays: each wait after the previous failure, then stop', () => {
    const schedule: RetrySchedule = { kind: 'delays', delaysMs: [MIN, 5 * MIN] };
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(nextAttemptAt(schedule, 1, t0, t0)).toEqual(new Date('2026-01-01T00:01:00Z'));
    const t1 = new Date('2026-01-01T00:01:07Z'); // a late attempt shifts the next one
    expect(nextAttemptAt(schedule, 2, t1, t0)).toEqual(new Date('2026-01-01T00:06:07Z'));
    expect(nextAttemptAt(schedule, 3, t1, t0)).toBeNull();
    expect(attemptOffsets(schedule)).toEqual([0, MIN, 6 * MIN]);
  });

  it('linear: intervals grow by the step while within the window (store: 30 s multiples, 3 hours)', () => {
    const offsets = attemptOffsets({ kind: 'linear', stepMs: 30 * S, maxElapsedMs: 3 * HOUR });
    expect(offsets.slice(0, 6)).toEqual([0, 30 * S, 90 * S, 180 * S, 300 * S, 450 * S]);
    expect(offsets).toHaveLength(27);
    expect(offsets.at(-1)).toBe(10_530 * S);
    // an attempt exactly at the end of the window still happens
    expect(attemptOffsets({ kind: 'linear', stepMs: 30 * S, maxElapsedMs: 90 * S })).toEqual([
      0,
      30 * S,
      90 * S,
    ]);
  });

  it('exponential: doubling from base, capped, within the window', () => {
    const offsets = attemptOffsets({
      kind: 'exponential',
      baseMs: MIN,
      capMs: 4 * MIN,
      maxElapsedMs: 20 * MIN,
    });
    expect(offsets).toEqual([0, MIN, 3 * MIN, 7 * MIN, 11 * MIN, 15 * MIN, 19 * MIN]);
  });

  it('names what is wrong with a hand-written schedule', () => {
    expect(scheduleProblem({ kind: 'delays', delaysMs: [MIN, 10] })).toBe(
      'each delay must be an integer between 1000 and 604800000 ms',
    );
    expect(scheduleProblem({ kind: 'delays', delaysMs: Array(51).fill(MIN) })).toBe('at most 50 delays');
    expect(scheduleProblem({ kind: 'exponential', baseMs: MIN, capMs: S, maxElapsedMs: HOUR })).toBe(
      'capMs must be between baseMs and 604800000',
    );
    expect(scheduleProblem({ kind: 'linear', stepMs: MIN, maxElapsedMs: 8 * 24 * HOUR })).toBe(
      'maxElapsedMs must be between 0 and 604800000',
    );
    expect(scheduleProblem({ kind: 'linear', stepMs: 30 * S, maxElapsedMs: 3 * HOUR })).toBeNull();
  });
});
