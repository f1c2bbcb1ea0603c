import type { Charge, Refund } from '../domain/charge.js';
import { formatMinor } from '../domain/money.js';

/**
 * The native (admin API, event payload) shape of objects: snake_case, amounts in minor
 * units plus a decimal string for people, times as ISO-8601.
 */
export function serializeCharge(c: Charge): Record<string, unknown> {
  return {
    id: c.id,
    object: 'charge',
    app: c.appId,
    store: c.storeId,
    livemode: c.livemode,
    dialect: c.dialect,
    order_no: c.orderNo,
    attempt: c.attempt,
    order_sn: c.orderSn,
    channel: c.channel,
    method: c.method,
    amount: c.amount,
    amount_decimal: formatMinor(c.amount, c.currency),
    amount_original: c.amountOriginal,
    amount_discount: c.amountDiscount,
    amount_ignore: c.amountIgnore,
    amount_refunded: c.amountRefunded,
    currency: c.currency,
    subject: c.subject,
    body: c.body,
    description: c.description,
    client_ip: c.clientIp,
    extra: c.extra,
    metadata: c.metadata,
    credential: c.credential,
    status: c.status,
    transaction_no: c.transactionNo,
    failure_code: c.failureCode,
    failure_msg: c.failureMsg,
    return_url: c.returnUrl,
    notify_url: c.notifyUrl,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    expires_at: c.expiresAt.toISOString(),
    paid_at: c.paidAt?.toISOString() ?? null,
    closed_at: c.closedAt?.toISOString() ?? null,
  };
}

export function serializeRefund(r: Refund): Record<string, unknown> {
  return {
    id: r.id,
    object: 'refund',
    charge: r.chargeId,
    app: r.appId,
    livemode: r.livemode,
    refund_no: r.refundNo,
    amount: r.amount,
    amount_decimal: formatMinor(r.amount, r.currency),
    currency: r.currency,
    status: r.status,
    description: r.description,
    metadata: r.metadata,
    extra: r.extra,
    transaction_no: r.transactionNo,
    failure_code: r.failureCode,
    failure_msg: r.failureMsg,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    succeeded_at: r.succeededAt?.toISOString() ?? null,
  };
}
