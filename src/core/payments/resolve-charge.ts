import { toCharge } from '../../db/charges.js';
import type { Queryable } from '../../db/db.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';

/**
 * Finds a charge by any name a merchant may know it by: our id (ch_...), the system order
 * number a dialect returned (order_sn), or the merchant's own order number (billNum,
 * order_no, out_no, requestKey). A merchant order number must name exactly one charge
 * (its newest attempt), else `ambiguous_reference`.
 */
export async function resolveChargeReference(
  q: Queryable,
  reference: string,
  scope: { livemode?: boolean; appId?: string } = {},
): Promise<Charge> {
  const args: unknown[] = [reference];
  let filter = '';
  if (scope.livemode !== undefined) {
    args.push(scope.livemode);
    filter += ` AND livemode = $${args.length}`;
  }
  if (scope.appId) {
    args.push(scope.appId);
    filter += ` AND app_id = $${args.length}`;
  }
  const direct = await q.query(`SELECT * FROM charges WHERE (id = $1 OR order_sn = $1)${filter}`, args);
  if (direct[0]) return toCharge(direct[0]);
  const byOrder = (
    await q.query(
      `SELECT DISTINCT ON (app_id, order_scope) * FROM charges WHERE order_no = $1${filter}
       ORDER BY app_id, order_scope, attempt DESC`,
      args,
    )
  ).map(toCharge);
  if (byOrder.length === 1) return byOrder[0]!;
  if (byOrder.length > 1) {
    throw new JuheError(
      'ambiguous_reference',
      `Order number ${reference} names ${byOrder.length} charges`,
      'id',
    );
  }
  throw new JuheError('charge_not_found', `No charge ${reference}`, 'id');
}
