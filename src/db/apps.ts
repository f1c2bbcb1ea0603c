import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Apps: a merchant's business lines, each with its own credentials and channel configs. */
export async function insertApp(
  q: Queryable,
  a: { id: string; merchantId: string; name: string; createdAt: Date },
): Promise<void> {
  await rows(
    q,
    sql
      .insertInto('apps')
      .values({ id: a.id, merchant_id: a.merchantId, name: a.name, created_at: a.createdAt }),
  );
}

export function listApps(q: Queryable, merchantId?: string) {
  let query = sql.selectFrom('apps').selectAll();
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  return rows(q, query.orderBy('created_at'));
}

export function findApp(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('apps').selectAll().where('id', '=', id));
}

/** Locks the app's row for the transaction (rotations of one app run one at a time). */
export async function lockApp(q: Queryable, id: string): Promise<boolean> {
  return (
    (await firstRow(q, sql.selectFrom('apps').select('id').where('id', '=', id).forUpdate())) !== undefined
  );
}

/** The app's duplicate-payment policy (0420_auto_refund_duplicates.sql); undefined for no such app. */
export async function autoRefundsDuplicates(q: Queryable, id: string): Promise<boolean | undefined> {
  const row = await firstRow(q, sql.selectFrom('apps').select('auto_refund_duplicates').where('id', '=', id));
  return row?.auto_refund_duplicates;
}

export async function setAutoRefundDuplicates(q: Queryable, id: string, on: boolean): Promise<boolean> {
  const changed = await rows(
    q,
    sql.updateTable('apps').set({ auto_refund_duplicates: on }).where('id', '=', id).returning('id'),
  );
  return changed.length > 0;
}
