import { describe, expect, it } from 'vitest';
import { CHARGE_STATUSES, canTransitionCharge, canTransitionRefund } from './status.js';

describe('charge transition table', () => {
  it('lets an unpaid charge reach every outcome', () => {
    for (const to of ['succeeded', 'failed', 'canceled', 'closed'] as const) {
      expect(canTransitionCharge('pending', to)).toBe(true);
      expect(canTransitionCharge('user_paying', to)).toBe(true);
    }
    expect(canTransitionCharge('pending', 'user_paying')).toBe(true);
  });

  it('never leaves a final status and never steps back', () => {
    for (const from of ['succeeded', 'failed', 'canceled', 'closed'] as const) {
      for (const to of CHARGE_STATUSES) expect(canTransitionCharge(from, to)).toBe(false);
    }
    expect(canTransitionCharge('user_paying', 'pending')).toBe(false);
  });

  it('has no self transitions, so a duplicate result is never applied twice', () => {
    for (const status of CHARGE_STATUSES) expect(canTransitionCharge(status, status)).toBe(false);
  });

  it('moves refunds only forward from pending', () => {
    expect(canTransitionRefund('pending', 'succeeded')).toBe(true);
    expect(canTransitionRefund('pending', 'failed')).toBe(true);
    expect(canTransitionRefund('succeeded', 'failed')).toBe(false);
    expect(canTransitionRefund('failed', 'succeeded')).toBe(false);
  });
});
