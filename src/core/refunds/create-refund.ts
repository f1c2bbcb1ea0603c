import { findCharge } from '../../db/charges.js';
import { retryOnConflict, retryWhileUnavailable } from '../../db/conflict-retry.js';
import { isUniqueViolation } from '../../db/db.js';
import type { Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isPositiveMinor } from '../../domain/money.js';
import { connectorConfigFor } from '../apps/channel-configs.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { applyRefundResult } from '../channel-results/apply-channel-result.js';
import { serializeRefund } from '../serialize.js';
import { awaitRefundOutcome } from './await-refund-outcome.js';

export interface RefundCreateParams {
  chargeId: string;
  /** Minor units; omitted means everything not yet refunded. */
  amount?: number;
  /** The merchant's refund number (store refund_out_no); generated when absent. */
  refundNo?: string;
  description?: string | null;
  metadata?: Record<string, unknown>;
  /** Refuse while another refund of the charge is pending (Paymax allows one at a time). */
  oneAtATime?: boolean;
}

/**
 * Refunds part or all of a succeeded charge. The charge row is locked while the
 * refundable balance is computed (paid - pending - succeeded refunds), so concurrent
 * refunds can never together exceed what was paid. The channel is then asked outside
 * the transaction and its answer applied like any other channel result.
 */
export async function createRefund(core: Core, params: RefundCreateParams): Promise<Refund> {
  if (params.amount !== undefined && !isPositiveMinor(params.amount)) {
    throw new JuheError('invalid_amount', 'amount must be a positive integer', 'amount');
  }
  let refund: Refund;
  try {
    // Database work only (the channel is asked after the commit), so a deadlock can be retried.
    refund = await retryOnConflict(() =>
      core.db.tx(async (q) => {
        const charge = await findCharge(q, params.chargeId, true);
        if (!charge) throw new JuheError('charge_not_found', undefined, 'charge');
        if (charge.status !== 'succeeded') {
          throw new JuheError('charge_not_refundable', `Charge is ${charge.status}, not succeeded`, 'charge');
        }
        const [{ committed, pending }] = await q.query<{ committed: number; pending: string | null }>(
          `SELECT COALESCE(SUM(amount), 0)::bigint AS committed, min(id) FILTER (WHERE status = 'pending') AS pending
         FROM refunds WHERE charge_id = $1 AND status IN ('pending', 'succeeded')`,
          [charge.id],
        );
        // Checked under the charge's lock, so two requests at once cannot both pass it.
        if (params.oneAtATime && pending) {
          throw new JuheError('refund_in_progress', `Refund ${pending} is still processing`, 'charge', {
            refundId: pending,
          });
        }
        const refundable = charge.amount - committed;
        const amount = params.amount ?? refundable;
        if (amount <= 0 || amount > refundable) {
          throw new JuheError(
            'refund_exceeds_amount',
            `Refund of ${amount} exceeds the refundable ${refundable}`,
            'amount',
            { refundable },
          );
        }
        const now = core.clock.now();
        const id = core.ids.next('refund');
        const created: Refund = {
          id,
          chargeId: charge.id,
          appId: charge.appId,
          livemode: charge.livemode,
          refundNo: params.refundNo ?? id,
          amount,
          currency: charge.currency,
          status: 'pending',
          description: params.description ?? null,
          metadata: params.metadata ?? {},
          extra: {},
          transactionNo: null,
          failureCode: null,
          failureMsg: null,
          createdAt: now,
          updatedAt: now,
          succeededAt: null,
        };
        await q.query(
          // next_poll_at from the start: a crash before the channel's answer is applied
          // still leaves the refund to the polling worker (5 s, its first backoff step).
          `INSERT INTO refunds (id, charge_id, app_id, livemode, refund_no, amount, currency, status, description,
           metadata, extra, created_at, updated_at, next_poll_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, '{}', $10, $10,
           $10::timestamptz + interval '5 seconds')`,
          [
            id,
            charge.id,
            charge.appId,
            charge.livemode,
            created.refundNo,
            amount,
            charge.currency,
            created.description,
            JSON.stringify(created.metadata),
            now,
          ],
        );
        await appendEvent(q, core, {
          appId: charge.appId,
          livemode: charge.livemode,
          type: 'refund.created',
          objectType: 'refund',
          objectId: id,
          data: serializeRefund(created),
        });
        return created;
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new JuheError(
        'refund_no_duplicate',
        `Refund number ${params.refundNo} was already used`,
        'refund_no',
      );
    }
    throw error;
  }

  const charge = (await findCharge(core.db, refund.chargeId))!;
  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  if (!connector.refund) {
    await applyRefundResult(core, refund.id, {
      status: 'failed',
      failureCode: 'channel_not_supported',
      failureMessage: `${charge.channel} does not support refunds`,
    });
    throw new JuheError('channel_not_supported', `${charge.channel} does not support refunds`, 'charge');
  }
  const config = await connectorConfigFor(core.db, core.box, charge);
  let result;
  try {
    result = await connector.refund({ charge, refund, config, clock: core.clock, publicUrl: core.publicUrl });
  } catch (error) {
    core.log.warn(
      { err: error, refund: refund.id },
      'channel refund call failed; refund left pending for polling',
    );
    result = { status: 'unknown' as const, needsPolling: true };
  }
  // The channel has acted on the refund: a database restart of a moment must not turn its
  // answer into an error the merchant may "fix" by refunding again. Applying is idempotent.
  const applied = (await retryWhileUnavailable(() => applyRefundResult(core, refund.id, result))).refund;
  if (result.status !== 'pending' || applied.status !== 'pending') return applied;
  return awaitRefundOutcome(core, connector, charge, applied, config);
}
