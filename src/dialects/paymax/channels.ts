import type { Method, Provider } from '../../domain/channels.js';

/**
 * Paymax channel codes and the (provider, method) each one means. `requiredExtra` are the
 * `extra` keys the channel cannot work without (a missing one is ILLEGAL_ARGUMENT);
 * `returnUrlKey` names the extra that carries the payer's return address.
 *
 * The 2016 document lists the first seven. `wechat_csb` (WeChat QR, payer scans) appears in
 * real captured traffic (its credential key in specs/samples/paymax-webhook/) and
 * `lakala_h5` in the later version of the same document; both are accepted so those
 * clients work unchanged.
 *
 * Credential shape: `credential` is an object with ONE key, the channel code, whose value
 * is what the payer's client needs, e.g.
 *   alipay_app    {"alipay_app": {"order_string": "..."}}
 *   wechat_app    {"wechat_app": {"order_string": "..."}}   (prepay parameters from the channel)
 *   apple_pay_app {"apple_pay_app": {"order_string": "..."}}
 *   wechat_wap    {"wechat_wap": {"jsapi": {"appId", "package", "signType", ...}}}  (with extra.open_id)
 *                 {"wechat_wap": {"pay_url": "https://<gateway>/cashier/pay/ch_..."}}  (without)
 *   wechat_csb    {"wechat_csb": {"qr_code": "weixin://wxpay/bizpayurl?pr=..."}}
 *   alipay_web, lakala_web, lakala_h5  {"<code>": {"pay_url": "https://..."}}
 *   lakala_app    {"lakala_app": {"order_string": "..."}}
 * as the captured `{"wechat_csb": {"qr_code": ...}}` shows.
 */
export interface PaymaxChannel {
  code: string;
  provider: Provider;
  method: Method;
  requiredExtra: readonly string[];
  returnUrlKey?: string;
  /**
   * The extra naming the payer (WeChat `open_id` for JSAPI). Given, the payment starts at
   * create; left out, the charge's credential is the hosted pay page, which learns the payer
   * (WeChat web authorization, as store `jump_url` orders do) and starts the payment there.
   */
  payerExtra?: string;
  /** Upper bound on time_expire - now; WeChat official-account (JSAPI) orders live 3 minutes. */
  maxExpiryMs?: number;
}

const THREE_MINUTES = 3 * 60 * 1000;

export const PAYMAX_CHANNELS: readonly PaymaxChannel[] = [
  { code: 'alipay_app', provider: 'alipay', method: 'app', requiredExtra: [] },
  { code: 'wechat_app', provider: 'wechatpay', method: 'app', requiredExtra: [] },
  { code: 'apple_pay_app', provider: 'applepay', method: 'app', requiredExtra: [] },
  {
    code: 'wechat_wap',
    provider: 'wechatpay',
    method: 'jsapi',
    requiredExtra: [],
    payerExtra: 'open_id',
    maxExpiryMs: THREE_MINUTES,
  },
  { code: 'wechat_csb', provider: 'wechatpay', method: 'qr', requiredExtra: [] },
  { code: 'alipay_web', provider: 'alipay', method: 'page', requiredExtra: [], returnUrlKey: 'return_url' },
  { code: 'lakala_web', provider: 'lakala', method: 'page', requiredExtra: ['user_id'] },
  {
    code: 'lakala_app',
    provider: 'lakala',
    method: 'app',
    requiredExtra: ['user_id', 'return_url'],
    returnUrlKey: 'return_url',
  },
  {
    code: 'lakala_h5',
    provider: 'lakala',
    method: 'h5',
    requiredExtra: ['user_id', 'return_url', 'show_url'],
    returnUrlKey: 'return_url',
  },
];

const BY_CODE = new Map(PAYMAX_CHANNELS.map((c) => [c.code, c]));

export function paymaxChannel(code: string): PaymaxChannel | undefined {
  return BY_CODE.get(code);
}

/**
 * The channel code of a stored charge. Every (provider, method) above is unique, so the
 * pair alone identifies the code; a charge made through another dialect with a pair
 * Paymax has no code for is shown as `<provider>_<method>`.
 */
export function channelCodeOf(provider: Provider, method: Method): string {
  const found = PAYMAX_CHANNELS.find((c) => c.provider === provider && c.method === method);
  return found ? found.code : `${provider}_${method}`;
}
