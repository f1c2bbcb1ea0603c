import type { FastifyError } from 'fastify';
import { type ErrorCode, JuheError } from '../../domain/errors.js';

/**
 * Paymax error responses are bare `{"failure_code", "failure_msg"}` with the HTTP status
 * below (FACTS.md: 401 for the three authentication codes, 400 for every business code).
 * Messages start with Paymax's own wording (its API document's code table) and add what
 * exactly was wrong: "参数错误: order_no must be 8-20 letters or digits".
 */
export type PaymaxCode =
  | 'SECRET_KEY_IS_BLANK'
  | 'SECRET_KEY_IS_INVALID'
  | 'SIGN_CHECK_FAILED'
  | 'APP_NOT_EXIST'
  | 'ORDER_NO_NOT_EXIST'
  | 'ORDER_NO_DUPLICATE'
  | 'CHANNEL_NOT_AVAILABLE'
  | 'AMOUNT_NOT_ENOUGH'
  | 'MULTI_REFUND_RECORDS'
  | 'ILLEGAL_ARGUMENT'
  | 'CHANNEL_CHARGE_FAILED'
  | 'SYSTEM_ERROR';

export const PAYMAX_MESSAGES: Record<PaymaxCode, string> = {
  SECRET_KEY_IS_BLANK: 'SecretKey为空',
  SECRET_KEY_IS_INVALID: '非法的SecretKey',
  SIGN_CHECK_FAILED: '签名校验失败',
  APP_NOT_EXIST: '应用不存在',
  ORDER_NO_NOT_EXIST: '订单不存在',
  ORDER_NO_DUPLICATE: '商户订单号已存在',
  CHANNEL_NOT_AVAILABLE: '该支付渠道未申请或者未开通',
  AMOUNT_NOT_ENOUGH: '金额不足',
  MULTI_REFUND_RECORDS: '已经存在一笔处理中的退款',
  ILLEGAL_ARGUMENT: '参数错误',
  CHANNEL_CHARGE_FAILED: '向支付渠道下单失败',
  SYSTEM_ERROR: '系统内部错误',
};

export class PaymaxError extends Error {
  constructor(
    readonly status: number,
    readonly code: PaymaxCode,
    detail?: string,
  ) {
    super(detail ? `${PAYMAX_MESSAGES[code]}: ${detail}` : PAYMAX_MESSAGES[code]);
    this.name = 'PaymaxError';
  }

  toJSON(): { failure_code: PaymaxCode; failure_msg: string } {
    return { failure_code: this.code, failure_msg: this.message };
  }
}

export function illegalArgument(detail: string): PaymaxError {
  return new PaymaxError(400, 'ILLEGAL_ARGUMENT', detail);
}

/**
 * The one table from the core catalog to Paymax codes. Codes not listed fall back on
 * their class: another 4xx is ILLEGAL_ARGUMENT, a 5xx is SYSTEM_ERROR (with no detail).
 */
const FROM_CATALOG: Partial<Record<ErrorCode, [number, PaymaxCode]>> = {
  unauthenticated: [401, 'SECRET_KEY_IS_BLANK'],
  invalid_credentials: [401, 'SECRET_KEY_IS_INVALID'],
  invalid_signature: [401, 'SIGN_CHECK_FAILED'],
  // The July-2016 scheme's freshness and one-time nonce are part of its signature check:
  // Paymax documents no other 401 code, and failure_msg says which part failed.
  stale_timestamp: [401, 'SIGN_CHECK_FAILED'],
  request_replayed: [401, 'SIGN_CHECK_FAILED'],
  app_not_found: [400, 'APP_NOT_EXIST'],
  not_found: [400, 'ORDER_NO_NOT_EXIST'],
  charge_not_found: [400, 'ORDER_NO_NOT_EXIST'],
  refund_not_found: [400, 'ORDER_NO_NOT_EXIST'],
  order_no_duplicate: [400, 'ORDER_NO_DUPLICATE'],
  refund_no_duplicate: [400, 'ORDER_NO_DUPLICATE'],
  // Nothing left to refund: more than the refundable balance, or a charge never paid.
  refund_exceeds_amount: [400, 'AMOUNT_NOT_ENOUGH'],
  refund_in_progress: [400, 'MULTI_REFUND_RECORDS'],
  charge_not_refundable: [400, 'AMOUNT_NOT_ENOUGH'],
  channel_not_available: [400, 'CHANNEL_NOT_AVAILABLE'],
  channel_not_supported: [400, 'CHANNEL_NOT_AVAILABLE'],
  // A channel whose configured key or certificate is unreadable is not open for payments.
  channel_certificate_invalid: [400, 'CHANNEL_NOT_AVAILABLE'],
  channel_error: [400, 'CHANNEL_CHARGE_FAILED'],
  invalid_request: [400, 'ILLEGAL_ARGUMENT'],
  missing_parameter: [400, 'ILLEGAL_ARGUMENT'],
  invalid_parameter: [400, 'ILLEGAL_ARGUMENT'],
  invalid_amount: [400, 'ILLEGAL_ARGUMENT'],
  invalid_currency: [400, 'ILLEGAL_ARGUMENT'],
  unsupported_media_type: [400, 'ILLEGAL_ARGUMENT'],
};

export function fromJuheError(error: JuheError): PaymaxError {
  const mapped = FROM_CATALOG[error.code];
  if (mapped) return new PaymaxError(mapped[0], mapped[1], error.message);
  if (error.status >= 500) return new PaymaxError(error.status, 'SYSTEM_ERROR');
  return new PaymaxError(400, 'ILLEGAL_ARGUMENT', error.message);
}

/** Anything thrown while serving a Paymax request, as the Paymax error it is answered with. */
export function toPaymaxError(error: unknown): PaymaxError {
  if (error instanceof PaymaxError) return error;
  if (error instanceof JuheError) return fromJuheError(error);
  const e = error as Partial<FastifyError>;
  // Fastify's own 4xx (body too large, bad content length): the client's fault, said plainly.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new PaymaxError(e.statusCode === 413 ? 413 : 400, 'ILLEGAL_ARGUMENT', e.message);
  }
  return new PaymaxError(500, 'SYSTEM_ERROR');
}
