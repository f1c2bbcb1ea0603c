import { isJuheError } from '../domain/errors.js';
import { databaseUnavailable, isConflict } from './transient.js';

export interface ConflictRetryOptions {
  /** Total tries, the first included. */
  attempts?: number;
  /** The n-th retry waits a random time in [0, baseDelayMs * 2^n): full jitter. */
  baseDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one transaction again when PostgreSQL aborted it for a deadlock (40P01) or a
 * serialization failure (40001). Those abort the whole transaction, so its database work
 * can simply be redone; with jitter, the two sides of a deadlock do not collide again.
 *
 * Wrap only a `db.tx(...)` whose body is database work: never a body that calls a
 * channel, sends a notification or changes anything outside the transaction, since that
 * would happen twice. A conflict that outlives the retries becomes `database_unavailable`
 * (retryable 503), never a raw driver error (a 500 that a client may "fix" by refunding again).
 */
export async function retryOnConflict<T>(
  transaction: () => Promise<T>,
  { attempts = 4, baseDelayMs = 20, sleep = sleepFor, random = Math.random }: ConflictRetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt >= attempts) throw isJuheError(error) ? error : databaseUnavailable(error);
      await sleep(Math.floor(random() * baseDelayMs * 2 ** attempt));
    }
  }
}

/**
 * Runs idempotent database work again while the database is unavailable, for at most about
 * `patienceMs` in all: for an answer that must not be lost to a restart lasting a moment,
 * such as a channel's answer to a refund it has already made (applying it twice changes
 * nothing the second time). A database that stays away (or frozen: one attempt already
 * takes the timeouts) gets no further try; the last failure is thrown as it was.
 */
export async function retryWhileUnavailable<T>(
  work: () => Promise<T>,
  {
    patienceMs = 2_000,
    sleep = sleepFor,
    now = Date.now,
  }: { patienceMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
): Promise<T> {
  const deadline = now() + patienceMs;
  for (let wait = patienceMs / 8; ; wait *= 2) {
    try {
      return await work();
    } catch (error) {
      const unavailable = isJuheError(error) && error.code === 'database_unavailable' && !isConflict(error);
      if (!unavailable || now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}
