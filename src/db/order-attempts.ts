import type { Charge } from '../domain/charge.js';
import { toCharge } from './charges.js';
import type { Queryable } from './db.js';
import { rows, sql } from './sql.js';

/** Every attempt of a merchant order in its scope, newest first; `lock` takes their row locks (re-billing). */
export async function orderAttempts(
  q: Queryable,
  o: { appId: string; orderScope: string; orderNo: string },
  lock = false,
): Promise<Charge[]> {
  const query = sql
    .selectFrom('charges')
    .selectAll()
    .where('app_id', '=', o.appId)
    .where('order_scope', '=', o.orderScope)
    .where('order_no', '=', o.orderNo)
    .orderBy('attempt', 'desc');
  return (await rows(q, lock ? query.forUpdate() : query)).map(toCharge);
}

/** Whether the charge's own success was raised as a duplicate payment (in its transition's transaction). */
export async function isFlaggedDuplicate(q: Queryable, chargeId: string): Promise<boolean> {
  const found = await q.query(
    `SELECT 1 FROM events WHERE object_id = $1 AND type = 'charge.duplicate_payment' LIMIT 1`,
    [chargeId],
  );
  return found.length > 0;
}
