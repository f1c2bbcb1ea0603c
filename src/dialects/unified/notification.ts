import { findCredentialByPublicId, getAppCredential } from '../../core/apps/credentials.js';
import { listOrderAttempts } from '../../core/payments/order-attempts.js';
import { retrieveCharge, retrieveRefund } from '../../core/payments/retrieve-charge.js';
import type { Charge } from '../../domain/charge.js';
import type { PayStatus } from './pay-status.js';
import { payTypeOfProvider } from './pay-types.js';
import { NOTIFY_SIGNED_FIELDS, signFields } from './sign.js';
import type { BuildContext, NotifyFormat, OutgoingRequest } from '../../deliveries/format.js';

/**
 * The unified platform's bgUrl notification: a GET to the merchant's bgUrl with
 *   money, requestKey, payTime, orderSn, payTypeCode, payTypeName, currencyType,
 *   payStatus, domainCode, sign
 * in the query string (document order), signed like every unified request. The merchant
 * answers the literal body `success`; anything else is a failure and is retried.
 *
 * Example: bgUrl http://mls.com/payNotify, a 2-fen Alipay payment ->
 *   http://mls.com/payNotify?money=2&requestKey=88a1...&payTime=1465955306000
 *   &orderSn=20160615094750987511&payTypeCode=Alipay&payTypeName=%E6%94%AF...
 *   &currencyType=CNY&payStatus=SUCCESSPAY&domainCode=test&sign=<sha1>
 *
 * payStatus is every state the document lists that a merchant can act on, one per event:
 * SUCCESSPAY (paid), FAILUREPAY (the payment failed), CLOSED (closed or canceled unpaid),
 * SUCCESSREFUND and FAILUREREFUND (a refund's outcome; `money` stays the order's amount,
 * as queryInfo reports it). A refund in flight (WAITREFUND) is not sent: its outcome
 * follows, and two notifications racing could leave the merchant with the older state.
 * An attempt that fails or closes while another attempt of the same requestKey is open or
 * paid (the payer switched pay types) says nothing: the order is not closed, and a CLOSED
 * after a SUCCESSPAY would read as "the paid order was closed".
 *
 * The document names no schedule. This one is WeChat Pay's own notify schedule (15 s,
 * 15 s, 30 s, 3 m, 10 m, 20 m, 30 m, 30 m, 30 m, 60 m, 3 h, 3 h, 3 h, 6 h, 6 h: 16
 * attempts over about 24 hours), which is what a platform relaying WeChat notifications
 * gave its merchants.
 */
