import { type PolledTable, claimDuePolls } from '../../db/polling.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { startPeriodic } from '../periodic.js';
import { syncChargeFromChannel, syncRefundFromChannel } from './sync-from-channel.js';

/**
 * One polling pass: asks the channel about every due charge and refund, applies what it
 * says, and backs off the next question. Rows are claimed by moving next_poll_at forward
 * under SKIP LOCKED, so several nodes share the work without asking twice.
 */
export async function pollDue(core: Core, batch = 50): Promise<{ charges: number; refunds: number }> {
  const now = core.clock.now();
  const claim = (table: PolledTable) => core.db.tx((q) => claimDuePolls(q, table, now, batch));
  // A channel that cannot be asked (no query capability) is simply not asked: its
  // notifications or the expiry worker settle the object instead.
  const charges = await claim('charges');
  for (const { id } of charges) {
    await guarded(core, id, () => syncChargeFromChannel(core, id));
  }
  const refunds = await claim('refunds');
  for (const { id } of refunds) {
    await guarded(core, id, () => syncRefundFromChannel(core, id));
  }
  return { charges: charges.length, refunds: refunds.length };
}

async function guarded(core: Core, id: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof JuheError && error.code === 'channel_not_supported') return;
    core.log.warn({ err: error, object: id }, 'poll failed; will ask again after backoff');
  }
}

/** Runs pollDue every `intervalMs` until stopped; returns the stop function. */
export function startPollingWorker(core: Core, intervalMs = 2_000): () => Promise<void> {
  return startPeriodic(core, 'polling worker', intervalMs, () => pollDue(core));
}
