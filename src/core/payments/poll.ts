import { findCharge, findRefund } from '../../db/charges.js';
import { findChannelConfig } from '../apps/channel-configs.js';
import type { Core } from '../context.js';
import { applyChargeResult, applyRefundResult } from '../notify/apply-channel-result.js';

/**
 * One polling pass: asks the channel about every due charge and refund, applies what it
 * says, and backs off the next question. Rows are claimed by moving next_poll_at forward
 * under SKIP LOCKED, so several nodes share the work without asking twice.
 */
export async function pollDue(core: Core, batch = 50): Promise<{ charges: number; refunds: number }> {
  const now = core.clock.now();
  const claim = (table: 'charges' | 'refunds', unsettled: string) =>
    core.db.tx((q) =>
      q.query<{ id: string; poll_attempts: number }>(
        `UPDATE ${table} SET poll_attempts = poll_attempts + 1,
           next_poll_at = $1::timestamptz + make_interval(secs => 5 * power(2, LEAST(poll_attempts + 1, 7)))
         WHERE id IN (SELECT id FROM ${table} WHERE next_poll_at <= $1 AND status IN (${unsettled})
                      ORDER BY next_poll_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, poll_attempts`,
        [now, batch],
      ),
    );
  const charges = await claim('charges', `'pending', 'user_paying'`);
  for (const { id } of charges) {
    await guarded(core, id, async () => {
      const charge = (await findCharge(core.db, id))!;
      const connector = core.connectors.resolve(charge.channel, charge.livemode);
      if (!connector.query) return;
      const config =
        (await findChannelConfig(core.db, core.box, charge.appId, charge.livemode, charge.channel)) ?? null;
      const result = await connector.query({ charge, config, clock: core.clock, publicUrl: core.publicUrl });
      await applyChargeResult(core, id, { ...result, needsPolling: false });
    });
  }
  const refunds = await claim('refunds', `'pending'`);
  for (const { id } of refunds) {
    await guarded(core, id, async () => {
      const refund = (await findRefund(core.db, id))!;
      const charge = (await findCharge(core.db, refund.chargeId))!;
      const connector = core.connectors.resolve(charge.channel, charge.livemode);
      if (!connector.queryRefund) return;
      const config =
        (await findChannelConfig(core.db, core.box, charge.appId, charge.livemode, charge.channel)) ?? null;
      const result = await connector.queryRefund({
        charge,
        refund,
        config,
        clock: core.clock,
        publicUrl: core.publicUrl,
      });
      await applyRefundResult(core, id, { ...result, needsPolling: false });
    });
  }
  return { charges: charges.length, refunds: refunds.length };
}

async function guarded(core: Core, id: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    core.log.warn({ err: error, object: id }, 'poll failed; will ask again after backoff');
  }
}

/** Runs pollDue every `intervalMs` until stopped; returns the stop function. */
export function startPollingWorker(core: Core, intervalMs = 2_000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => pollDue(core))
      .catch((error) => core.log.error({ err: error }, 'polling worker'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
