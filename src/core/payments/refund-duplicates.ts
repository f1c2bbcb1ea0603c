import { insertAuditEntry } from '../../db/audit-log.js';
import { findCharge, findRefund } from '../../db/charges.js';
import {
  duplicateRefundOf,
  isDuplicateRefundRecorded,
  orderAttempts,
  unrefundedDuplicates,
} from '../../db/order-attempts.js';
import type { Charge } from '../../domain/charge.js';
import { isJuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { startPeriodic } from '../periodic.js';
import { createRefund } from '../refunds/create-refund.js';
import { serializeCharge, serializeRefund } from '../serialize.js';
import { orderScopeOf } from './create-charge.js';

/** How long the request that saw the duplicate has to refund it before the sweep does. */
const GRACE_MS = 60_000;
/** A duplicate refund the upstream refused is tried again this much later, not every pass. */
const RETRY_FAILED_MS = 10 * 60_000;
const BATCH = 50;

/**
 * Refunds a duplicate payment in full, once, and records it: the refund (metadata reason
 * `duplicate_payment`), a `charge.duplicate_refunded` event and an audit entry naming the
 * system as actor. Safe to run again after a crash at any point, and from two nodes at once:
 * an existing duplicate refund is reused rather than made twice (and a second full refund
 * would be refused as exceeding the refundable balance anyway); the event and audit entry
 * are written under the charge's lock only when not yet recorded.
 */
export async function refundDuplicatePayment(core: Core, paid: Charge): Promise<void> {
  const attempts = await orderAttempts(core.db, {
    appId: paid.appId,
    orderScope: orderScopeOf(paid),
    orderNo: paid.orderNo,
  });
  const others = attempts.filter((a) => a.id !== paid.id && a.status === 'succeeded').map((a) => a.id);
  const refund = await existingOrNewRefund(core, paid, others);
  // Not recorded: the sweep tries again (after RETRY_FAILED_MS) until the money is back.
  if (refund.status === 'failed') throw new Error(`duplicate refund ${refund.id} failed upstream`);
  await core.db.tx(async (q) => {
    await findCharge(q, paid.id, true);
    if (await isDuplicateRefundRecorded(q, paid.id)) return;
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

async function existingOrNewRefund(core: Core, paid: Charge, others: string[]) {
  const existing = await duplicateRefundOf(core.db, paid.id);
  if (existing) return (await findRefund(core.db, existing.id))!;
  try {
    return await createRefund(core, {
      chargeId: paid.id,
      description: `Duplicate payment of order ${paid.orderNo}`,
      metadata: { reason: 'duplicate_payment', duplicate_of: others },
    });
  } catch (error) {
    // Another node made it between our look and our refund: record that one.
    const made = isJuheError(error) ? await duplicateRefundOf(core.db, paid.id) : undefined;
    if (!made) throw error;
    return (await findRefund(core.db, made.id))!;
  }
}

/**
 * The sweep: duplicate payments flagged more than a minute ago whose refund was never
 * recorded (the process crashed, or the upstream refused, between the payment and its
 * refund) are refunded now. Returns how many it settled.
 */
export async function refundUnrefundedDuplicates(core: Core): Promise<number> {
  const now = core.clock.now().getTime();
  const due = await unrefundedDuplicates(core.db, {
    flaggedBefore: new Date(now - GRACE_MS),
    lastFailureBefore: new Date(now - RETRY_FAILED_MS),
    limit: BATCH,
  });
  let settled = 0;
  for (const charge of due) {
    try {
      await refundDuplicatePayment(core, charge);
      settled++;
    } catch (error) {
      core.log.warn({ err: error, charge: charge.id }, 'duplicate payment not refunded yet');
    }
  }
  return settled;
}

export function startDuplicateRefundWorker(core: Core, intervalMs = 30_000): () => Promise<void> {
  return startPeriodic(core, 'duplicate refund worker', intervalMs, () => refundUnrefundedDuplicates(core));
}
