import { JuheError, isJuheError } from '../domain/errors.js';

/**
 * What kind of trouble a database error is, whichever engine or driver layer raised it:
 * - `unavailable`: the database cannot answer right now (restarted, shut down, refused the
 *   connection, the socket dropped, a connect or statement timeout). The request may be
 *   retried later; the transaction it was in is gone.
 * - `conflict`: a deadlock (40P01) or serialization failure (40001). PostgreSQL rolled the
 *   whole transaction back, so running the same database work again is safe.
 * - `null`: anything else (constraint violations, bugs): not ours to soften.
 */
export type DatabaseTrouble = 'unavailable' | 'conflict';

/** SQLSTATE classes and codes that mean "the server cannot serve this session now". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown or restart
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '57014', // query_canceled: our statement_timeout
  '55P03', // lock_not_available: our lock_timeout
  '25P03', // idle_in_transaction_session_timeout
  '53300', // too_many_connections
]);

/** Socket errors of the driver's connection. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres raises these without a code. Pinned by test/db/transient.test.ts, since a
 * driver upgrade could reword them.
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', // "... unexpectedly", "... due to connection timeout"
  'timeout exceeded when trying to connect', // pool connectionTimeoutMillis while all clients are busy
  'Query read timeout', // client-side query_timeout: the server stopped answering
  'is not queryable', // a client whose connection already failed
  'Cannot use a pool after calling end on the pool', // shutting down
];

export function classifyDatabaseError(error: unknown): DatabaseTrouble | null {
  if (!error || typeof error !== 'object' || isJuheError(error)) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '40P01' || code === '40001') return 'conflict';
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_SOCKET_CODES.has(code)) {
      return 'unavailable';
    }
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
    return 'unavailable';
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause && cause !== error ? classifyDatabaseError(cause) : null;
}

/**
 * The error a caller sees for a database that cannot answer (or a conflict that outlived
 * its retries): the catalog's retryable `database_unavailable` (HTTP 503), which every
 * dialect maps onto its own "system busy, try again" answer. The driver error stays as
 * `cause` for the log; the message reveals nothing about the database.
 */
export function databaseUnavailable(cause: unknown): JuheError {
  const error = new JuheError('database_unavailable', undefined, undefined, {
    reason: classifyDatabaseError(cause),
  });
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/**
 * A deadlock or serialization failure, raw from the driver or already wrapped by the
 * storage seam (which hands callers `database_unavailable` with the reason kept).
 */
export function isConflict(error: unknown): boolean {
  if (isJuheError(error))
    return error.code === 'database_unavailable' && error.details?.reason === 'conflict';
  return classifyDatabaseError(error) === 'conflict';
}

/** `error` as the caller should see it: transient database trouble becomes `database_unavailable`. */
export function asCallerError(error: unknown): unknown {
  return classifyDatabaseError(error) ? databaseUnavailable(error) : error;
}
