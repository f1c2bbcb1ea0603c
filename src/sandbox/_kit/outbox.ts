import type { Queryable } from '../../db/db.js';

/** A simulator's table of notifications it owes (wxsim_callbacks, upsim_notices, ...). */
export type NoticeTable = 'wxsim_callbacks' | 'upsim_notices' | 'ppsim_webhooks' | 'lklsim_notices';

/**
 * The reorder fault's release: every held notification becomes due, newest first (each
 * due a millisecond before the next older one), so the merchant receives them reversed.
 */
export async function releaseHeldNewestFirst(q: Queryable, table: NoticeTable, now: Date): Promise<void> {
  const held = await q.query<{ id: string }>(
    `SELECT id FROM ${table} WHERE status = 'held' ORDER BY seq DESC`,
  );
  for (const [i, h] of held.entries()) {
    await q.query(`UPDATE ${table} SET status = 'pending', next_at = $2 WHERE id = $1`, [
      h.id,
      new Date(now.getTime() - held.length + i),
    ]);
  }
}
