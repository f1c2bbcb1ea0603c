import type { FastifyError } from 'fastify';
import { type ErrorCode, JuheError } from '../../domain/errors.js';

/**
 * The unified wire envelope: `{"errcode": "0", "errormsg": "操作成功", "obj": ...}`.
 * errcode is a string; "0" is success and "30000" means "WeChat payment still open" on
 * wechatQuery (the only codes the document fixes). Business errors travel as HTTP 200:
 * the cashier page shows `errormsg` only from a 200 answer, and its wechatQuery poll keeps
 * polling on a transport error, which is exactly what a 5xx (our fault) should cause.
 */
export interface UnifiedBody<T = unknown> {
  errcode: string;
  errormsg: string;
  obj: T | null;
}

export const OK = '0';
export const OK_MESSAGE = '操作成功';
/** wechatQuery: the WeChat payment is still open, poll again. */
export const STILL_OPEN = '30000';
/** wechatQuery: the payment failed or the order was closed; the page goes to dialogFailUrl. */
export const PAY_FAILED = '30001';

export function ok<T>(obj: T | null): UnifiedBody<T> {
  return { errcode: OK, errormsg: OK_MESSAGE, obj };
}

/** The one mapping from the core catalog onto unified errcodes and messages. */
const TABLE: Partial<Record<ErrorCode, { errcode: string; errormsg: string }>> = {
  invalid_request: { errcode: '10000', errormsg: '请求格式错误' },
  missing_parameter: { errcode: '10001', errormsg: '缺少参数' },
  invalid_parameter: { errcode: '10002', errormsg: '参数错误' },
  invalid_amount: { errcode: '10003', errormsg: '金额错误' },
  invalid_currency: { errcode: '10004', errormsg: '不支持的币种' },
  unsupported_media_type: { errcode: '10005', errormsg: '不支持的请求格式' },
  invalid_signature: { errcode: '10010', errormsg: '签名错误' },
  invalid_credentials: { errcode: '10011', errormsg: 'domainCode不存在' },
  app_not_found: { errcode: '10011', errormsg: 'domainCode不存在' },
  order_no_duplicate: { errcode: '20001', errormsg: 'requestKey重复' },
  charge_already_paid: { errcode: '20002', errormsg: '该订单已支付' },
  charge_not_found: { errcode: '20003', errormsg: '支付记录不存在' },
  not_found: { errcode: '20004', errormsg: '接口不存在' },
  channel_not_available: { errcode: '20010', errormsg: '支付方式不可用' },
  channel_certificate_invalid: { errcode: '20010', errormsg: '支付方式不可用' },
  channel_not_supported: { errcode: '20011', errormsg: '不支持的支付方式' },
  channel_error: { errcode: '20012', errormsg: '支付渠道错误，请稍后再试' },
  rate_limited: { errcode: '20020', errormsg: '请求过于频繁' },
  unavailable: { errcode: '99998', errormsg: '服务暂不可用，请稍后再试' },
  database_unavailable: { errcode: '99998', errormsg: '服务暂不可用，请稍后再试' },
  internal_error: { errcode: '99999', errormsg: '系统错误，请稍后再试' },
};

const FALLBACK_CLIENT = { errcode: '10002', errormsg: '参数错误' };
const FALLBACK_SERVER = { errcode: '99999', errormsg: '系统错误，请稍后再试' };

export interface MappedError {
  /** HTTP status: 200 for anything the caller caused, 5xx only for our own failures. */
  status: number;
  body: UnifiedBody<null>;
}

/** JuheError (or a Fastify parse/validation error) -> the unified answer. */
export function toUnifiedError(error: unknown): MappedError {
  const juhe = asJuheError(error);
  const entry = TABLE[juhe.code] ?? (juhe.status >= 500 ? FALLBACK_SERVER : FALLBACK_CLIENT);
  const server = juhe.status >= 500 && juhe.code !== 'channel_error';
  // Our own messages name the parameter ("money must be ..."); internal ones say nothing.
  const detail = server ? '' : juhe.message;
  return {
    status: server ? juhe.status : 200,
    body: {
      errcode: entry.errcode,
      errormsg: detail ? `${entry.errormsg}: ${detail}` : entry.errormsg,
      obj: null,
    },
  };
}

function asJuheError(error: unknown): JuheError {
  if (error instanceof JuheError) return error;
  const e = error as FastifyError | undefined;
  if (e?.statusCode === 415) return new JuheError('unsupported_media_type', e.message);
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new JuheError('invalid_request', e.message);
  }
  return new JuheError('internal_error');
}
