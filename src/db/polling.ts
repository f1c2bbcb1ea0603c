import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';

/** Charges and refunds whose channel answer was not final are asked again (core/payments/poll.ts). */
export type PolledTable = 'charges' | 'refunds';

/**
 * Statuses still unsettled, as literals: the statement's text then matches the row's
 * status the same way whatever the parameters, and stays one prepared statement per table.
 */
const UNSETTLED: Record<PolledTable, readonly string[]> = {
  charges: ['pending', 'user_paying'],
  refunds: ['pending'],
};

/**
 * Claims up to `batch` due rows by moving next_poll_at forward (5 s * 2^attempts, capped at
 * 2^7) under SKIP LOCKED, so several nodes share the work without asking twice.
 */
export function claimDuePolls(q: Queryable, table: PolledTable, now: Date, batch: number) {
  const at = raw`${now}::timestamptz`;
  const unsettled = raw.join(UNSETTLED[table].map((s) => raw.lit(s)));
  return rawRows<{ id: string; poll_attempts: number }>(
    q,
    raw`UPDATE ${raw.table(table)} SET poll_attempts = poll_attempts + 1,
       next_poll_at = ${at} + make_interval(secs => 5 * power(2, LEAST(poll_attempts + 1, 7)))
     WHERE id IN (SELECT id FROM ${raw.table(table)} WHERE next_poll_at <= ${at} AND status IN (${unsettled})
                  ORDER BY next_poll_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)
     RETURNING id, poll_attempts`,
  );
}

/** Settled: no more questions. */
export async function clearPoll(q: Queryable, table: PolledTable, id: string): Promise<void> {
  await rawRows(
    q,
    raw`UPDATE ${raw.table(table)} SET next_poll_at = NULL WHERE id = ${id} AND next_poll_at IS NOT NULL`,
  );
}

/** First question after `baseSeconds` * 2^attempts (attempts is 0 for a fresh object), unless one is due already. */
export async function schedulePollAt(
  q: Queryable,
  table: PolledTable,
  id: string,
  now: Date,
  baseSeconds: number,
): Promise<void> {
  await rawRows(
    q,
    raw`UPDATE ${raw.table(table)}
       SET next_poll_at = ${now}::timestamptz + make_interval(secs => ${baseSeconds}::float8 * power(2, LEAST(poll_attempts, 7)))
       WHERE id = ${id} AND next_poll_at IS NULL`,
  );
}
