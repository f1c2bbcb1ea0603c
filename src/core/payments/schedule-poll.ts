import type { ChannelResult } from '../../channels/_kit/connector.js';
import type { Queryable } from '../../db/db.js';

/**
 * Backoff between questions: 5 s * 2^attempts, capped at 2^7 (about 10 minutes): quick for
 * a payer at the till, gentle on an upstream outage.
 *
 * Marks an object for polling when the channel's answer was not final: pending with
 * `needsPolling`, or `unknown` (timeout, unverifiable). Cleared once it settles.
 */
export async function schedulePoll(
  q: Queryable,
  table: 'charges' | 'refunds',
  id: string,
  result: ChannelResult,
  settled: boolean,
  now: Date,
): Promise<void> {
  if (settled) {
    await q.query(`UPDATE ${table} SET next_poll_at = NULL WHERE id = $1 AND next_poll_at IS NOT NULL`, [id]);
  } else if (result.status === 'unknown' || result.needsPolling) {
    await q.query(
      `UPDATE ${table} SET next_poll_at = $2::timestamptz + make_interval(secs => $3::float8 * power(2, LEAST(poll_attempts, 7)))
       WHERE id = $1 AND next_poll_at IS NULL`,
      [id, now, 5],
      // first question after 5 s * 2^attempts (attempts is 0 for a fresh charge)
    );
  }
}
