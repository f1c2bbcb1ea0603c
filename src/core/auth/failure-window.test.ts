import { describe, expect, it } from 'vitest';
import { FailureWindow } from './failure-window.js';

describe('FailureWindow', () => {
  it('lets `max` failures through, then says how long until the oldest ages out', () => {
    const window = new FailureWindow(3, 60_000);
    for (const at of [0, 10_000, 20_000]) {
      expect(window.retryAfter('k', at)).toBe(0);
      window.fail('k', at);
    }
    expect(window.retryAfter('k', 30_000)).toBe(30); // the failure at 0 leaves at 60 s
    expect(window.retryAfter('other', 30_000)).toBe(0);
    expect(window.retryAfter('k', 60_001)).toBe(0);
  });

  it('forgets a key on clear', () => {
    const window = new FailureWindow(1, 60_000);
    window.fail('k', 0);
    expect(window.retryAfter('k', 1)).toBeGreaterThan(0);
    window.clear('k');
    expect(window.retryAfter('k', 1)).toBe(0);
  });
});
