import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { maxpayErrorBody } from '../dialects/maxpay/errors.js';
import { MAXPAY_PREFIX } from '../dialects/maxpay/routes.js';
import { toPaymaxError } from '../dialects/paymax/errors.js';
import { PAYMAX_PREFIXES } from '../dialects/paymax/routes.js';
import { STORE_PREFIX, storeBrokenRequest } from '../dialects/store/routes.js';
import { UNIFIED_API_PREFIX } from '../dialects/unified/routes.js';
import { toUnifiedError } from '../dialects/unified/errors.js';
import { nativeErrorHandler } from './errors.js';

/**
 * Requests fastify refuses before routing them (a broken percent-encoding in the path, a
 * path parameter longer than its limit) never reach a dialect's error handler. They are
 * answered here in the shape of the API the path belongs to: Paymax's bare
 * `{failure_code, failure_msg}` under /v1 and /merchant-api/v1 (the only dialect with ids
 * in its paths), the store's `{errcode, msg, timestamp}`, MaxPay's and unified's
 * HTTP 200 `{code, msg, err}` / `{errcode, errormsg, obj}` (their clients read only 200
 * answers) under their prefixes, the native error shape elsewhere.
 */
/** A refusal in the shape of the dialect that owns `path`, or null outside every dialect. */
export function dialectRefusal(
  path: string,
  error: Error & { statusCode?: number },
): { status: number; body: string | object } | null {
  if (PAYMAX_PREFIXES.some((prefix) => path.startsWith(`${prefix}/`))) {
    const mapped = toPaymaxError(error);
    return { status: mapped.status, body: JSON.stringify(mapped.toJSON()) };
  }
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (under(STORE_PREFIX)) return { status: 200, body: storeBrokenRequest(error.message) };
  if (under(MAXPAY_PREFIX)) return { status: 200, body: maxpayErrorBody('PARAM_INVALID', error.message) };
  if (under(UNIFIED_API_PREFIX)) return { status: 200, body: toUnifiedError(error).body };
  return null;
}

export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refused = Object.assign(error, { statusCode: 400 });
  const dialect = dialectRefusal(request.url, refused);
  if (!dialect) return nativeErrorHandler(refused, request, reply);
  if (typeof dialect.body === 'string') reply.type('application/json;charset=UTF-8');
  return reply.status(dialect.status).send(dialect.body);
}
