import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { asCallerError } from '../db/transient.js';
import { JuheError } from '../domain/errors.js';

/**
 * Native error shape: `{"error": {"code", "message", "param"}}`. Schema failures become
 * 400 `invalid_parameter` naming the offending field; a database that cannot answer is a
 * retryable 503 `database_unavailable`; anything unexpected is a logged 500 that reveals
 * nothing. Dialects install their own handlers in their own scope.
 */
export function toNativeError(error: unknown): JuheError {
  // A driver error that did not pass through the storage seam is still classified.
  const classified = asCallerError(error);
  if (classified instanceof JuheError) return classified;
  const e = error as FastifyError;
  if (e.validation) {
    const first = e.validation[0];
    const param =
      (first?.params as { missingProperty?: string })?.missingProperty ??
      first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') ??
      undefined;
    const missing = first?.keyword === 'required';
    const unknown = (first?.params as { additionalProperty?: string })?.additionalProperty;
    if (first?.keyword === 'additionalProperties' && unknown !== undefined) {
      return new JuheError(
        'invalid_parameter',
        `${e.validationContext ?? 'request'} has no parameter ${unknown}`,
        unknown,
      );
    }
    return new JuheError(
      missing ? 'missing_parameter' : 'invalid_parameter',
      `${e.validationContext ?? 'request'}${param ? '.' + param : ''} ${first?.message ?? 'is invalid'}`,
      param || undefined,
    );
  }
  if (e.statusCode === 415) return new JuheError('unsupported_media_type', e.message);
  if (e.statusCode === 413) return new JuheError('payload_too_large', e.message);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new JuheError('invalid_request', e.message);
  }
  return new JuheError('internal_error');
}

export function nativeErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toNativeError(error);
  if (mapped.code === 'database_unavailable') {
    // Expected while the database restarts: no stack trace per request, the cause is enough.
    request.log.warn(
      { cause: String((error as { cause?: unknown }).cause ?? error) },
      'database unavailable',
    );
  } else if (mapped.status >= 500) request.log.error({ err: error }, 'unhandled error');
  return reply.status(mapped.status).send(mapped.toJSON());
}
