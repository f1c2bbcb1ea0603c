import type { Charge, Refund } from '../../domain/charge.js';
import { minorToJsonNumber } from '../../domain/money.js';
import type { ChargeStatus, RefundStatus } from '../../domain/status.js';
import { channelCodeOf } from './channels.js';

/**
 * The Paymax Charge and Refund objects, shared by API responses (inside `res_data`) and
 * webhooks (as `data`). Every documented field is present (null when there is no value);
 * keys are in alphabetical order, as the real service writes them (see the captured
 * webhooks), amounts are yuan as JSON numbers printed exactly from fen (321 -> 3.21),
 * times are 13-digit epoch milliseconds, currency is lowercase.
 */
export type PaymaxStatus = 'PROCESSING' | 'SUCCEED' | 'FAILED';

export function chargeStatus(status: ChargeStatus): PaymaxStatus {
  switch (status) {
    case 'pending':
    case 'user_paying':
      return 'PROCESSING';
    case 'succeeded':
      return 'SUCCEED';
    case 'failed':
    case 'canceled':
    case 'closed':
      return 'FAILED';
  }
}

export function refundStatus(status: RefundStatus): PaymaxStatus {
  return status === 'pending' ? 'PROCESSING' : status === 'succeeded' ? 'SUCCEED' : 'FAILED';
}

const ms = (date: Date | null): number | null => (date ? date.getTime() : null);

/**
 * Why a charge is FAILED. An expired order reads "TimeOut" with no code, exactly like the
 * captured real failure; a channel decline is CHANNEL_CHARGE_FAILED with the channel's reason.
 */
function chargeFailure(c: Charge): { code: string | null; msg: string | null } {
  switch (c.status) {
    case 'failed':
      return { code: 'CHANNEL_CHARGE_FAILED', msg: c.failureMsg ?? c.failureCode ?? null };
    case 'closed':
      return { code: null, msg: 'TimeOut' };
    case 'canceled':
      return { code: null, msg: 'Canceled' };
    default:
      return { code: null, msg: null };
  }
}

export interface RefundObjectOptions {
  /** The refund's charge: its order number and channel shape the refund object. */
  charge: Charge;
  /** Base URL of this gateway, for the sandbox Alipay refund confirmation page. */
  publicUrl: string;
}

/**
 * Alipay refunds of this era needed the merchant to confirm them on an Alipay page:
 * while such a refund is PROCESSING its `extra.refundUrl` is that page. The channel's own
 * URL (refund.extra.refund_url) wins; in its absence (the sandbox) it is the sandbox
 * confirmation page `${publicUrl}/sandbox/alipay/refund-confirm/<refund id>`.
 */
function refundExtra(r: Refund, { charge, publicUrl }: RefundObjectOptions): Record<string, unknown> {
  if (charge.channel !== 'alipay' || r.status !== 'pending') return {};
  const upstream = r.extra.refund_url;
  const refundUrl =
    typeof upstream === 'string' && upstream
      ? upstream
      : `${publicUrl.replace(/\/+$/, '')}/sandbox/alipay/refund-confirm/${encodeURIComponent(r.id)}`;
  return { refundUrl };
}

export function refundObject(r: Refund, options: RefundObjectOptions): Record<string, unknown> {
  const failed = r.status === 'failed';
  return {
    amount: minorToJsonNumber(r.amount, r.currency),
    charge: r.chargeId,
    description: r.description,
    extra: refundExtra(r, options),
    failure_code: failed ? 'CHANNEL_REFUND_FAILED' : null,
    failure_msg: failed ? (r.failureMsg ?? r.failureCode ?? null) : null,
    id: r.id,
    metadata: r.metadata,
    order_no: options.charge.orderNo,
    status: refundStatus(r.status),
    time_created: r.createdAt.getTime(),
    time_succeed: ms(r.succeededAt),
    transaction_no: r.transactionNo,
  };
}

export interface ChargeObjectOptions {
  /** The Paymax app key (`app` field): the merchant's name for the app, not our internal id. */
  appKey: string | null;
  /** Every refund of the charge, oldest first. */
  refunds: Refund[];
  publicUrl: string;
}

export function chargeObject(
  c: Charge,
  { appKey, refunds, publicUrl }: ChargeObjectOptions,
): Record<string, unknown> {
  const code = channelCodeOf(c.channel, c.method);
  const failure = chargeFailure(c);
  return {
    amount: minorToJsonNumber(c.amount, c.currency),
    amount_refunded: minorToJsonNumber(c.amountRefunded, c.currency),
    // What the provider's statement settled (reconciliation); 0 until a statement listed it.
    amount_settle: minorToJsonNumber(c.amountSettle ?? 0, c.currency),
    app: appKey,
    body: c.body,
    channel: code,
    client_ip: c.clientIp,
    credential: c.credential ? { [code]: c.credential } : null,
    currency: c.currency.toLowerCase(),
    description: c.description,
    extra: c.extra,
    failure_code: failure.code,
    failure_msg: failure.msg,
    id: c.id,
    livemode: c.livemode,
    metadata: c.metadata,
    order_no: c.orderNo,
    // "Refunding has started": any refund that is processing or done.
    refunded: refunds.some((r) => r.status !== 'failed'),
    refunds: refunds.map((r) => refundObject(r, { charge: c, publicUrl })),
    status: chargeStatus(c.status),
    subject: c.subject,
    time_created: c.createdAt.getTime(),
    time_expire: c.expiresAt.getTime(),
    time_paid: ms(c.paidAt),
    time_settle: ms(c.timeSettle ?? null),
    transaction_no: c.transactionNo,
  };
}
