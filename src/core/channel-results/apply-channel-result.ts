import type { PayResult, RefundResult } from '../../channels/_kit/connector.js';
import { findCharge } from '../../db/charges.js';
import { retryOnConflict } from '../../db/conflict-retry.js';
import { lockRefundWithCharge } from '../../db/refund-locks.js';
import type { Queryable } from '../../db/db.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { EventType } from '../../domain/events.js';
import {
  type ChargeStatus,
  type RefundStatus,
  canTransitionCharge,
  canTransitionRefund,
  isChargeUnpaid,
} from '../../domain/status.js';
import { schedulePoll } from '../payments/schedule-poll.js';
import { settleOrderAttempts } from '../payments/settle-order-attempts.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { serializeCharge, serializeRefund } from '../serialize.js';

export interface Applied<T> {
  charge: Charge;
  /** The refund, for refund results. */
  refund?: T;
  /** Whether this call changed the status. A duplicate or late result applies nothing. */
  applied: boolean;
}

function targetChargeStatus(result: PayResult): ChargeStatus | null {
  if (result.status === 'succeeded') return 'succeeded';
  if (result.status === 'failed') return 'failed';
  if (result.status === 'pending' && result.payerActing) return 'user_paying';
  return null;
}

/**
 * Applies what a channel said about a charge (create answer, upstream notify, query,
 * test helper) as one conditional transition in one transaction: the row is locked, the
 * transition table decides, and the event + outbox row are written with the change.
 * Running it twice with the same result changes nothing the second time.
 */
export async function applyChargeResult(
  core: Core,
  chargeId: string,
  result: PayResult,
  q?: Queryable,
): Promise<Applied<never>> {
  const run = async (tx: Queryable): Promise<Applied<never>> => {
    const outcome = await transitionCharge(tx);
    await schedulePoll(
      tx,
      'charges',
      chargeId,
      result,
      !isChargeUnpaid(outcome.charge.status),
      core.clock.now(),
    );
    return outcome;
  };
  const transitionCharge = async (tx: Queryable): Promise<Applied<never>> => {
    const charge = await findCharge(tx, chargeId, true);
    if (!charge) throw new JuheError('charge_not_found', undefined, 'id');
    const now = core.clock.now();
    const to = targetChargeStatus(result);

    // Credentials arrive with the create answer while the status is still pending.
    if (result.credential && charge.credential === null) {
      charge.credential = result.credential;
      await tx.query('UPDATE charges SET credential = $2, updated_at = $3 WHERE id = $1', [
        charge.id,
        JSON.stringify(result.credential),
        now,
      ]);
    }
    // Who paid is known only with the payment (or a later query); kept the first time.
    if (result.payerAccount && !charge.payerAccount) {
      charge.payerAccount = result.payerAccount.slice(0, 100);
      await tx.query('UPDATE charges SET payer_account = $2 WHERE id = $1', [charge.id, charge.payerAccount]);
    }
    if (!to || !canTransitionCharge(charge.status, to)) {
      if (
        to === 'succeeded' &&
        (charge.status === 'closed' || charge.status === 'canceled' || charge.status === 'failed')
      ) {
        await recordPaidAfterClose(tx, core, charge, result);
      }
      return { charge, applied: false };
    }

    const from = charge.status;
    charge.status = to;
    charge.updatedAt = now;
    charge.transactionNo = result.transactionNo ?? charge.transactionNo;
    if (to === 'succeeded') charge.paidAt = result.paidAt ?? now;
    if (to === 'failed') {
      charge.failureCode = result.failureCode ?? 'channel_declined';
      charge.failureMsg = result.failureMessage ?? null;
    }
    const updated = await tx.query(
      `UPDATE charges SET status = $2, transaction_no = $3, paid_at = $4, failure_code = $5, failure_msg = $6,
         updated_at = $7 WHERE id = $1 AND status = $8 RETURNING id`,
      [charge.id, to, charge.transactionNo, charge.paidAt, charge.failureCode, charge.failureMsg, now, from],
    );
    if (updated.length === 0) return { charge: (await findCharge(tx, chargeId))!, applied: false };
    await appendEvent(tx, core, {
      appId: charge.appId,
      livemode: charge.livemode,
      type: `charge.${to}` as EventType,
      objectType: 'charge',
      objectId: charge.id,
      data: serializeCharge(charge),
    });
    if (to === 'succeeded') await flagDuplicatePayment(tx, core, charge);
    return { charge, applied: true };
  };
  // Alone, it is its own transaction of pure database work: a deadlock is retried here.
  if (q) return run(q);
  const outcome = await retryOnConflict(() => core.db.tx(run));
  if (outcome.applied && outcome.charge.status === 'succeeded') await afterPaid(core, outcome.charge);
  return outcome;
}

/**
 * Once an attempt's payment committed: its unpaid sibling attempts are closed upstream and,
 * if it was a duplicate, it is refunded (settle-order-attempts.ts). The payment stands
 * whatever happens there, so a failure is logged, not thrown at whoever reported the payment.
 */
