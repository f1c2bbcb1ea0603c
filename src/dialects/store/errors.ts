import type { ErrorCode } from '../../domain/errors.js';
import { JuheError } from '../../domain/errors.js';

/**
 * The one errcode table of the `store` dialect: the document's section 5, keyed by name.
 * Every response carries `errcode` (0 = ok) and `msg`; errors come back with HTTP 200, as
 * the PHP and POS clients expect, and `msg` adds what exactly was wrong after a colon,
 * e.g. `收款金额有误：trade_amount(90) != original_amount(100) - discount_amount(5) - ignore_amount(0)`.
 *
 * Conditions that cannot arise here: 8005 (an older name of 8045: ord_no is generated and
 * never collides), 8009 and 8010 (trade number and card number of card-swipe tenders: no
 * pay tag of ours is a card tender), 8046 (the acquirer's risk refusal: no channel
 * reports one). They stay in the table so the mapping is complete.
 *
 * 8000 is the only business code not in the document: a malformed optional parameter
 * that no documented code names (page, pagesize, sdate, status filter...). Answers that
 * are not about the request's content carry their HTTP status as errcode: 404 (no such
 * endpoint), 413 (body too large), 500 (our failure; the client should query the order).
 *
 * `en` is the message of a request with `lang=en` (the document: msg "会根据lang参数返回不同的语言").
 */
export const ERRCODES = {
  ok: { errcode: 0, msg: 'ok', en: 'ok' },
  bad_sign: { errcode: 5, msg: '验证签名错误', en: 'Signature verification failed' },
  open_id_missing: { errcode: 8, msg: 'token不能为空', en: 'open_id must not be empty' },
  timestamp_error: { errcode: 9, msg: 'timestamp error', en: 'timestamp error' },
  store_not_found: { errcode: 3002, msg: '门店不存在', en: 'Store does not exist' },
  invalid_parameter: { errcode: 8000, msg: '参数错误', en: 'Invalid parameter' },
  ord_no_missing: { errcode: 8001, msg: '订单号不能为空', en: 'Order number must not be empty' },
  order_not_found: { errcode: 8002, msg: '订单不存在', en: 'Order does not exist' },
  ord_name_invalid: { errcode: 8003, msg: '订单名称不能为空', en: 'Order name must not be empty' },
  pmt_tag_missing: { errcode: 8004, msg: '付款方式不能为空', en: 'Payment method must not be empty' },
  ord_no_exists: {
    errcode: 8005,
    msg: '订单号已经存在，请勿重复提交',
    en: 'Order number already exists, do not submit it again',
  },
  amount_invalid: { errcode: 8006, msg: '收款金额有误', en: 'Invalid amount' },
  pmt_tag_unavailable: { errcode: 8007, msg: '付款方式未开通', en: 'Payment method is not enabled' },
  create_failed: { errcode: 8008, msg: '创建订单失败', en: 'Failed to create the order' },
  trade_no_missing: { errcode: 8009, msg: '交易号不能为空', en: 'Trade number must not be empty' },
  card_no_missing: { errcode: 8010, msg: '银行卡号不能为空', en: 'Card number must not be empty' },
  pay_failed: { errcode: 8011, msg: '支付失败', en: 'Payment failed' },
  not_cancelable: {
    errcode: 8012,
    msg: '当前订单不能取消，如果已经付款，请使用退款功能',
    en: 'The order cannot be canceled now; if it has been paid, refund it instead',
  },
  cancel_failed: { errcode: 8013, msg: '订单取消失败', en: 'Failed to cancel the order' },
  original_no_missing: {
    errcode: 8014,
    msg: '原始付款单号不能为空',
    en: 'Original order number must not be empty',
  },
  refund_amount_missing: { errcode: 8015, msg: '退款金额不能为空', en: 'Refund amount must not be empty' },
  shop_pass_missing: { errcode: 8016, msg: '主管密码不能为空', en: 'Supervisor password must not be empty' },
  shop_pass_wrong: { errcode: 8017, msg: '主管密码错误', en: 'Wrong supervisor password' },
  original_not_found: { errcode: 8018, msg: '原始订单不存在', en: 'Original order does not exist' },
  not_refundable: {
    errcode: 8019,
    msg: '当前订单不允许退款，状态异常',
    en: 'The order cannot be refunded in its current status',
  },
  refund_no_exists: {
    errcode: 8020,
    msg: '退款单号已经存在，请勿重复提交',
    en: 'Refund number already exists, do not submit it again',
  },
  refund_exceeds_remaining: {
    errcode: 8021,
    msg: '退款金额大于支付金额，当前订单有其它退款记录',
    en: 'Refund amount exceeds what is left after earlier refunds',
  },
  refund_exceeds_paid: {
    errcode: 8022,
    msg: '退款金额大于支付金额',
    en: 'Refund amount exceeds the amount paid',
  },
  refund_failed: { errcode: 8023, msg: '退款失败', en: 'Refund failed' },
  refund_exceeds_today: {
    errcode: 8040,
    msg: '当前退款金额大于商户今日交易总额',
    en: "Refund amount exceeds the merchant's takings today",
  },
  out_no_missing: { errcode: 8044, msg: 'out_no不能为空', en: 'out_no must not be empty' },
  out_no_exists: {
    errcode: 8045,
    msg: 'out_no已经存在，请勿重复发起支付',
    en: 'out_no already exists, do not pay it again',
  },
  rejected: {
    errcode: 8046,
    msg: '交易已被系统拒绝，请联系您的服务商',
    en: 'The transaction was rejected, contact your service provider',
  },
  unknown_endpoint: { errcode: 404, msg: '接口不存在', en: 'No such API' },
  body_too_large: { errcode: 413, msg: '请求数据过大', en: 'Request body too large' },
  server_error: { errcode: 500, msg: '系统繁忙，请稍后重试', en: 'System busy, please retry later' },
} as const satisfies Record<string, { errcode: number; msg: string; en: string }>;

