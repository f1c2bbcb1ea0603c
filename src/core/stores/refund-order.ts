import { linkEntryRefund, netTakings, refundRowByNumber, releaseEntry } from '../../db/store-orders.js';
import type { Core } from '../context.js';
import { refundNoOf } from './store-order.js';

/** Links a refund order's entry to the refund its reservation was made for. */
export async function linkStoreRefund(core: Core, storeId: string, outNo: string, refundId: string) {
  await linkEntryRefund(core.db, storeId, outNo, refundId);
}

/**
 * After a refund create failed: a refund it made anyway (created, then the channel call
 * failed) keeps its entry, linked; otherwise the reservation is given back.
 */
export async function settleFailedRefundOrder(
  core: Core,
  o: { storeId: string; outNo: string; chargeId: string },
): Promise<void> {
  const made = await refundRowByNumber(core.db, o.chargeId, refundNoOf(o.storeId, o.outNo));
  if (made) await linkEntryRefund(core.db, o.storeId, o.outNo, made.id);
  else await releaseEntry(core.db, o.storeId, o.outNo, o.chargeId);
}

/**
 * Net takings of an app on one provider in a day: payments made minus refunds asked
 * (pending or done), the base of the store document's 8040 rule (refunds are paid out of
 * the day's settlement).
 */
export async function dayNetTakings(
  core: Core,
  p: { appId: string; livemode: boolean; provider: string; dayStart: Date; dayEnd: Date },
): Promise<number> {
  return netTakings(core.db, p);
}
