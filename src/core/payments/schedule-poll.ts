import type { ChannelResult } from '../../channels/_kit/connector.js';
import type { Queryable } from '../../db/db.js';
import { clearPoll, schedulePollAt } from '../../db/polling.js';

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
    await clearPoll(q, table, id);
  } else if (result.status === 'unknown' || result.needsPolling) {
    // first question after 5 s * 2^attempts (attempts is 0 for a fresh charge)
    await schedulePollAt(q, table, id, now, 5);
  }
}
