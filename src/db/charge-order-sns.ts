import type { Queryable } from './db.js';
import { rows, sql } from './sql.js';

/** The order_sn of each charge id given (ids with no charge are left out). */
export async function orderSnsOfCharges(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const found = await rows(
    q,
    sql
      .selectFrom('charges')
      .select(['id', 'order_sn'])
      .where('id', 'in', [...ids]),
  );
  return new Map(found.map((r) => [r.id, r.order_sn]));
}
