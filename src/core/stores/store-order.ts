import { toCharge, toRefund } from '../../db/charges.js';
import type { Queryable } from '../../db/db.js';
import {
  type StoreOrderRow,
  chargeRowsByIds,
  linkEntryRefund,
  refundRowByNumber,
  refundRowsByIds,
} from '../../db/store-orders.js';
import type { Charge, Refund } from '../../domain/charge.js';

export type { StoreOrderRow } from '../../db/store-orders.js';

/** A store order with its core objects: the charge (for a refund, the charge refunded) and the refund. */
export interface StoreOrder {
  row: StoreOrderRow;
  charge: Charge;
  refund: Refund | null;
}

/**
 * The core refund number of a store refund order: refund numbers are unique per app,
 * refund_out_no per store, so the store's id scopes it ("sto_...:RF1").
 */
export const refundNoOf = (storeId: string, refundOutNo: string) => `${storeId}:${refundOutNo}`;

/**
 * Entries with their charge and refund. Only orders whose charge (payments) or refund
 * (refunds) exists: reservations still in flight are invisible.
 */
export async function withCoreObjects(q: Queryable, entries: StoreOrderRow[]): Promise<StoreOrder[]> {
  if (entries.length === 0) return [];
  const chargeIds = [...new Set(entries.map((r) => r.chargeId))];
  const refundIds = entries.map((r) => r.refundId).filter((id): id is string => id !== null);
  const charges = new Map((await chargeRowsByIds(q, chargeIds)).map((r) => [r.id, toCharge(r)]));
  const refunds = new Map(
    refundIds.length ? (await refundRowsByIds(q, refundIds)).map((r) => [r.id, toRefund(r)]) : [],
  );
  for (const row of entries) {
    if (row.ordType !== 2 || row.refundId !== null) continue;
    // A refund created but never linked (the process died in between): link it now.
    const made = await refundRowByNumber(q, row.chargeId, refundNoOf(row.storeId, row.outNo));
    if (made) {
      await linkEntryRefund(q, row.storeId, row.outNo, made.id);
      row.refundId = made.id;
      refunds.set(made.id, toRefund(made));
    }
  }
  const orders: StoreOrder[] = [];
  for (const row of entries) {
    const charge = charges.get(row.chargeId);
    const refund = row.refundId ? (refunds.get(row.refundId) ?? null) : null;
    if (!charge || (row.ordType === 2 && !refund)) continue;
    orders.push({ row, charge, refund });
  }
  return orders;
}
