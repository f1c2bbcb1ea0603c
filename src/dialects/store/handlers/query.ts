import type { StoreContext, StoreResult } from '../handler.js';
import { lookupOrder } from '../handler.js';
import { orderView } from '../views.js';

/**
 * 4.5 paystatus and 4.3 order/view: one order (a payment or a refund order) of this
 * store by ord_no or out_no, as stored. Unpaid charges are settled by the channel
 * notifications and the polling worker; this endpoint reads, it never calls a channel.
 */
export async function paystatus(ctx: StoreContext): Promise<StoreResult> {
  const order = await lookupOrder(ctx, { missing: 'ord_no_missing', notFound: 'order_not_found' });
  return { data: orderView(order, ctx.store) };
}

export const orderDetail = paystatus;
