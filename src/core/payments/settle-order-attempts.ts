import { autoRefundsDuplicates } from '../../db/apps.js';
import { insertAuditEntry } from '../../db/audit-log.js';
import { isFlaggedDuplicate, orderAttempts } from '../../db/order-attempts.js';
import type { Charge } from '../../domain/charge.js';
import { isChargeUnpaid } from '../../domain/status.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { createRefund } from '../refunds/create-refund.js';
import { serializeCharge, serializeRefund } from '../serialize.js';
import { endUnpaidCharge } from './cancel-charge.js';
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
  const others = attempts.filter((a) => a.id !== paid.id && a.status === 'succeeded').map((a) => a.id);
  const refund = await createRefund(core, {
    chargeId: paid.id,
    description: `Duplicate payment of order ${paid.orderNo}`,
    metadata: { reason: 'duplicate_payment', duplicate_of: others },
  });
  await core.db.tx(async (q) => {
    await appendEvent(q, core, {
      appId: paid.appId,
      livemode: paid.livemode,
      type: 'charge.duplicate_refunded',
      objectType: 'charge',
      objectId: paid.id,
      data: { ...serializeCharge(paid), duplicate_of: others, refund: serializeRefund(refund) },
    });
    // The gateway acted on its own, by the app's policy: the system is the actor.
    await insertAuditEntry(q, {
      id: core.ids.next('audit'),
      actorType: 'system',
      actorId: null,
      action: 'charge.duplicate_refund',
      targetType: 'charge',
      targetId: paid.id,
      data: { refund: refund.id, amount: refund.amount, duplicate_of: others, order_no: paid.orderNo },
      ip: null,
      createdAt: core.clock.now(),
    });
  });
}
