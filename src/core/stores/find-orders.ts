import {
  type EntryFilters,
  countEntries,
  entryByOrdNo,
  entryByOutNo,
  listEntries,
} from '../../db/store-orders.js';
import type { Core } from '../context.js';
import { type StoreOrder, withCoreObjects } from './store-order.js';

export type StoreOrderFilters = EntryFilters;

/** A store's order by its system number (ord_no) or its merchant number (out_no). */
export async function findStoreOrder(
  core: Core,
  storeId: string,
  by: { ordNo: string } | { outNo: string },
): Promise<StoreOrder | undefined> {
  const entries =
    'ordNo' in by
      ? await entryByOrdNo(core.db, storeId, by.ordNo)
      : await entryByOutNo(core.db, storeId, by.outNo);
  return (await withCoreObjects(core.db, entries))[0];
}

/** A page of a store's orders, newest first, and how many match in all. */
export async function listStoreOrders(
  core: Core,
  storeId: string,
  filters: StoreOrderFilters,
  page: { limit: number; offset: number },
): Promise<{ total: number; orders: StoreOrder[] }> {
  const total = await countEntries(core.db, storeId, filters);
  const entries = await listEntries(core.db, storeId, filters, page.limit, page.offset);
  return { total, orders: await withCoreObjects(core.db, entries) };
}
