import type { Charge } from '../domain/charge.js';
import { toCharge } from './charges.js';
import type { Queryable } from './db.js';
import { firstRow, sql } from './sql.js';

/**
 * The charge whose system order number (order_sn, what most upstreams know a charge by) is
 * `orderSn`. An empty one names none.
 */
export async function findChargeByOrderSn(q: Queryable, orderSn: string): Promise<Charge | undefined> {
  if (!orderSn) return undefined;
  const row = await firstRow(q, sql.selectFrom('charges').selectAll().where('order_sn', '=', orderSn));
  return row ? toCharge(row) : undefined;
}
