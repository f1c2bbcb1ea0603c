import { describe, expect, it } from 'vitest';
import { dueWork } from './due-work.js';

describe('dueWork', () => {
  it('runs passes one at a time, in the order they were asked for', async () => {
    const log: string[] = [];
    let n = 0;
    const due = dueWork(async () => {
      const mine = ++n;
      log.push(`start ${mine}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${mine}`);
    });
    await Promise.all([due.run(), due.run(), due.run()]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('a failed pass fails its own caller only; the next pass runs', async () => {
    let calls = 0;
    const due = dueWork(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
    });
    const first = due.run();
    const second = due.run();
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).resolves.toBeUndefined();
    await expect(due.run()).resolves.toBeUndefined();
    await due.settled();
    expect(calls).toBe(3);
  });
});
