import type { Queryable } from '../../db/db.js';
import { amountValue, invalid, notFound, unprocessable } from './codec.js';
import type { PpSim } from './context.js';
import { paypalId } from './keys.js';
import * as repo from './repository.js';
import type { OrderRow, RefundRow } from './repository.js';
import { amountOf, queueCaptureEvent } from './transitions.js';

/**
 * Refunds of a capture (COMPLETED at once, or PENDING under the faults and settled by the
 * due work), and pending captures completing: PayPal's payments state machine.
 */

/** POST /v2/payments/captures/{id}/refund: the whole rest unless an amount is given. */
export async function createRefund(sim: PpSim, captureId: string, b: any, prefer: string) {
  const now = sim.ctx.clock.now();
  const made = await sim.ctx.db.tx(async (q) => {
    const o = await repo.findCapture(q, captureId, true);
    if (!o) throw notFound();
    if (o.capture_status === 'REFUNDED')
      throw unprocessable('CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded');
    if (o.capture_status !== 'COMPLETED' && o.capture_status !== 'PARTIALLY_REFUNDED') {
      throw unprocessable('REFUND_NOT_ALLOWED', 'Refund cannot be issued for this transaction.');
    }
    const left = Number(o.amount) - (await repo.refundedSum(q, o.capture_id!, ['PENDING', 'COMPLETED']));
    let amount = left;
    if (b.amount !== undefined) {
      if (b.amount?.currency_code !== o.currency) {
        throw unprocessable(
          'REFUND_CURRENCY_MISMATCH',
          'Refund must be in the same currency as the capture.',
        );
      }
      amount = amountOf(
        b.amount?.value,
        o.currency,
        '/amount/value',
        'The amount has too many decimal places for its currency.',
      );
      if (amount <= 0)
        throw invalid('INVALID_PARAMETER_VALUE', 'The refund amount must be positive.', '/amount/value');
    }
    if (amount <= 0 || amount > left) {
      throw unprocessable(
        'REFUND_AMOUNT_EXCEEDED',
        'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
      );
    }
    for (const field of ['custom_id', 'invoice_id'] as const) {
      if (b[field] !== undefined && (typeof b[field] !== 'string' || b[field].length > 127)) {
        throw invalid('INVALID_STRING_LENGTH', 'The value of a field is too long or too short.', `/${field}`);
      }
    }
    const fault = sim.faults.take('refund_pending', 'refund_failed');
    const refund = await repo.insertRefund(q, {
      id: paypalId(17),
      capture_id: o.capture_id!,
      order_id: o.id,
      amount,
      currency: o.currency,
      status: fault ? 'PENDING' : 'COMPLETED',
      outcome: fault?.kind === 'refund_failed' ? 'FAILED' : 'COMPLETED',
      settle_at: fault ? now : null,
      custom_id: b.custom_id ?? null,
      invoice_id: b.invoice_id ?? null,
      note_to_payer: typeof b.note_to_payer === 'string' ? b.note_to_payer.slice(0, 255) : null,
      created_at: now,
      updated_at: now,
    });
    const webhookId = refund.status === 'COMPLETED' ? await completeRefund(sim, q, o, refund) : undefined;
    return { refund, webhookId, refunded: await repo.refundedSum(q, o.capture_id!, ['COMPLETED']) };
  });
  if (made.webhookId) sim.outbox.deliverSoon(made.webhookId);
  const json = sim.shapes.refundJson(made.refund, made.refunded);
  return {
    status: 201,
    body: prefer.includes('representation') ? json : { id: json.id, status: json.status, links: json.links },
  };
}

/** A refund reached COMPLETED: the capture's status follows, and PAYMENT.CAPTURE.REFUNDED is owed. */
async function completeRefund(sim: PpSim, q: Queryable, o: OrderRow, refund: RefundRow): Promise<string> {
  const refunded = await repo.refundedSum(q, o.capture_id!, ['COMPLETED']);
  await repo.updateOrder(q, o.id, {
    capture_status: refunded >= Number(o.amount) ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
    updated_at: sim.ctx.clock.now(),
  });
  return sim.outbox.queue(
    q,
    'PAYMENT.CAPTURE.REFUNDED',
    'refund',
    sim.shapes.refundJson(refund, refunded),
    `A ${amountValue(Number(refund.amount), refund.currency)} ${refund.currency} capture payment was refunded`,
  );
}

/** Pending captures complete and pending refunds settle once due (fault injection made them pending). */
export async function settleDue(sim: PpSim): Promise<void> {
  const { ctx } = sim;
  const now = ctx.clock.now();
  for (const id of await repo.duePendingCaptures(ctx.db, now)) {
    await ctx.db.tx(async (q) => {
      const o = await repo.findOrder(q, id, true);
      if (!o || o.capture_status !== 'PENDING') return;
      const row = await repo.updateOrder(q, id, {
        capture_status: 'COMPLETED',
        capture_reason: null,
        updated_at: now,
      });
      await queueCaptureEvent(sim, q, row, 'PAYMENT.CAPTURE.COMPLETED', 'completed');
    });
  }
  for (const id of await repo.duePendingRefunds(ctx.db, now)) {
    await ctx.db.tx(async (q) => {
      const r = await repo.lockPendingRefund(q, id);
      if (!r) return;
      const o = (await repo.findCapture(q, r.capture_id, true))!;
      const settled = await repo.settleRefund(q, id, now);
      if (settled.status === 'COMPLETED') {
        await completeRefund(sim, q, o, settled);
        return;
      }
      const refunded = await repo.refundedSum(q, r.capture_id, ['COMPLETED']);
      await sim.outbox.queue(
        q,
        'PAYMENT.REFUND.FAILED',
        'refund',
        sim.shapes.refundJson(settled, refunded),
        'A refund failed',
      );
    });
  }
}