/** The event each payStatus is sent for (pay-status.ts has the same words for queries). */
const PAY_STATUS_OF_EVENT: Readonly<Record<string, PayStatus>> = {
  'charge.succeeded': 'SUCCESSPAY',
  'charge.failed': 'FAILUREPAY',
  'charge.closed': 'CLOSED',
  'charge.canceled': 'CLOSED',
  'refund.succeeded': 'SUCCESSREFUND',
  'refund.failed': 'FAILUREREFUND',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const unifiedFormat: NotifyFormat = {
  name: 'unified',
  defaultSchedule: {
    kind: 'delays',
    delaysMs: [
      15_000,
      15_000,
      30_000,
      3 * MINUTE,
      10 * MINUTE,
      20 * MINUTE,
      30 * MINUTE,
      30 * MINUTE,
      30 * MINUTE,
      60 * MINUTE,
      3 * HOUR,
      3 * HOUR,
      3 * HOUR,
      6 * HOUR,
      6 * HOUR,
    ],
  },
  eventTypes: Object.keys(PAY_STATUS_OF_EVENT),

  async build({ q, core, event, target }: BuildContext): Promise<OutgoingRequest | null> {
    const payStatus = PAY_STATUS_OF_EVENT[event.type];
    if (!payStatus) return null;
    const charge = await chargeOfEvent(core, event.objectType, event.objectId);
    if (!charge) return null;
    if (['FAILUREPAY', 'CLOSED'].includes(payStatus) && (await anotherAttemptLives(core, charge)))
      return null;
    const unified: Record<string, unknown> =
      typeof charge.extra.unified === 'object' && charge.extra.unified
        ? (charge.extra.unified as Record<string, unknown>)
        : {};
    const appId = event.appId ?? charge.appId;
    // The domainCode the order came through; if it was rotated since, the app's current one.
    const given = typeof unified.domainCode === 'string' ? unified.domainCode : '';
    const credential =
      (given ? await findCredentialByPublicId(q, core.box, 'unified', given) : undefined) ??
      (await getAppCredential(q, core.box, appId, 'unified', event.livemode));
    if (!credential) throw new Error(`app ${appId} has no unified domainCode to sign the bgUrl notification`);

    const payType = payTypeOfProvider(charge.channel);
    // payTime: when it was paid; for an unpaid state, when that state was reached.
    const payTime = (charge.paidAt ?? event.createdAt).getTime();
    const params: Record<string, string> = {
      money: String(typeof unified.money === 'number' ? unified.money : charge.amount),
      requestKey: charge.orderNo,
      payTime: String(payTime),
      orderSn: charge.orderSn,
      payTypeCode:
        typeof unified.payTypeCode === 'string' ? unified.payTypeCode : (payType?.code ?? charge.channel),
      payTypeName: payType?.name ?? charge.channel,
      currencyType: typeof unified.currencyType === 'string' ? unified.currencyType : charge.currency,
      payStatus,
      domainCode: credential.publicId,
    };
    params.sign = signFields(params, NOTIFY_SIGNED_FIELDS, credential.secrets.domainSecret);
    const query = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    return { method: 'GET', url: `${bgUrlBase(target.url)}${query}`, headers: { ...target.headers } };
  },

  isSuccess(status: number, body: string): boolean {
    return status >= 200 && status < 300 && body.trim() === 'success';
  },
};

async function chargeOfEvent(
  core: BuildContext['core'],
  objectType: string,
  objectId: string,
): Promise<Charge | undefined> {
  if (objectType === 'charge') return retrieveCharge(core, objectId);
  if (objectType !== 'refund') return undefined;
  const refund = await retrieveRefund(core, objectId);
  return refund ? retrieveCharge(core, refund.chargeId) : undefined;
}

/** Whether another attempt of the charge's requestKey is still open or was paid. */
async function anotherAttemptLives(core: BuildContext['core'], charge: Charge): Promise<boolean> {
  const attempts = await listOrderAttempts(core, {
    appId: charge.appId,
    livemode: charge.livemode,
    orderNo: charge.orderNo,
  });
  return attempts.some(
    (c) => c.id !== charge.id && ['pending', 'user_paying', 'succeeded'].includes(c.status),
  );
}

const OWN_FIELDS = new Set<string>([...NOTIFY_SIGNED_FIELDS, 'sign']);

/**
 * bgUrl ready for our query. The document forbids a "?" in bgUrl; one that has a query
 * anyway keeps its own parameters, minus any that carry our field names (they would reach
 * the merchant twice, e.g. when a target URL already holds a previous notification's
 * query). A fragment never reaches the server, so it is dropped.
 * "http://m/n?site=2&sign=x#f" -> "http://m/n?site=2&"; "http://m/n" -> "http://m/n?".
 */
export function bgUrlBase(url: string): string {
  const withoutFragment = url.split('#')[0]!;
  const at = withoutFragment.indexOf('?');
  if (at < 0) return `${withoutFragment}?`;
  const kept = withoutFragment
    .slice(at + 1)
    .split('&')
    .filter((pair) => pair !== '' && !OWN_FIELDS.has(paramName(pair)));
  return `${withoutFragment.slice(0, at)}?${kept.map((p) => `${p}&`).join('')}`;
}

function paramName(pair: string): string {
  const raw = pair.split('=')[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed escapes: not one of ours, kept as the merchant wrote it
  }
}
