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

/**
 * Charges raised as duplicate payments before `before` whose automatic refund has not been
 * recorded (no `charge.duplicate_refunded` event), of apps that refund duplicates: what a
 * crash between the payment and its refund left behind. One whose duplicate refund the
 * upstream refused after `lastFailureBefore` waits. Oldest first.
 */
export async function unrefundedDuplicates(
  q: Queryable,
  o: { flaggedBefore: Date; lastFailureBefore: Date; limit: number },
): Promise<Charge[]> {
  return (
    await rows(
      q,
      sql
        .selectFrom('events as flagged')
        .innerJoin('charges as c', 'c.id', 'flagged.object_id')
        .innerJoin('apps as a', 'a.id', 'c.app_id')
        .selectAll('c')
        .where('flagged.type', '=', 'charge.duplicate_payment')
        .where('flagged.created_at', '<', o.flaggedBefore)
        .where('c.status', '=', 'succeeded')
        .where('a.auto_refund_duplicates', '=', true)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('events as done')
                .select('done.id')
                .whereRef('done.object_id', '=', 'c.id')
                .where('done.type', '=', 'charge.duplicate_refunded'),
            ),
          ),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('refunds as failed')
                .select('failed.id')
                .whereRef('failed.charge_id', '=', 'c.id')
                .where('failed.status', '=', 'failed')
                .where('failed.created_at', '>=', o.lastFailureBefore)
                .where((eb) =>
                  eb(
                    eb.fn('jsonb_extract_path_text', ['failed.metadata', eb.val('reason')]),
                    '=',
                    'duplicate_payment',
                  ),
                ),
            ),
          ),
        )
        .orderBy('flagged.created_at')
        .limit(o.limit),
    )
  ).map(toCharge);
}

/** The refund the gateway made of a duplicate payment (metadata reason), if it made one. */
export async function duplicateRefundOf(q: Queryable, chargeId: string): Promise<{ id: string } | undefined> {
  const [found] = await rows(
    q,
    sql
      .selectFrom('refunds')
      .select('id')
      .where('charge_id', '=', chargeId)
      .where((eb) =>
        eb(eb.fn('jsonb_extract_path_text', ['metadata', eb.val('reason')]), '=', 'duplicate_payment'),
      )
      .where('status', 'in', ['pending', 'succeeded'])
      .orderBy('created_at')
      .limit(1),
  );
  return found;
}

/** Whether `charge.duplicate_refunded` was recorded for the charge. */
export async function isDuplicateRefundRecorded(q: Queryable, chargeId: string): Promise<boolean> {
  const [found] = await rows(
    q,
    sql
      .selectFrom('events')
      .select('id')
      .where('object_id', '=', chargeId)
      .where('type', '=', 'charge.duplicate_refunded')
      .limit(1),
  );
  return found !== undefined;
}
