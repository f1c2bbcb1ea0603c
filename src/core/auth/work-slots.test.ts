import { describe, expect, it } from 'vitest';
import { JuheError } from '../../domain/errors.js';
import { WorkSlots } from './work-slots.js';

describe('WorkSlots', () => {
  it('runs at most `limit` jobs at once and refuses beyond the queue', async () => {
    const slots = new WorkSlots(1, 2);
    let running = 0;
    let peak = 0;
    const job = () =>
      slots.run(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return 'done';
      });
    const accepted = [job(), job(), job()];
    await expect(job()).rejects.toSatisfy((e) => e instanceof JuheError && e.code === 'rate_limited');
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(1);
    expect(await job()).toBe('done'); // the slot is free again
  });

  it('frees the slot when a job throws', async () => {
    const slots = new WorkSlots(1, 0);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.run(async () => 1)).toBe(1);
  });
});
