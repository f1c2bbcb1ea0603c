import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** A printed aggregated QR code of a store (one per store, desk or terminal). */
export interface StoreQrCodeRow {
  id: string;
  storeId: string;
  label: string | null;
  createdAt: Date;
}

const toRow = (r: { id: string; store_id: string; label: string | null; created_at: Date }) => ({
  id: r.id,
  storeId: r.store_id,
  label: r.label,
  createdAt: r.created_at,
});

export async function insertStoreQrCode(q: Queryable, row: StoreQrCodeRow): Promise<void> {
  await rows(
    q,
    sql.insertInto('store_qr_codes').values({
      id: row.id,
      store_id: row.storeId,
      label: row.label,
      created_at: row.createdAt,
    }),
  );
}

export async function findStoreQrCode(q: Queryable, id: string): Promise<StoreQrCodeRow | undefined> {
  const found = await firstRow(q, sql.selectFrom('store_qr_codes').selectAll().where('id', '=', id));
  return found ? toRow(found) : undefined;
}

export async function listStoreQrCodes(q: Queryable, storeId: string): Promise<StoreQrCodeRow[]> {
  return (
    await rows(
      q,
      sql
        .selectFrom('store_qr_codes')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('created_at')
        .orderBy('id'),
    )
  ).map(toRow);
}
