import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toPaymaxError } from '../dialects/paymax/errors.js';
import { PAYMAX_PREFIXES } from '../dialects/paymax/routes.js';
import { nativeErrorHandler } from './errors.js';

/**
 * Requests fastify refuses before routing them (a broken percent-encoding in the path, a
 * path parameter longer than its limit) never reach a dialect's error handler. They are
 * answered here in the shape of the API the path belongs to: Paymax's bare
 * `{failure_code, failure_msg}` under /v1 and /merchant-api/v1 (the only dialect with ids
 * in its paths), the
 * native error shape elsewhere. Either way a 400: the client's request is malformed.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refused = Object.assign(error, { statusCode: 400 });
  if (PAYMAX_PREFIXES.some((prefix) => request.url.startsWith(`${prefix}/`))) {
    const mapped = toPaymaxError(refused);
    return reply
      .status(mapped.status)
      .type('application/json;charset=UTF-8')
      .send(JSON.stringify(mapped.toJSON()));
  }
  return nativeErrorHandler(refused, request, reply);
}
