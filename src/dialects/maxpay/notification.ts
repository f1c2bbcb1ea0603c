import { createHash } from 'node:crypto';
import { getAppCredential } from '../../core/apps/credentials.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { type Currency, formatMinor } from '../../domain/money.js';
import { type MaxpayRecord, type RecordSource, toRecord } from './codec.js';
import type { NotifyFormat, StoredEvent } from '../../deliveries/format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * MaxPay webhooks (maxpay-guide.md, "接收 WebHook 通知"): a JSON POST; `sign` and
 * `timestamp` sit inside the body, sign = hex md5(<MaxLeap AppId> + <MasterKey> + <timestamp>),
 * e.g. md5("a1b2c3" + "mk" + "1451890938648"). The receiver acknowledges with HTTP 200 and
 * nothing else; failures are retried after 1m, 5m, 10m, 30m, 1h, 2h, 4h, 8h, 16h, 24h, then never.
 *
 * Body (one per event and endpoint; `notificationId` is stable across retries, `timestamp`
 * and `sign` are fresh per attempt):
 * {
 *   "notificationId": "...", "eventId": "evt_...", "type": "charge.succeeded",
 *   "transactionType": "PAY" | "REFUND", "appId": "<X-ML-AppId>", "livemode": false,
 *   "bill": { the /records result of the bill: id, billNum, channel, totalFee, money, status, ... },
 *   "refund": { id, refundNo, refundFee, currency, money, status: "success", createdTime,
 *               endTime, tradeNo }            (refund.succeeded only)
 *   "timestamp": 1451890938648, "sign": "<32 hex>"
 * }
 * For charge.succeeded the bill is the event's own snapshot, so a retry says what happened
 * then; for refund.succeeded it is the bill as it is when the attempt is built (its status
 * is then `refund` and refundFee counts every refund so far).
 */
export const MAXPAY_WEBHOOK_DELAYS_MS = [
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  16 * HOUR,
  24 * HOUR,
];

export function maxpayWebhookSign(appId: string, masterKey: string, timestamp: number | string): string {
  return createHash('md5').update(`${appId}${masterKey}${timestamp}`, 'utf8').digest('hex');
}

const date = (value: unknown): Date | null => (typeof value === 'string' ? new Date(value) : null);

/** A charge event's `data` (core/serialize.ts) back into what a record is built from. */
export function recordSourceFromSnapshot(data: Record<string, any>): RecordSource {
  return {
    id: data.id,
    orderNo: data.order_no,
    channel: data.channel,
    method: data.method,
    amount: data.amount,
    amountRefunded: data.amount_refunded ?? 0,
    currency: data.currency,
    status: data.status,
    subject: data.subject,
    metadata: data.metadata ?? {},
    transactionNo: data.transaction_no ?? null,
    createdAt: date(data.created_at)!,
    expiresAt: date(data.expires_at)!,
    paidAt: date(data.paid_at),
    closedAt: date(data.closed_at),
  };
}

function refundPayload(data: Record<string, any>) {
  const currency = data.currency as Currency;
  return {
    id: data.id as string,
    refundNo: data.refund_no as string,
    refundFee: data.amount as number,
    currency,
    money: `${formatMinor(data.amount, currency)} ${currency}`,
    status: 'success' as const,
    createdTime: date(data.created_at)!.getTime(),
    endTime: (date(data.succeeded_at) ?? date(data.updated_at)!).getTime(),
    tradeNo: (data.transaction_no as string | null) ?? null,
  };
}

export const maxpayFormat: NotifyFormat = {
  name: 'maxpay',
  defaultSchedule: { kind: 'delays', delaysMs: MAXPAY_WEBHOOK_DELAYS_MS },
  eventTypes: ['charge.succeeded', 'refund.succeeded'],
  async build({ q, core, event, target, notificationId, now }) {
    if (!event.appId || !maxpayFormat.eventTypes.includes(event.type)) return null;
    // No credential means nothing to sign with: fail the attempt visibly (it is retried, and
    // succeeds once the app has MaxPay keys again) rather than drop the notification.
    const credential = await getAppCredential(q, core.box, event.appId, 'maxpay', event.livemode);
    if (!credential) {
      throw new Error(`app ${event.appId} has no ${event.livemode ? 'live' : 'test'} MaxPay credential`);
    }
    let bill: MaxpayRecord;
    let refund: ReturnType<typeof refundPayload> | undefined;
    if (event.type === 'charge.succeeded') {
      bill = toRecord(recordSourceFromSnapshot(event.data));
    } else {
      const charge = await retrieveCharge(core, event.data.charge);
      if (!charge) throw new Error(`charge ${event.data.charge} of refund ${event.objectId} not found`);
      bill = toRecord(charge);
      refund = refundPayload(event.data);
    }
    const timestamp = now.getTime();
    const body = maxpayWebhookBody(event, {
      notificationId,
      appId: credential.publicId,
      bill,
      refund,
      timestamp,
      sign: maxpayWebhookSign(credential.publicId, credential.secrets.masterKey, timestamp),
    });
    return {
      method: 'POST',
      url: target.url,
      headers: { ...target.headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    };
  },
  // "返回 http 状态码 200 表示成功": 200 exactly; a 201 or 204 is not MaxPay's acknowledgement.
  isSuccess: (status) => status === 200,
};

function maxpayWebhookBody(
  event: StoredEvent,
  parts: {
    notificationId: string;
    appId: string;
    bill: MaxpayRecord;
    refund?: ReturnType<typeof refundPayload>;
    timestamp: number;
    sign: string;
  },
): Record<string, unknown> {
  return {
    notificationId: parts.notificationId,
    eventId: event.id,
    type: event.type,
    transactionType: event.type === 'refund.succeeded' ? 'REFUND' : 'PAY',
    appId: parts.appId,
    livemode: event.livemode,
    bill: parts.bill,
    ...(parts.refund ? { refund: parts.refund } : {}),
    timestamp: parts.timestamp,
    sign: parts.sign,
  };
}
