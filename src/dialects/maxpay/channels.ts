import type { Method, Provider } from '../../domain/channels.js';

/**
 * MaxPay channel codes <-> Juhe (provider, method), both ways from one table.
 * `requires` lists the bill fields a channel cannot do without (FACTS.md: returnUrl for
 * the page channels, openid for WeChat JSAPI), e.g. `ali_web` without returnUrl is MISS_PARAM.
 */
export const MAXPAY_CHANNELS = {
  ali_app: { provider: 'alipay', method: 'app', requires: [] },
  ali_web: { provider: 'alipay', method: 'page', requires: ['returnUrl'] },
  ali_qrcode: { provider: 'alipay', method: 'qr', requires: ['returnUrl'] },
  wx_app: { provider: 'wechatpay', method: 'app', requires: [] },
  wx_native: { provider: 'wechatpay', method: 'qr', requires: [] },
  wx_jsapi: { provider: 'wechatpay', method: 'jsapi', requires: ['openid'] },
  un_app: { provider: 'unionpay', method: 'app', requires: [] },
  un_web: { provider: 'unionpay', method: 'page', requires: ['returnUrl'] },
  // Another MaxLeap document version's names (FACTS.md): Alipay's mobile-web payment, and
  // UnionPay spelled out. Their bills answer like their twins' (ali_wap like ali_web).
  ali_wap: { provider: 'alipay', method: 'wap', requires: [] },
  unipay_app: { provider: 'unionpay', method: 'app', requires: [] },
  unipay_web: { provider: 'unionpay', method: 'page', requires: ['returnUrl'] },
} as const satisfies Record<
  string,
  { provider: Provider; method: Method; requires: readonly ('returnUrl' | 'openid')[] }
>;

export type MaxpayChannel = keyof typeof MAXPAY_CHANNELS;

/**
 * Provider-wide codes, for filtering `records` only: the REST document's own example
 * queries `channel: 'ali'`, meaning every Alipay bill (ali_app, ali_web, ali_qrcode).
 * A bill still needs one concrete channel; `bill` with 'ali' is CHANNEL_INVALID.
 */
export const MAXPAY_PROVIDER_CODES = {
  ali: 'alipay',
  wx: 'wechatpay',
  un: 'unionpay',
} as const satisfies Record<string, Provider>;

export type MaxpayProviderCode = keyof typeof MAXPAY_PROVIDER_CODES;

export function isMaxpayProviderCode(value: unknown): value is MaxpayProviderCode {
  return typeof value === 'string' && Object.hasOwn(MAXPAY_PROVIDER_CODES, value);
}

export const MAXPAY_CHANNEL_CODES = Object.keys(MAXPAY_CHANNELS) as MaxpayChannel[];

export function isMaxpayChannel(value: unknown): value is MaxpayChannel {
  return typeof value === 'string' && Object.hasOwn(MAXPAY_CHANNELS, value);
}

export function toProviderMethod(channel: MaxpayChannel): { provider: Provider; method: Method } {
  const { provider, method } = MAXPAY_CHANNELS[channel];
  return { provider, method };
}

/**
 * The pair a bill is made with. `ali_qrcode` with `qrPayMode` is Alipay's page payment
 * whose QR code the merchant embeds in its own page (alipay.trade.page.pay with
 * qr_pay_mode, which is why the document requires returnUrl); without it, the plain
 * face-to-face QR code (precreate).
 */
export function billProviderMethod(
  channel: MaxpayChannel,
  qrPayMode: string | undefined,
): { provider: Provider; method: Method } {
  if (channel === 'ali_qrcode' && qrPayMode !== undefined) return { provider: 'alipay', method: 'page' };
  return toProviderMethod(channel);
}

/**
 * The MaxPay code of a charge. A charge made through another dialect of the same app can
 * have a pair MaxPay never had (alipay/wap): it is named `<provider>_<method>` rather than
 * hidden, so a record or webhook still says what it was.
 */
export function fromProviderMethod(provider: string, method: string): string {
  for (const code of MAXPAY_CHANNEL_CODES) {
    const entry = MAXPAY_CHANNELS[code];
    if (entry.provider === provider && entry.method === method) return code;
  }
  return `${provider}_${method}`;
}
