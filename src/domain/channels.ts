/**
 * Providers (who moves the money) and methods (how the payer is reached). Dialects map
 * their own channel codes onto a (provider, method) pair, e.g. maxpay `wx_native` ->
 * (wechatpay, native), paymax `alipay_web` -> (alipay, page), store `AlipayCS` + auth_code
 * -> (alipay, barcode).
 */
export const PROVIDERS = [
  'alipay',
  'wechatpay',
  'unionpay',
  'applepay',
  'paypal',
  'lakala',
  'cash',
  'diy',
] as const;
export type Provider = (typeof PROVIDERS)[number];

export const METHODS = [
  'app', // native app SDK: order string / prepay params / tn
  'page', // desktop web page (Alipay page pay, UnionPay front form)
  'wap', // mobile web page
  'qr', // merchant shows a QR code (Alipay precreate, WeChat native)
  'barcode', // merchant scans the payer's code (auth_code)
  'jsapi', // in-app browser: WeChat official account / Alipay service window
  'mini', // mini program
  'h5', // WeChat H5 outside WeChat
  'offline', // cash and custom tenders
] as const;
export type Method = (typeof METHODS)[number];

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

export function isMethod(value: unknown): value is Method {
  return typeof value === 'string' && (METHODS as readonly string[]).includes(value);
}

export const OFFLINE_PROVIDERS: readonly Provider[] = ['cash', 'diy'];

/**
 * The config id of a provider's test-mode default (its simulator's default merchant), used
 * when a test-mode app configured none: its notify URL is `/notify/<provider>/sandbox`.
 */
export const DEFAULT_TEST_CONFIG_ID = 'sandbox';
