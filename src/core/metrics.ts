import { countChargesByChannelAndStatus, outboxBacklog } from '../db/metrics.js';
import type { Core } from './context.js';

/** The gauges read at scrape time: charges by channel and status, the outbox backlog. */
export async function readGauges(core: Core) {
  return {
    charges: await countChargesByChannelAndStatus(core.db),
    outbox: await outboxBacklog(core.db, core.clock.now()),
  };
}
