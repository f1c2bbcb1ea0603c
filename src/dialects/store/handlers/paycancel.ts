import { cancelCharge } from '../../../core/payments/cancel-charge.js';
import { StoreError, fromCore } from '../errors.js';
import type { StoreContext, StoreResult } from '../handler.js';
import { lookupOrder } from '../handler.js';
import { statusOf } from '../views.js';

/**
 * 4.6 paycancel: cancels an unpaid order. As the document's 8012/8013 say, an order that
 * is paid (1) or already ended (4) cannot be canceled, and only barcode payments (the
 * merchant scanned the payer's code) can: the channel is asked to reverse the payment in
 * progress first, and if the payer paid meanwhile the cancel fails (8013).
 */
export async function paycancel(ctx: StoreContext): Promise<StoreResult> {
  const order = await lookupOrder(ctx, { missing: 'ord_no_missing', notFound: 'order_not_found' });
  if (order.row.ordType === 2) throw new StoreError('cancel_failed', '退款订单不能取消');
  const status = statusOf(order);
  if (status === 1 || status === 4) throw new StoreError('not_cancelable', `订单状态为${status}`);
  if (order.charge.method !== 'barcode') {
    throw new StoreError('cancel_failed', '错误原因：订单的支付场景不支持该请求（仅支持条码支付）');
  }
  try {
    await cancelCharge(ctx.core, order.charge.id);
  } catch (error) {
    throw fromCore(error, 'paycancel') ?? error;
  }
  // The document's table names it ord_status, its example ord_stautus: both are sent.
  return {
    msg: '订单取消成功',
    msgEn: 'Order canceled',
    data: { ord_no: order.charge.orderSn, ord_status: '4', ord_stautus: '4' },
  };
}
