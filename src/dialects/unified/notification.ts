import { findCredentialByPublicId, getAppCredential } from '../../core/apps/credentials.js';
import { payTypeOfProvider } from './pay-types.js';
import { NOTIFY_SIGNED_FIELDS, signFields } from './sign.js';
import type { BuildContext, NotifyFormat, OutgoingRequest } from '../../notify/format.js';

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
 * The document names no schedule. This one is WeChat Pay's own notify schedule (15 s,
 * 15 s, 30 s, 3 m, 10 m, 20 m, 30 m, 30 m, 30 m, 60 m, 3 h, 3 h, 3 h, 6 h, 6 h: 16
 * attempts over about 24 hours), which is what a platform relaying WeChat notifications
 * gave its merchants.
 */
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
  eventTypes: ['charge.succeeded'],

  async build({ q, core, event, target }: BuildContext): Promise<OutgoingRequest | null> {
    if (event.type !== 'charge.succeeded' || event.objectType !== 'charge') return null;
    const data = event.data;
    const unified: Record<string, unknown> =
      data.extra && typeof data.extra.unified === 'object' && data.extra.unified ? data.extra.unified : {};
    const appId = event.appId ?? (data.app as string);
    // The domainCode the order came through; if it was rotated since, the app's current one.
    const given = typeof unified.domainCode === 'string' ? unified.domainCode : '';
    const credential =
      (given ? await findCredentialByPublicId(q, core.box, 'unified', given) : undefined) ??
      (await getAppCredential(q, core.box, appId, 'unified', event.livemode));
    if (!credential) throw new Error(`app ${appId} has no unified domainCode to sign the bgUrl notification`);

    const payType = payTypeOfProvider(data.channel);
    const paidAt = Date.parse(data.paid_at ?? event.createdAt.toISOString());
    const params: Record<string, string> = {
      money: String(typeof unified.money === 'number' ? unified.money : data.amount),
      requestKey: String(data.order_no),
      payTime: String(paidAt),
      orderSn: String(data.order_sn),
      payTypeCode:
        typeof unified.payTypeCode === 'string' ? unified.payTypeCode : (payType?.code ?? data.channel),
      payTypeName: payType?.name ?? String(data.channel),
      currencyType: typeof unified.currencyType === 'string' ? unified.currencyType : String(data.currency),
      payStatus: 'SUCCESSPAY',
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
