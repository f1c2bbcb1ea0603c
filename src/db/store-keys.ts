import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** A store's open_key as stored (sealed with the master key), or undefined for no such store. */
export async function sealedOpenKey(q: Queryable, storeId: string): Promise<string | undefined> {
  const row = await firstRow(q, sql.selectFrom('stores').select('open_key_enc').where('id', '=', storeId));
  return row?.open_key_enc;
}

/** The store's row, locked for the rest of `q`'s transaction (two rotations never interleave). */
export function lockStoreKeys(q: Queryable, storeId: string) {
  return firstRow(
    q,
    sql
      .selectFrom('stores')
      .select(['id', 'app_id', 'open_id', 'open_key_enc'])
      .where('id', '=', storeId)
      .forUpdate(),
  );
}

/** Puts a new open_key in place; the replaced one (if any) verifies until `previousExpiresAt`. */
export async function replaceOpenKey(
  q: Queryable,
  storeId: string,
  keys: { openKeyEnc: string; previousOpenKeyEnc: string | null; previousExpiresAt: Date | null },
): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('stores')
      .set({
        open_key_enc: keys.openKeyEnc,
        previous_open_key_enc: keys.previousOpenKeyEnc,
        previous_open_key_expires_at: keys.previousExpiresAt,
      })
      .where('id', '=', storeId),
  );
}

export async function updateShopPassHash(q: Queryable, storeId: string, hash: string): Promise<boolean> {
  const changed = await rows(
    q,
    sql.updateTable('stores').set({ shop_pass_hash: hash }).where('id', '=', storeId).returning('id'),
  );
  return changed.length > 0;
}
