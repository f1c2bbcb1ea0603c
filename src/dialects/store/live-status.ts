import { syncChargeFromChannel, syncRefundFromChannel } from '../../core/payments/sync-from-channel.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { findPayTag, isOffline } from './channels.js';
import type { StoreContext } from './handler.js';
import type { StoreOrder } from '../../core/stores/store-order.js';

/**
 * Asks the channel where an unsettled order stands before paystatus answers. The document
 * sends clients to paystatus "to learn the payment status in real time" (4.4.1 notify_url,
 * 4.5), and a till polls it every few seconds while the payer confirms a barcode payment
 * (status 9), for which WeChat Pay sends no notification at all: the stored status alone
 * would lag by the polling worker's backoff (up to minutes). Returns whether it asked.
 *
 * The channel's answer is applied through core as one idempotent transition, exactly as
 * the polling worker applies it. A channel that cannot be asked, or fails to answer, is
 * not an error of the request: the stored status is answered.
 */
export async function refreshFromChannel(ctx: StoreContext, order: StoreOrder): Promise<boolean> {
  const tag = findPayTag(order.row.pmtTag, order.charge.livemode);
  if (tag && isOffline(tag)) return false;
  try {
    if (order.refund) {
      if (order.refund.status !== 'pending') return false;
      await syncRefundFromChannel(ctx.core, order.refund.id);
      return true;
    }
    if (order.row.ordType !== 1 || !isChargeUnpaid(order.charge.status)) return false;
    await syncChargeFromChannel(ctx.core, order.charge.id);
    return true;
  } catch (error) {
    ctx.core.log.warn(
      { err: error, charge: order.charge.id, refund: order.refund?.id },
      'store paystatus: the channel could not be asked, answering the stored status',
    );
    return false;
  }
}
