import type { Core } from '../core/context.js';
import { applyChargeResult } from '../core/notify/apply-channel-result.js';
import { findCharge } from '../db/charges.js';
import type { Charge } from '../domain/charge.js';
import { actAsAlipayPayer } from './alipay/payer.js';
import { actAsWechatpayPayer } from './wechatpay/payer.js';
import { actAsLakalaPayer } from './lakala/payer.js';
import { actAsPaypalPayer } from './paypal/payer.js';
import { actAsUnionpayPayer } from './unionpay/payer.js';

/**
 * Plays the payer of a test-mode charge, whoever asks (admin test helper, sandbox wallet).
 * A charge made through a provider simulator is paid inside that simulator, so the change
 * reaches us the way a real one does (signed notification, or a query); any other test
 * charge is settled directly. Returns the charge as it stands afterwards.
 */
export async function actAsPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<{ charge: Charge; applied: boolean }> {
  const simulators = {
    alipay: actAsAlipayPayer,
    wechatpay: actAsWechatpayPayer,
    lakala: actAsLakalaPayer,
    paypal: actAsPaypalPayer,
    unionpay: actAsUnionpayPayer,
    applepay: actAsUnionpayPayer,
  } as const;
  const simulated = simulators[charge.channel as keyof typeof simulators];
  if (simulated && (await simulated(core, charge, action))) {
    const after = (await findCharge(core.db, charge.id))!;
    return { charge: after, applied: after.status !== charge.status };
  }
  return applyChargeResult(
    core,
    charge.id,
    action === 'pay'
      ? { status: 'succeeded', transactionNo: `sandbox_${charge.orderSn}` }
      : { status: 'failed', failureCode: 'payer_declined', failureMessage: 'The payer declined the payment' },
  );
}
