import type { Queryable } from '../../db/db.js';
import { MAX_TRANSMISSION_SKEW_MS } from './webhook.js';

/** Says whether a transmission id is seen for the first time within its window. */
export type FirstSighting = (transmissionId: string, now: Date) => Promise<boolean>;

/**
 * How long a transmission id is remembered: a transmission time up to the skew ahead of
 * our clock stays acceptable until the skew behind it, so twice the skew covers it.
 */
export const REMEMBER_MS = 2 * MAX_TRANSMISSION_SKEW_MS;

/** One delivery in this many also prunes expired ids (a bounded table without a timer). */
const PRUNE_EVERY = 100;

/**
 * Transmission ids kept in the database (migration 0260), so a replay is refused by
 * whichever node it reaches. The insert wins once per id; an expired row may be taken
 * over, since a delivery that old fails the freshness check before it gets here.
 */
export function transmissionLedger(db: Queryable): FirstSighting {
  let deliveries = 0;
  return async (transmissionId, now) => {
    if (++deliveries % PRUNE_EVERY === 0) {
      await db.query('DELETE FROM paypal_webhook_transmissions WHERE expires_at < $1', [now]);
    }
    const rows = await db.query(
      `INSERT INTO paypal_webhook_transmissions (transmission_id, expires_at) VALUES ($1, $2)
       ON CONFLICT (transmission_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE paypal_webhook_transmissions.expires_at < $3
       RETURNING 1`,
      [transmissionId, new Date(now.getTime() + REMEMBER_MS), now],
    );
    return rows.length === 1;
  };
}
