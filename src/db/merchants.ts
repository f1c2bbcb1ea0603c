import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

export function listMerchants(q: Queryable) {
  return rows(q, sql.selectFrom('merchants').select(['id', 'name', 'created_at']).orderBy('created_at'));
}

export async function merchantExists(q: Queryable, id: string): Promise<boolean> {
  return (await firstRow(q, sql.selectFrom('merchants').select('id').where('id', '=', id))) !== undefined;
}

export async function insertMerchant(q: Queryable, m: { id: string; name: string; createdAt: Date }) {
  await rows(q, sql.insertInto('merchants').values({ id: m.id, name: m.name, created_at: m.createdAt }));
}
