import type { StoreContext, StoreResult } from '../handler.js';
import { lookupOrder } from '../handler.js';
import { refreshFromChannel } from '../live-status.js';
import { orderView } from '../views.js';

const ERRORS = { missing: 'ord_no_missing', notFound: 'order_not_found' } as const;

/**
 * 4.5 paystatus: one order (a payment or a refund order) of this store by ord_no or
 * out_no, its status asked of the channel first while it is unsettled (live-status.ts:
 * the document's "real time" status, e.g. a barcode payment the payer just confirmed).
 */
export async function paystatus(ctx: StoreContext): Promise<StoreResult> {
  const order = await lookupOrder(ctx, ERRORS);
  const asked = await refreshFromChannel(ctx, order);
  return { data: orderView(asked ? await lookupOrder(ctx, ERRORS) : order, ctx.store) };
}

/**
 * 4.3 order/view: the order's details as stored. Unpaid charges are settled by the
 * channel notifications, the polling worker and paystatus; this endpoint only reads.
 */
export async function orderDetail(ctx: StoreContext): Promise<StoreResult> {
  return { data: orderView(await lookupOrder(ctx, ERRORS), ctx.store) };
}
