import { createApp, createMerchant, issueCredentials } from '../../src/core/apps/create-app.js';
import type { Core } from '../../src/core/context.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { type ChargeCreateParams, createCharge } from '../../src/core/payments/create-charge.js';

/** A merchant with one app and test credentials for every dialect. */
export async function seedApp(core: Core) {
  return core.db.tx(async (q) => {
    const merchant = await createMerchant(q, core, { name: 'Test merchant' });
    const app = await createApp(q, core, { merchantId: merchant.id, name: 'Test app' });
    const credentials = await issueCredentials(q, core, { appId: app.id, livemode: false });
    return { merchant, app, credentials };
  });
}

let counter = 0;

export function chargeParams(appId: string, overrides: Partial<ChargeCreateParams> = {}): ChargeCreateParams {
  counter += 1;
  return {
    appId,
    livemode: false,
    dialect: 'admin',
    orderNo: `order-${process.pid}-${counter}`,
    channel: 'wechatpay',
    method: 'qr',
    amount: 1000,
    currency: 'CNY',
    subject: 'Coffee',
    ...overrides,
  };
}

/** A succeeded charge, paid through the same transition a channel notification uses. */
export async function paidCharge(core: Core, appId: string, overrides: Partial<ChargeCreateParams> = {}) {
  const charge = await createCharge(core, chargeParams(appId, overrides));
  return (await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: `tx_${charge.id}` }))
    .charge;
}
