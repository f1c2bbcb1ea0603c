import { type ErrorCode, ERROR_CATALOG, isJuheError } from '../../domain/errors.js';

/**
 * MaxPay's result codes, exactly as the REST document lists them. Every answer is HTTP 200
 * with `{code, msg, err}`: the PHP client treats any status >= 400 as a transport failure
 * (FACTS.md), so a business error must never look like one.
 */
export const MAXPAY_CODES = {
  OK: 0,
  APP_INVALID: 1,
  PAY_FACTOR_NOT_SET: 2,
  CHANNEL_INVALID: 3,
  MISS_PARAM: 4,
  PARAM_INVALID: 5,
  CERT_FILE_ERROR: 6,
  CHANNEL_ERROR: 7,
  RUN_TIME_ERROR: 14,
} as const;

export type MaxpayMsg = keyof typeof MAXPAY_CODES;

/**
 * The one table from Juhe's error catalog to MaxPay codes. A catalog code added later and
 * not yet listed here falls back by its HTTP status (401/403 APP_INVALID, other 4xx
 * PARAM_INVALID, 5xx RUN_TIME_ERROR), so growth of the catalog never breaks this dialect;
 * errors.test.ts pins the mapping of every code.
 */
export const CATALOG_TO_MAXPAY: Partial<Record<ErrorCode, MaxpayMsg>> = {
  invalid_request: 'PARAM_INVALID',
  missing_parameter: 'MISS_PARAM',
  invalid_parameter: 'PARAM_INVALID',
  invalid_amount: 'PARAM_INVALID',
  invalid_currency: 'PARAM_INVALID',
  unauthenticated: 'APP_INVALID',
  invalid_credentials: 'APP_INVALID',
  invalid_signature: 'APP_INVALID',
  stale_timestamp: 'APP_INVALID',
  forbidden: 'APP_INVALID',
  not_found: 'PARAM_INVALID',
  app_not_found: 'APP_INVALID',
  store_not_found: 'PARAM_INVALID',
  charge_not_found: 'PARAM_INVALID',
  refund_not_found: 'PARAM_INVALID',
  // a billNum that is already paid (re-billing is allowed only while unpaid)
  order_no_duplicate: 'PARAM_INVALID',
  refund_no_duplicate: 'PARAM_INVALID',
  already_exists: 'PARAM_INVALID',
  idempotency_key_reused: 'PARAM_INVALID',
  idempotency_key_in_progress: 'RUN_TIME_ERROR',
  charge_not_cancelable: 'PARAM_INVALID',
  charge_already_paid: 'PARAM_INVALID',
  charge_not_refundable: 'PARAM_INVALID',
  refund_exceeds_amount: 'PARAM_INVALID',
  not_test_mode: 'PARAM_INVALID',
  ambiguous_reference: 'PARAM_INVALID',
  // the channel is not configured (or disabled) for the app: "支付要素在后台没有设置"
  channel_not_available: 'PAY_FACTOR_NOT_SET',
  // an unknown channel code, or a channel that cannot do what was asked
  channel_not_supported: 'CHANNEL_INVALID',
  // the channel config's private key or certificate cannot be read: "证书错误"
  channel_certificate_invalid: 'CERT_FILE_ERROR',
  channel_error: 'CHANNEL_ERROR',
  unsupported_media_type: 'PARAM_INVALID',
  rate_limited: 'RUN_TIME_ERROR',
  internal_error: 'RUN_TIME_ERROR',
  unavailable: 'RUN_TIME_ERROR',
  // the document's only "try again" code; still HTTP 200 (the PHP client's transport rule)
  database_unavailable: 'RUN_TIME_ERROR',
};

export function maxpayMsgFor(code: ErrorCode): MaxpayMsg {
  const mapped = CATALOG_TO_MAXPAY[code];
  if (mapped) return mapped;
  const { status } = ERROR_CATALOG[code];
  if (status === 401 || status === 403) return 'APP_INVALID';
  return status < 500 ? 'PARAM_INVALID' : 'RUN_TIME_ERROR';
}

export interface MaxpayErrorBody {
  code: number;
  msg: MaxpayMsg;
  err: string;
}

export function maxpayErrorBody(msg: MaxpayMsg, err: string): MaxpayErrorBody {
  return { code: MAXPAY_CODES[msg], msg, err };
}

/** Fastify errors that mean "the request body could not be read" (bad JSON, bad media type, too large). */
const REQUEST_SHAPE_ERRORS = new Set([
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_JSON_BODY',
]);

/**
 * Any thrown value -> the MaxPay body. Juhe errors go through the table; fastify's own
 * client errors (body too large, bad media type) are PARAM_INVALID; anything else is a
 * RUN_TIME_ERROR that reveals nothing (`internal` tells the caller to log it).
 */
export function toMaxpayError(error: unknown): { body: MaxpayErrorBody; internal: boolean } {
  if (isJuheError(error)) {
    const msg = maxpayMsgFor(error.code);
    return {
      body: maxpayErrorBody(msg, error.message),
      internal: msg === 'RUN_TIME_ERROR' && error.code === 'internal_error',
    };
  }
  const e = error as { code?: string; statusCode?: number; message?: string } | null;
  if (e && typeof e.code === 'string' && REQUEST_SHAPE_ERRORS.has(e.code)) {
    return { body: maxpayErrorBody('PARAM_INVALID', e.message ?? 'Malformed request'), internal: false };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { body: maxpayErrorBody('PARAM_INVALID', e.message ?? 'Malformed request'), internal: false };
  }
  return {
    body: maxpayErrorBody('RUN_TIME_ERROR', ERROR_CATALOG.internal_error.message),
    internal: true,
  };
}