async function afterPaid(core: Core, charge: Charge): Promise<void> {
  try {
    await settleOrderAttempts(core, charge);
  } catch (error) {
    core.log.error({ err: error, charge: charge.id }, 'settling the order attempts after a payment failed');
  }
}

/**
 * A re-billed order (maxpay) can end up paid twice when the payer completes an older
 * attempt too. The money is real, so the charge still succeeds; the duplicate is raised
 * as an event for finance (or an automatic refund policy) to act on.
 */
async function flagDuplicatePayment(q: Queryable, core: Core, charge: Charge): Promise<void> {
  const others = await q.query<{ id: string }>(
    `SELECT o.id FROM charges c JOIN charges o ON o.app_id = c.app_id AND o.order_scope = c.order_scope
       AND o.order_no = c.order_no AND o.id <> c.id AND o.status = 'succeeded'
     WHERE c.id = $1`,
    [charge.id],
  );
  if (others.length === 0) return;
  await appendEvent(q, core, {
    appId: charge.appId,
    livemode: charge.livemode,
    type: 'charge.duplicate_payment',
    objectType: 'charge',
    objectId: charge.id,
    data: { ...serializeCharge(charge), duplicate_of: others.map((o) => o.id) },
  });
}

/** Money taken for a charge we had closed: surfaced once as an event for finance or an auto-refund. */
async function recordPaidAfterClose(
  q: Queryable,
  core: Core,
  charge: Charge,
  result: PayResult,
): Promise<void> {
  const [seen] = await q.query(
    `SELECT 1 FROM events WHERE object_id = $1 AND type = 'charge.paid_after_close'`,
    [charge.id],
  );
  if (seen) return;
  await appendEvent(q, core, {
    appId: charge.appId,
    livemode: charge.livemode,
    type: 'charge.paid_after_close',
    objectType: 'charge',
    objectId: charge.id,
    data: { ...serializeCharge(charge), upstream_transaction_no: result.transactionNo ?? null },
  });
}

/**
 * The refund twin of applyChargeResult. A succeeded refund adds its amount to the
 * charge's amount_refunded in the same transaction.
 */
export async function applyRefundResult(
  core: Core,
  refundId: string,
  result: RefundResult,
  q?: Queryable,
): Promise<Applied<Refund> & { refund: Refund }> {
  const run = async (tx: Queryable) => {
    const outcome = await transitionRefund(tx);
    await schedulePoll(
      tx,
      'refunds',
      refundId,
      result,
      outcome.refund.status !== 'pending',
      core.clock.now(),
    );
    return outcome;
  };
  const transitionRefund = async (tx: Queryable) => {
    // Charge first, then refund: the one lock order (db/refund-locks.ts says why).
    const locked = await lockRefundWithCharge(tx, refundId);
    if (!locked) throw new JuheError('refund_not_found', undefined, 'id');
    const { charge, refund } = locked;
    const now = core.clock.now();
    if (result.extra) {
      refund.extra = { ...refund.extra, ...result.extra };
      await tx.query('UPDATE refunds SET extra = $2, updated_at = $3 WHERE id = $1', [
        refund.id,
        JSON.stringify(refund.extra),
        now,
      ]);
    }
    const to: RefundStatus | null =
      result.status === 'succeeded' ? 'succeeded' : result.status === 'failed' ? 'failed' : null;
    if (!to || !canTransitionRefund(refund.status, to)) return { charge, refund, applied: false };

    const from = refund.status;
    refund.status = to;
    refund.updatedAt = now;
    refund.transactionNo = result.transactionNo ?? refund.transactionNo;
    if (to === 'succeeded') refund.succeededAt = now;
    if (to === 'failed') {
      refund.failureCode = result.failureCode ?? 'channel_declined';
      refund.failureMsg = result.failureMessage ?? null;
    }
    await tx.query(
      `UPDATE refunds SET status = $2, transaction_no = $3, succeeded_at = $4, failure_code = $5, failure_msg = $6,
         updated_at = $7 WHERE id = $1 AND status = $8`,
      [
        refund.id,
        to,
        refund.transactionNo,
        refund.succeededAt,
        refund.failureCode,
        refund.failureMsg,
        now,
        from,
      ],
    );
    if (to === 'succeeded') {
      charge.amountRefunded += refund.amount;
      charge.updatedAt = now;
      await tx.query('UPDATE charges SET amount_refunded = $2, updated_at = $3 WHERE id = $1', [
        charge.id,
        charge.amountRefunded,
        now,
      ]);
    }
    await appendEvent(tx, core, {
      appId: refund.appId,
      livemode: refund.livemode,
      type: `refund.${to}` as EventType,
      objectType: 'refund',
      objectId: refund.id,
      data: serializeRefund(refund),
    });
    return { charge, refund, applied: true };
  };
  // Alone, it is its own transaction of pure database work: a deadlock is retried here.
  return q ? run(q) : retryOnConflict(() => core.db.tx(run));
}
