import { findChannelConfigById } from '../../core/apps/channel-configs.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult, applyRefundResult } from '../../core/notify/apply-channel-result.js';
import { endUnpaidCharge } from '../../core/payments/cancel-charge.js';
import { findCharge, findRefund } from '../../db/charges.js';
import { isChargeUnpaid } from '../../domain/status.js';
import type { Charge } from '../../domain/charge.js';
import { formatMinor } from '../../domain/money.js';
import { loadDefault } from '../../sandbox/alipay/keys.js';
import { ALIPAY_GATEWAY, SANDBOX_CONFIG_ID, alipaySdk, tradeResult } from './connector.js';

export interface NotifyOutcome {
  /** true only when the transition(s) committed or were already held: answer `success`. */
  ok: boolean;
  status: number;
  reason?: string;
  chargeId?: string;
  applied?: boolean;
}

const REQUIRED = [
  'sign',
  'app_id',
  'notify_id',
  'out_trade_no',
  'trade_no',
  'trade_status',
  'total_amount',
] as const;

/**
 * One Alipay asynchronous notification (trade_status_sync), as posted to
 * /notify/alipay/:configId. Verified with the SDK's checkNotifySignV2 (RSA2 over the raw
 * values, sign and sign_type excluded) against the config's Alipay public key, matched to
 * the charge by out_trade_no (the charge id) and checked against its app and amount,
 * then applied as one transaction. Anything it cannot verify or place is refused
 * (Alipay retries), logged, and changes nothing.
 */
export async function handleAlipayNotify(
  core: Core,
  configId: string,
  rawBody: string,
): Promise<NotifyOutcome> {
  const refuse = (reason: string, extra: Record<string, unknown> = {}): NotifyOutcome => {
    core.log.warn({ configId, reason, ...extra }, 'alipay notify refused');
    return { ok: false, status: 400, reason };
  };

  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    if (key in form) return refuse('duplicate_field', { field: key });
    form[key] = value;
  }
  const missing = REQUIRED.filter((k) => !form[k]);
  if (missing.length) return refuse('malformed', { missing });

  // Which app (and keys) this URL belongs to.
  let appId: string;
  let privateKey: string;
  let alipayPublicKey: string;
  let gateway = ALIPAY_GATEWAY;
  let owns: (charge: Charge) => boolean;
  if (configId === SANDBOX_CONFIG_ID) {
    const sandbox = await loadDefault(core);
    if (!sandbox?.appPrivateKey) return refuse('unknown_config');
    ({ appId, alipayPublicKey } = sandbox);
    privateKey = sandbox.appPrivateKey;
    gateway = `${core.publicUrl}/sandbox/alipay/gateway.do`;
    owns = (charge) => !charge.livemode;
  } else {
    const config = /^[\w-]{1,64}$/.test(configId)
      ? await findChannelConfigById(core.db, core.box, configId)
      : undefined;
    if (!config || config.provider !== 'alipay') return refuse('unknown_config');
    appId = String(config.settings.app_id ?? '');
    privateKey = config.secrets.private_key ?? '';
    alipayPublicKey = config.secrets.alipay_public_key ?? '';
    if (!appId || !privateKey || !alipayPublicKey) return refuse('incomplete_config');
    if (typeof config.settings.gateway_url === 'string') gateway = config.settings.gateway_url;
    owns = (charge) => charge.appId === config.appId && charge.livemode === config.livemode;
  }

  const sdk = alipaySdk({ appId, privateKey, alipayPublicKey, gateway, timeoutMs: 5000 });
  let verified: boolean;
  try {
    verified = sdk.checkNotifySignV2(form);
  } catch {
    verified = false;
  }
  if (!verified)
    return refuse('bad_signature', { notify_id: form.notify_id, out_trade_no: form.out_trade_no });
  if (form.app_id !== appId) return refuse('app_mismatch', { app_id: form.app_id });

  const charge = /^ch_[0-9a-f]{24}$/.test(form.out_trade_no)
    ? await findCharge(core.db, form.out_trade_no)
    : undefined;
  if (!charge || charge.channel !== 'alipay' || !owns(charge)) {
    return refuse('unknown_trade', { out_trade_no: form.out_trade_no });
  }
  if (charge.currency !== 'CNY' || form.total_amount !== formatMinor(charge.amount, 'CNY')) {
    return refuse('amount_mismatch', { charge: charge.id, total_amount: form.total_amount });
  }
  const result = tradeResult(form, charge);
  if (result.status === 'unknown')
    return refuse('unexpected_trade_status', { trade_status: form.trade_status });
  if (result.status === 'failed' && isChargeUnpaid(charge.status) && charge.expiresAt <= core.clock.now()) {
    // Alipay closed the unpaid trade at time_expire, which is our expiry: the charge is
    // closed (not failed), through the same use case the expiry worker runs.
    const closed = await endUnpaidCharge(core, charge.id, 'closed');
    return { ok: true, status: 200, chargeId: charge.id, applied: closed.status !== charge.status };
  }

  // A refund notification names the refund request (out_biz_no = our refund id).
  const refund = form.out_biz_no && form.refund_fee ? await findRefund(core.db, form.out_biz_no) : undefined;
  if (form.out_biz_no && form.refund_fee && (!refund || refund.chargeId !== charge.id)) {
    core.log.info(
      { charge: charge.id, out_biz_no: form.out_biz_no },
      'alipay refund notify for a refund not made here',
    );
  }

  const applied = await core.db.tx(async (q) => {
    const { applied: changed } = await applyChargeResult(core, charge.id, result, q);
    let refundChanged = false;
    if (refund && refund.chargeId === charge.id) {
      refundChanged = (
        await applyRefundResult(core, refund.id, { status: 'succeeded', transactionNo: form.trade_no }, q)
      ).applied;
    }
    return changed || refundChanged;
  });
  return { ok: true, status: 200, chargeId: charge.id, applied };
}
