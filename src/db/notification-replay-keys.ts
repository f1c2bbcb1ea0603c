import type { Queryable } from './db.js';
import { rows, sql } from './sql.js';

/** One claim in this many also prunes expired keys (a bounded table without a timer). */
const PRUNE_EVERY = 100;
let claims = 0;

/**
 * Claims a notification's replay key (PayPal's transmission id, migration 0260's table) for
 * its window: true the first time, false for a replay, whichever node it reaches. The insert
 * wins once per key; an expired row may be taken over, since a delivery that old fails the
 * parser's freshness check before it gets here. Run inside the transition's transaction, a
 * claim whose transition does not commit is not kept: the provider's retry is not a replay.
 */
export async function claimReplayKey(
  q: Queryable,
  key: string,
  seenAt: Date,
  expiresAt: Date,
): Promise<boolean> {
  if (++claims % PRUNE_EVERY === 0) {
    await rows(q, sql.deleteFrom('paypal_webhook_transmissions').where('expires_at', '<', seenAt));
  }
  const claimed = await rows(
    q,
    sql
      .insertInto('paypal_webhook_transmissions')
      .values({ transmission_id: key, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('transmission_id')
          .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
          .where('paypal_webhook_transmissions.expires_at', '<', seenAt),
      )
      .returning('transmission_id'),
  );
  return claimed.length === 1;
}

/** Says whether a key is seen for the first time within its window. */
export type FirstSighting = (key: string, seenAt: Date) => Promise<boolean>;

/** claimReplayKey with a fixed window, outside any transaction (one node's view, for tests and tools). */
export function replayLedger(q: Queryable, rememberMs: number): FirstSighting {
  return (key, seenAt) => claimReplayKey(q, key, seenAt, new Date(seenAt.getTime() + rememberMs));
}
