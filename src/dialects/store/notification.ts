import { storeOpenKey } from '../../core/stores/open-key.js';
import { sign, verifySign } from './codec.js';
import type { NotifyFormat } from '../../deliveries/format.js';

/**
 * The `store` dialect's order notification (document 4.8.1): a GET to the order's
 * notify_url carrying
 *   ord_no     the system order number (charge order_sn)
 *   out_no     the developer's order number
 *   status     1 paid, 4 canceled (also sent for orders that closed unpaid or failed)
 *   timestamp  Unix seconds of this attempt
 *   rand_str   32 random URL-safe characters, new on every attempt
 *   sign       md5hex(sha1hex(...)) by document 2.5: every other query parameter of the
 *              final URL plus open_key, sorted by key, "k=v" joined with "&", raw values.
 * "Every other query parameter" is the five above, plus any the merchant put in
 * notify_url itself (`https://shop.example/notify?shop=12` signs `shop` too), because a
 * receiver following 2.5 verifies over everything it received but `sign`. Our parameters
 * replace same-named ones of the merchant's URL.
 *
 * The merchant acknowledges with the literal body `notify_success` (surrounding whitespace
 * and a UTF-8 BOM tolerated, as PHP scripts emit them). Otherwise it is retried at growing
 * multiples of 30 s (30, 60, 90, ... s apart) until 3 hours have passed.
 * Refunds have no notification: payrefund takes no notify_url.
 */
export const STORE_NOTIFY_STATUS: Readonly<Record<string, '1' | '4'>> = {
  'charge.succeeded': '1',
  'charge.canceled': '4',
  'charge.closed': '4',
  'charge.failed': '4',
};

export interface StoreCallback {
  ordNo: string;
  outNo: string;
  /** Notifications: 1 or 4. Front redirects also 2, for a payer back before the payment settled. */
  status: '1' | '2' | '4';
  /** Unix seconds. */
  timestamp: number;
  randStr: string;
}

/** `baseUrl` with the callback parameters and their `sign` added to its query string. */
export function signedCallbackUrl(baseUrl: string, callback: StoreCallback, openKey: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('ord_no', callback.ordNo);
  url.searchParams.set('timestamp', String(callback.timestamp));
  url.searchParams.set('rand_str', callback.randStr);
  url.searchParams.set('out_no', callback.outNo);
  url.searchParams.set('status', callback.status);
  url.searchParams.delete('sign');
  url.searchParams.set('sign', sign(Object.fromEntries(url.searchParams), openKey));
  return url.toString();
}

/**
 * The front-end redirect of a jump_url order (document 4.8.2): where the payer is sent
 * when they finish, cancel or leave the payment (the charge's `extra.jump_url`). Same
 * parameters and signature as the notification; status 1 paid, 4 ended unpaid, and 2 while
 * the payment has not settled yet (the payer may be back before the channel's
 * notification): as the document says, the background notification is authoritative.
 */
export function buildJumpUrl(
  charge: { orderSn: string; orderNo: string; status: string; extra: Record<string, unknown> },
  openKey: string,
  options: { now: Date; randStr: string },
): string | null {
  const jumpUrl = charge.extra.jump_url;
  if (typeof jumpUrl !== 'string' || !jumpUrl) return null;
  const status =
    charge.status === 'succeeded'
      ? '1'
      : charge.status === 'pending' || charge.status === 'user_paying'
        ? '2'
        : '4';
  return signedCallbackUrl(
    jumpUrl,
    {
      ordNo: charge.orderSn,
      outNo: charge.orderNo,
      status,
      timestamp: Math.floor(options.now.getTime() / 1000),
      randStr: options.randStr,
    },
    openKey,
  );
}

/** For receivers (and tests): whether a callback URL's query is signed with this open_key. */
export function verifyCallbackUrl(callbackUrl: string, openKey: string): boolean {
  const params = Object.fromEntries(new URL(callbackUrl).searchParams);
  const given = params.sign;
  if (!given) return false;
  delete params.sign;
  return verifySign(params, given, openKey);
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;

export const storeFormat: NotifyFormat = {
  name: 'store',
  defaultSchedule: { kind: 'linear', stepMs: 30 * SECOND, maxElapsedMs: 3 * HOUR },
  eventTypes: Object.keys(STORE_NOTIFY_STATUS),
  async build({ core, event, target, now }) {
    const status = STORE_NOTIFY_STATUS[event.type];
    const data = event.data;
    if (!status || event.objectType !== 'charge' || typeof data.store !== 'string') return null;
    const openKey = await storeOpenKey(core, data.store);
    if (!openKey) return null;
    const url = signedCallbackUrl(
      target.url,
      {
        ordNo: String(data.order_sn),
        outNo: String(data.order_no),
        status,
        timestamp: Math.floor(now.getTime() / 1000),
        randStr: core.ids.secret(24),
      },
      openKey,
    );
    return { method: 'GET', url, headers: { ...target.headers, 'user-agent': 'Juhe-Notify/1.0' } };
  },
  isSuccess: (status, body) => status >= 200 && status < 300 && isNotifySuccess(body),
};

/**
 * `notify_success`, with what real receivers wrap around it: surrounding whitespace and a
 * UTF-8 BOM (PHP scripts), or JSON string quotes (a Django REST framework view answers
 * `Response("notify_success")` as `"notify_success"`).
 */
export function isNotifySuccess(body: string): boolean {
  const text = body.replace(/^\uFEFF/, '').trim();
  return text === 'notify_success' || /^"\s*notify_success\s*"$/.test(text);
}
