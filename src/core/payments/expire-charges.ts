import { listExpiredUnpaid } from '../../db/charges.js';
import type { Core } from '../context.js';
import { startPeriodic } from '../periodic.js';
import { endUnpaidCharge } from './cancel-charge.js';

/**
 * Closes unpaid charges past their expiry time. Rows are claimed with SKIP LOCKED so
 * several nodes can run this together; each close is its own conditional transition,
 * so a charge paid at the last moment stays paid.
 */
export async function expireCharges(core: Core, batch = 100): Promise<number> {
  const due = await listExpiredUnpaid(core.db, core.clock.now(), batch);
  let closed = 0;
  for (const { id } of due) {
    try {
      const charge = await endUnpaidCharge(core, id, 'closed');
      if (charge.status === 'closed') closed += 1;
    } catch (error) {
      core.log.warn({ err: error, charge: id }, 'could not expire charge; will retry');
    }
  }
  return closed;
}

/** Runs expireCharges every `intervalMs` until stopped; returns the stop function. */
export function startExpiryWorker(core: Core, intervalMs = 15_000): () => Promise<void> {
  return startPeriodic(core, 'expiry worker', intervalMs, () => expireCharges(core));
}
