import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Stores (shops of the `store` dialect) with their cashiers and terminals. */
export async function insertStore(
  q: Queryable,
  s: {
    id: string;
    appId: string;
    name: string;
    livemode: boolean;
    openId: string;
    openKeyEnc: string;
    shopPassHash: string;
    createdAt: Date;
  },
): Promise<void> {
  await rows(
    q,
    sql.insertInto('stores').values({
      id: s.id,
      app_id: s.appId,
      name: s.name,
      livemode: s.livemode,
      open_id: s.openId,
      open_key_enc: s.openKeyEnc,
      shop_pass_hash: s.shopPassHash,
      created_at: s.createdAt,
    }),
  );
}

/** The store and its app's merchant (the `store` dialect numbers orders merchant-wide too). */
export function findStoreByOpenId(q: Queryable, openId: string) {
  return firstRow(
    q,
    sql
      .selectFrom('stores as s')
      .innerJoin('apps as a', 'a.id', 's.app_id')
      .selectAll('s')
      .select('a.merchant_id')
      .where('s.open_id', '=', openId),
  );
}

export function findStore(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('stores').selectAll().where('id', '=', id));
}

export function listStores(q: Queryable, appId?: string) {
  let query = sql.selectFrom('stores').selectAll();
  if (appId !== undefined) query = query.where('app_id', '=', appId);
  return rows(q, query.orderBy('created_at'));
}

export async function findShopPassHash(q: Queryable, storeId: string): Promise<string | undefined> {
  return (await firstRow(q, sql.selectFrom('stores').select('shop_pass_hash').where('id', '=', storeId)))
    ?.shop_pass_hash;
}

export function listCashiers(q: Queryable, storeId: string) {
  return rows(
    q,
    sql
      .selectFrom('cashiers')
      .select(['id', 'name', 'created_at', 'disabled_at'])
      .where('store_id', '=', storeId)
      .orderBy('created_at'),
  );
}

export function listTerminals(q: Queryable, storeId: string) {
  return rows(
    q,
    sql
      .selectFrom('terminals')
      .select(['id', 'serial', 'created_at', 'disabled_at'])
      .where('store_id', '=', storeId)
      .orderBy('created_at'),
  );
}

export async function insertCashier(
  q: Queryable,
  c: { id: string; storeId: string; name: string; createdAt: Date },
): Promise<void> {
  await rows(
    q,
    sql
      .insertInto('cashiers')
      .values({ id: c.id, store_id: c.storeId, name: c.name, created_at: c.createdAt }),
  );
}

export async function insertTerminal(
  q: Queryable,
  t: { id: string; storeId: string; serial: string; createdAt: Date },
): Promise<void> {
  await rows(
    q,
    sql
      .insertInto('terminals')
      .values({ id: t.id, store_id: t.storeId, serial: t.serial, created_at: t.createdAt }),
  );
}

/** Disables (a date) or re-enables (null) a store's cashier or terminal; false when the store has no such one. */
export async function setStoreMemberDisabled(
  q: Queryable,
  table: 'cashiers' | 'terminals',
  storeId: string,
  id: string,
  disabledAt: Date | null,
): Promise<boolean> {
  const changed = await rows(
    q,
    sql
      .updateTable(table)
      .set({ disabled_at: disabledAt })
      .where('id', '=', id)
      .where('store_id', '=', storeId)
      .returning('id'),
  );
  return changed.length > 0;
}

export async function renameStore(q: Queryable, id: string, name: string): Promise<boolean> {
  const changed = await rows(q, sql.updateTable('stores').set({ name }).where('id', '=', id).returning('id'));
  return changed.length > 0;
}
