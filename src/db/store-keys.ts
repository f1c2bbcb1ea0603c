import type { Queryable } from './db.js';
import { firstRow, sql } from './sql.js';

/** A store's open_key as stored (sealed with the master key), or undefined for no such store. */
export async function sealedOpenKey(q: Queryable, storeId: string): Promise<string | undefined> {
  const row = await firstRow(q, sql.selectFrom('stores').select('open_key_enc').where('id', '=', storeId));
  return row?.open_key_enc;
}