export type StoreErrorName = keyof typeof ERRCODES;

export class StoreError extends Error {
  readonly errcode: number;
  readonly key: StoreErrorName;
  readonly detail: string | undefined;

  constructor(key: StoreErrorName, detail?: string) {
    const base = ERRCODES[key].msg;
    super(detail ? `${base}：${detail}` : base);
    this.name = 'StoreError';
    this.key = key;
    this.detail = detail;
    this.errcode = ERRCODES[key].errcode;
  }

  /**
   * The message in the request's language. English keeps a detail only when it has no
   * Chinese in it (`trade_amount(90) != original_amount(100) - ...`, an upstream's English
   * text): the details are written for Chinese readers, and half-translated text helps no one.
   */
  messageIn(lang: StoreLang): string {
    if (lang === 'zh') return this.message;
    const base = ERRCODES[this.key].en;
    return this.detail && !/[\u3000-\u9fff\uff00-\uffef]/.test(this.detail)
      ? `${base}: ${this.detail}`
      : base;
  }
}

/** The language of `msg`: Chinese unless the request says `lang=en` (en, en_US, en-GB, ...). */
export type StoreLang = 'zh' | 'en';

export function storeLang(value: unknown): StoreLang {
  return typeof value === 'string' && /^en(?:[-_][a-z]{2})?$/i.test(value.trim()) ? 'en' : 'zh';
}

export type Endpoint =
  'paylist' | 'order' | 'order/view' | 'payorder' | 'paystatus' | 'paycancel' | 'payrefund';

/**
 * Core error codes as each endpoint reports them. A core error an endpoint has no entry
 * for is not the client's fault and surfaces as an internal error (HTTP 500).
 */
const FROM_CORE: Record<Endpoint, Partial<Record<ErrorCode, StoreErrorName>>> = {
  paylist: {},
  order: { invalid_parameter: 'invalid_parameter' },
  'order/view': { charge_not_found: 'order_not_found' },
  paystatus: { charge_not_found: 'order_not_found' },
  payorder: {
    order_no_duplicate: 'out_no_exists',
    invalid_amount: 'amount_invalid',
    invalid_currency: 'amount_invalid',
    channel_not_available: 'pmt_tag_unavailable',
    channel_certificate_invalid: 'pmt_tag_unavailable',
    channel_not_supported: 'pmt_tag_unavailable',
    channel_error: 'pay_failed',
    missing_parameter: 'create_failed',
    invalid_parameter: 'create_failed',
  },
  paycancel: {
    charge_not_found: 'order_not_found',
    charge_already_paid: 'cancel_failed',
    charge_not_cancelable: 'cancel_failed',
    channel_error: 'cancel_failed',
    channel_not_supported: 'cancel_failed',
    channel_certificate_invalid: 'cancel_failed',
  },
  payrefund: {
    charge_not_found: 'original_not_found',
    charge_not_refundable: 'not_refundable',
    refund_no_duplicate: 'refund_no_exists',
    refund_exceeds_amount: 'refund_exceeds_remaining',
    invalid_amount: 'refund_amount_missing',
    channel_error: 'refund_failed',
    channel_not_supported: 'refund_failed',
    channel_not_available: 'refund_failed',
    channel_certificate_invalid: 'refund_failed',
  },
};

/** Core errors every endpoint answers alike: 系统繁忙，请稍后重试 (errcode 500, HTTP 200) is the retry hint. */
const ON_EVERY_ENDPOINT: Partial<Record<ErrorCode, StoreErrorName>> = {
  database_unavailable: 'server_error',
};

/** A core JuheError in this endpoint's errcodes, or null when it is not a client-facing one. */
export function fromCore(error: unknown, endpoint: Endpoint): StoreError | null {
  if (error instanceof StoreError) return error;
  if (!(error instanceof JuheError)) return null;
  const key = FROM_CORE[endpoint][error.code] ?? ON_EVERY_ENDPOINT[error.code];
  return key ? new StoreError(key, error.message) : null;
}
