import { autoRefundsDuplicates } from '../../db/apps.js';
import { isFlaggedDuplicate, orderAttempts } from '../../db/order-attempts.js';
import type { Charge } from '../../domain/charge.js';
import { isChargeUnpaid } from '../../domain/status.js';
import type { Core } from '../context.js';
import { endUnpaidCharge } from './cancel-charge.js';
import { refundDuplicatePayment } from './refund-duplicates.js';
import { orderScopeOf } from './create-charge.js';

/**
 * After an attempt of a merchant order is paid (maxpay re-bills one billNum as several
 * attempts; the payer may still hold an older QR):
 * 1. Every sibling attempt still unpaid is closed upstream, so it cannot be paid too. A
 *    close that finds the sibling already paid applies that payment instead (which brings
 *    this function back for the sibling, now the duplicate); one the channel does not
 *    confirm stays open for the expiry worker to close.
 * 2. If this attempt is itself the duplicate (raised `charge.duplicate_payment` when it
 *    succeeded after a sibling had), it is refunded in full when the app's
 *    `auto_refund_duplicates` is on (the default), with a `charge.duplicate_refunded`
 *    event (notified like every event) and an audit entry naming the system as actor.
 *    A crash before that is recorded is repaired by the duplicate-refund sweep
 *    (refund-duplicates.ts), which makes the same refund once.
 * Runs after the payment's transaction committed: it talks to upstreams.
 */
export async function settleOrderAttempts(core: Core, paid: Charge): Promise<void> {
  const attempts = await orderAttempts(core.db, {
    appId: paid.appId,
    orderScope: orderScopeOf(paid),
    orderNo: paid.orderNo,
  });
  for (const sibling of attempts) {
    if (sibling.id === paid.id || !isChargeUnpaid(sibling.status)) continue;
    try {
      await endUnpaidCharge(core, sibling.id, 'closed');
    } catch (error) {
      core.log.warn({ err: error, charge: sibling.id, paid: paid.id }, 'sibling attempt not closed yet');
    }
  }
  if (!(await isFlaggedDuplicate(core.db, paid.id))) return;
  if (!(await autoRefundsDuplicates(core.db, paid.appId))) return;
  await refundDuplicatePayment(core, paid);
}
