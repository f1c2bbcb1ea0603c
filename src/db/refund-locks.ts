import type { Charge, Refund } from '../domain/charge.js';
import { toCharge, toRefund } from './charges.js';
import type { Queryable } from './db.js';
import { firstRow, sql } from './sql.js';

/**
 * Locks a refund and its charge in the one order every transaction touching both uses:
 * the charge first, then the refund. Creating a refund locks the charge (to compute the
 * refundable balance) before it writes the refund; applying an upstream notification
 * locks the charge before its refunds. A path that locked the refund first could wait for
 * the charge while its twin waits for the refund: a deadlock PostgreSQL breaks by failing
 * one of them (seen as an HTTP 500 on a refund that had in fact succeeded).
 *
 * The refund's charge is read without a lock first: a refund never changes charge.
 */
export async function lockRefundWithCharge(
  q: Queryable,
  refundId: string,
): Promise<{ charge: Charge; refund: Refund } | undefined> {
  const charge = await firstRow(
    q,
    sql
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', (eb) => eb.selectFrom('refunds').select('charge_id').where('id', '=', refundId))
      .forUpdate(),
  );
  if (!charge) return undefined;
  const refund = await firstRow(
    q,
    sql.selectFrom('refunds').selectAll().where('id', '=', refundId).forUpdate(),
  );
  if (!refund) return undefined;
  return { charge: toCharge(charge), refund: toRefund(refund) };
}
