import { type ChargeCreateParams, createCharge } from '../../src/core/payments/create-charge.js';
import type { TestCore } from './core.js';

/** What a suite's charges have in common: the channel and the usual amount and subject. */
export type ChargeDefaults = Pick<ChargeCreateParams, 'channel' | 'amount' | 'currency' | 'subject'> &
  Partial<ChargeCreateParams>;

/**
 * Test-mode admin charges for a suite's app, numbered in the suite (`wx-1`, `wx-2`, ...):
 * a test whose create throws finds its charge row by `lastOrderNo()`.
 */
export function numberedCharges(
  gateway: { core: TestCore; appId: string },
  prefix: string,
  defaults: ChargeDefaults,
) {
  let count = 0;
  return {
    create(params: Pick<ChargeCreateParams, 'method'> & Partial<ChargeCreateParams>) {
      count += 1;
      return createCharge(gateway.core, {
        appId: gateway.appId,
        livemode: false,
        dialect: 'admin',
        orderNo: `${prefix}-${count}`,
        ...defaults,
        ...params,
      });
    },
    lastOrderNo: () => `${prefix}-${count}`,
  };
}
