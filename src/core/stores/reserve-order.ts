import { isUniqueViolation } from '../../db/db.js';
import {
  type StoreOrderDetails,
  type StoreOrderRow,
  deleteEntry,
  ensureSerialSequences,
  insertReservation,
  isOrdNoTaken,
  isOrphanPaymentEntry,
  lockEntry,
  nextSerials,
  releaseEntry,
} from '../../db/store-orders.js';
import type { StoreWithKey } from '../apps/stores.js';
import type { Core } from '../context.js';
import { refundNoOf } from './store-order.js';

export interface OrderReservation extends Partial<StoreOrderDetails> {
  outNo: string;
  ordType: 1 | 2;
  chargeId: string;
  pmtTag: string;
}

/** A reservation this old without its charge or refund is a crash remnant, not a request in flight. */
const ORPHAN_AFTER_MS = 60_000;

/** Raised when out_no is taken in the store (by a payment or a refund). */
export class OutNoTaken extends Error {
  constructor(readonly outNo: string) {
    super(`out_no ${outNo} is taken in the store`);
  }
}

/**
 * Reserves `outNo` in the store and numbers the order, in one transaction, before its
 * refund (or, for a crash remnant's payment, its charge) is created: a taken out_no throws
 * OutNoTaken and consumes no serial. Serials are taken merchant first, then store, always
 * in that order, so concurrent reservations cannot deadlock.
 */
export async function reserveStoreOrder(
  core: Core,
  store: StoreWithKey,
  r: OrderReservation,
): Promise<StoreOrderRow> {
  // Outside the transaction: a failed statement would end it.
  await ensureSerialSequences(core.db, store.merchantId, store.id);
  try {
    return await core.db.tx(async (q) => {
      const taken = await lockEntry(q, store.id, r.outNo, refundNoOf(store.id, r.outNo));
      const now = core.clock.now();
      if (taken) {
        // A reservation whose charge or refund never came to be (the process died between
        // the two steps) holds the out_no for no order: reclaim it once it is clearly not in flight.
        const stale = now.getTime() - taken.createdAt.getTime() > ORPHAN_AFTER_MS;
        if (!(taken.orphan && stale)) throw new OutNoTaken(r.outNo);
        await deleteEntry(q, store.id, r.outNo);
      }
      const [ordMctId, ordShopId] = await nextSerials(q, store.merchantId, store.id);
      let ordNo: string | null = null;
      // A refund order's system number: same shape as a charge's, and never one a charge has.
      while (r.ordType === 2 && ordNo === null) {
        const candidate = core.ids.orderSn(now);
        if (!(await isOrdNoTaken(q, candidate))) ordNo = candidate;
      }
      return insertReservation(q, {
        storeId: store.id,
        outNo: r.outNo,
        ordType: r.ordType,
        chargeId: r.chargeId,
        ordNo,
        ordMctId,
        ordShopId,
        pmtTag: r.pmtTag,
        diyPmtName: r.diyPmtName ?? null,
        ordName: r.ordName ?? null,
        remark: r.remark ?? null,
        tag: r.tag ?? null,
        tradeAccount: r.tradeAccount ?? null,
        tradeNo: r.tradeNo ?? null,
        scrId: r.scrId ?? null,
        scrTrueName: r.scrTrueName ?? null,
        tmlNo: r.tmlNo ?? null,
        createdAt: now,
      });
    });
  } catch (error) {
    // Two requests racing for one out_no: the loser's insert hits the primary key.
    if (isUniqueViolation(error, 'store_orders_pkey')) throw new OutNoTaken(r.outNo);
    throw error;
  }
}

/** Gives a reservation back; only the one this request made (its charge id), never a successor's. */
export async function releaseStoreOrder(core: Core, storeId: string, outNo: string, chargeId: string) {
  await releaseEntry(core.db, storeId, outNo, chargeId);
}

/** Whether out_no is held by a payment entry whose charge never came to be (a crash remnant). */
export async function isOrphanReservation(core: Core, storeId: string, outNo: string): Promise<boolean> {
  return isOrphanPaymentEntry(core.db, storeId, outNo);
}
