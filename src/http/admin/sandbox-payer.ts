import { request } from 'undici';
import type { ChannelConfig } from '../../channels/_kit/connector.js';
import { connectorConfigFor } from '../../core/apps/channel-configs.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult } from '../../core/channel-results/apply-channel-result.js';
import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import { findCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { paypalOrderIdOf } from '../../channels/paypal/connector.js';
import { isChargeUnpaid } from '../../domain/status.js';

/**
 * Plays the payer of a test-mode charge, whoever asks (admin test helper, sandbox wallet).
 * A charge made through a provider simulator is paid inside that simulator, through its
 * payer API at the charge's config's base URL, so the change reaches us the way a real
 * one does (signed notification, or a query); any other test charge is settled directly.
 * Returns the charge as it stands afterwards.
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

/** The config the charge's connector used: the app's own, or the test-mode default. */
async function testConfigOf(core: Core, charge: Charge): Promise<ChannelConfig | null> {
  return (
    (await connectorConfigFor(core.db, core.box, charge)) ??
    (await core.testModeConfigs?.configFor(charge.channel)) ??
    null
  );
}

/**
 * Alipay: the simulator's payer API beside the gateway.do the config points at. False
 * when the config is no simulator's or the simulator has no way to reach the order.
 */
async function actAsAlipayPayer(core: Core, charge: Charge, action: 'pay' | 'decline'): Promise<boolean> {
  const gateway = (await testConfigOf(core, charge))?.settings.gateway_url;
  if (typeof gateway !== 'string' || !gateway.endsWith('/sandbox/alipay/gateway.do')) return false;
  const credential = charge.credential ?? {};
  return postToPayer(gateway.replace(/\/gateway\.do$/, `/payer/${action}`), {
    out_trade_no: charge.id,
    ...(typeof credential.order_string === 'string' ? { order_string: credential.order_string } : {}),
    ...(typeof credential.pay_url === 'string' ? { pay_url: credential.pay_url } : {}),
  });
}

/**
 * WeChat Pay: the simulator's payer API at the config's base_url. Paying sends the signed
 * callback; the order is then queried once, as the polling worker would, so the charge
 * also settles when a callback fault is active or the payer declined (WeChat sends no
 * callback for that). False when the config is no simulator's or it holds no such order.
 */
async function actAsWechatpayPayer(core: Core, charge: Charge, action: 'pay' | 'decline'): Promise<boolean> {
  const base = (await testConfigOf(core, charge))?.settings.base_url;
  if (typeof base !== 'string' || !/\/sandbox\/wechatpay\/?$/.test(base)) return false;
  if (!(await postToPayer(`${base.replace(/\/+$/, '')}/payer/${action}`, { out_trade_no: charge.orderSn }))) {
    return false;
  }
  await syncChargeFromChannel(core, charge.id);
  return true;
}

/** One call of a simulator's payer API: whether it found the order. */
async function postToPayer(url: string, body: Record<string, unknown>): Promise<boolean> {
  const answer = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  await answer.body.dump();
  return answer.statusCode === 200;
}

/**
 * UnionPay (and Apple Pay through it): the simulator's payer API beside the gateway/api the
 * config points at. A web charge whose form the payer's browser never posted is submitted
 * first, as the browser would. Paying sends the signed back notification; the transaction
 * is then queried once, as the polling worker would, so the charge also settles when a
 * notification fault is active or the payer declined (UnionPay notifies only successes).
 */
async function actAsUnionpayPayer(core: Core, charge: Charge, action: 'pay' | 'decline'): Promise<boolean> {
  const base = (await testConfigOf(core, charge))?.settings.base_url;
  if (typeof base !== 'string' || !/\/sandbox\/unionpay\/gateway\/api\/?$/.test(base)) return false;
  const fields = charge.credential?.fields;
  const url = `${base.replace(/\/gateway\/api\/?$/, '')}/payer/${action}`;
  const body = { order_id: charge.orderSn, ...(fields && typeof fields === 'object' ? { fields } : {}) };
  if (!(await postToPayer(url, body))) return false;
  await syncChargeFromChannel(core, charge.id);
  return true;
}

/**
 * PayPal: the simulator's payer API at the config's base_url, which approves (pay) or
 * cancels on the checkout page and follows the redirect back to our return or cancel URL
 * (capturing the order or recording the cancellation). A charge still unpaid afterwards is
 * asked about once, as the polling worker would.
 */
async function actAsPaypalPayer(core: Core, charge: Charge, action: 'pay' | 'decline'): Promise<boolean> {
  const base = (await testConfigOf(core, charge))?.settings.base_url;
  const orderId = paypalOrderIdOf(charge);
  if (typeof base !== 'string' || !/\/sandbox\/paypal\/?$/.test(base) || !orderId) return false;
  const url = `${base.replace(/\/+$/, '')}/payer/${action === 'pay' ? 'pay' : 'cancel'}`;
  if (!(await postToPayer(url, { order_id: orderId }))) return false;
  const after = await findCharge(core.db, charge.id);
  if (action === 'pay' && after && isChargeUnpaid(after.status)) await syncChargeFromChannel(core, charge.id);
  return true;
}

/**
 * Lakala: the simulator's payer API at the config's base_url. Paying sends the signed
 * notification; the order is then queried once, as the polling worker would, so the charge
 * also settles when a notification fault is active or the payer declined (Lakala notifies
 * successful payments only).
 */
async function actAsLakalaPayer(core: Core, charge: Charge, action: 'pay' | 'decline'): Promise<boolean> {
  const base = (await testConfigOf(core, charge))?.settings.base_url;
  if (typeof base !== 'string' || !/\/sandbox\/lakala\/?$/.test(base)) return false;
  const url = `${base.replace(/\/+$/, '')}/payer/${action}`;
  if (!(await postToPayer(url, { out_order_no: charge.orderSn }))) return false;
  await syncChargeFromChannel(core, charge.id);
  return true;
}
