import type { Method, Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import type { Currency } from '../../domain/money.js';

/**
 * The platform's pay types (payTypeCode) and where each lands on our side per cashier
 * scene: the PC page shows a WeChat QR code and submits forms; the H5 page runs inside
 * WeChat (JSAPI, needs the payer's openid) or a mobile browser (Alipay wap form).
 */
export type PayTypeCode = 'Wechat' | 'Alipay' | 'ChinapayOld' | 'Paypal';
export type PayScene = 'pc' | 'h5';

export interface PayType {
  code: PayTypeCode;
  /** payTypeName as the notification and queryInfo spell it. */
  name: string;
  nameEn: string;
  provider: Provider;
  /** Method per scene; a scene without one does not offer the pay type. */
  methods: Partial<Record<PayScene, Method>>;
  /** The currency the provider settles in; other currencies are converted with `rate`. */
  currency: Currency;
}

export const PAY_TYPES: readonly PayType[] = [
  {
    code: 'Wechat',
    name: '微信支付',
    nameEn: 'WeChat Pay',
    provider: 'wechatpay',
    methods: { pc: 'qr', h5: 'jsapi' },
    currency: 'CNY',
  },
  {
    code: 'Alipay',
    name: '支付宝支付',
    nameEn: 'Alipay',
    provider: 'alipay',
    methods: { pc: 'page', h5: 'wap' },
    currency: 'CNY',
  },
  {
    code: 'ChinapayOld',
    name: '银联支付',
    nameEn: 'UnionPay',
    provider: 'unionpay',
    methods: { pc: 'page' },
    currency: 'CNY',
  },
  {
    code: 'Paypal',
    name: 'PayPal',
    nameEn: 'PayPal',
    provider: 'paypal',
    methods: { pc: 'page' },
    currency: 'USD',
  },
];

export function findPayType(code: string): PayType | undefined {
  return PAY_TYPES.find((t) => t.code === code);
}

/** The pay type of a charge this dialect created, from its provider. */
export function payTypeOfProvider(provider: Provider): PayType | undefined {
  return PAY_TYPES.find((t) => t.provider === provider);
}

/** payTypeCode -> (pay type, method) for a scene, or a clear error. */
export function resolvePayType(code: string, scene: PayScene): { payType: PayType; method: Method } {
  if (!code) throw new JuheError('missing_parameter', 'payTypeCode is required', 'payTypeCode');
  const payType = findPayType(code);
  if (!payType) {
    throw new JuheError(
      'channel_not_supported',
      `payTypeCode ${code} is not one of ${PAY_TYPES.map((t) => t.code).join(', ')}`,
      'payTypeCode',
    );
  }
  const method = payType.methods[scene];
  if (!method) {
    throw new JuheError(
      'channel_not_supported',
      `payTypeCode ${code} is not offered on the ${scene} cashier`,
      'payTypeCode',
    );
  }
  return { payType, method };
}

/** paySceneName as the cashier pages send it; empty means the PC page. */
export function parseScene(value: string): PayScene {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'pc') return 'pc';
  if (v === 'h5' || v === 'wap' || v === 'mobile' || v === 'm') return 'h5';
  throw new JuheError('invalid_parameter', `paySceneName ${value} is not pc or h5`, 'paySceneName');
}
