import { describe, expect, it } from 'vitest';
import { retryOnConflict, retryWhileUnavailable } from '../../src/db/conflict-retry.js';
import { asCallerError } from '../../src/db/transient.js';
import { JuheError } from '../../src/domain/errors.js';

const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('retryOnConflict', () => {
  it('runs the transaction again after a deadlock, raw or wrapped by the seam, with growing jittered waits', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryOnConflict(
      async () => {
        calls += 1;
        if (calls === 1) throw deadlock();
        if (calls === 2) throw asCallerError(deadlock());
        return 'done';
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 10 },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it('gives up after the bounded attempts with a retryable database_unavailable, never the raw deadlock', async () => {
    let calls = 0;
    const failure = await retryOnConflict(
      async () => {
        calls += 1;
        throw deadlock();
      },
      { attempts: 3, sleep: async () => undefined },
    ).catch((error: unknown) => error);
    expect(calls).toBe(3);
    expect(failure).toBeInstanceOf(JuheError);
    expect((failure as JuheError).code).toBe('database_unavailable');
  });

  it('never repeats work that failed for any other reason', async () => {
    let calls = 0;
    const unavailable = asCallerError(Object.assign(new Error('gone'), { code: '57P01' }));
    for (const error of [new JuheError('refund_exceeds_amount'), unavailable, new Error('bug')]) {
      await expect(
        retryOnConflict(async () => {
          calls += 1;
          throw error;
        }),
      ).rejects.toBe(error);
    }
    expect(calls).toBe(3);
  });
});

describe('retryWhileUnavailable', () => {
  const unavailable = () => asCallerError(Object.assign(new Error('gone'), { code: '57P01' }));

  it('applies idempotent work again once the database is back within its patience', async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await retryWhileUnavailable(
      async () => {
        calls += 1;
        if (calls < 3) throw unavailable();
        return 'applied';
      },
      { patienceMs: 800, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('applied');
    expect(waits).toEqual([100, 200]);
  });

  it('stops at its patience, counting the time the attempts themselves took', async () => {
    let clock = 0;
    let calls = 0;
    const failure = retryWhileUnavailable(
      async () => {
        calls += 1;
        clock += 1_000; // each attempt waits out a timeout
        throw unavailable();
      },
      { patienceMs: 2_000, sleep: async (ms) => void (clock += ms), now: () => clock },
    );
    await expect(failure).rejects.toMatchObject({ code: 'database_unavailable' });
    expect(calls).toBe(2);
  });

  it('never repeats work that failed for another reason, a conflict that outlived its retries included', async () => {
    const conflict = asCallerError(deadlock());
    for (const error of [new JuheError('refund_not_found'), conflict, new Error('bug')]) {
      let calls = 0;
      await expect(
        retryWhileUnavailable(async () => {
          calls += 1;
          throw error;
        }),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });
});
