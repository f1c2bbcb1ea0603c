import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelConfig, Connector, RefundResult } from '../../channels/_kit/connector.js';
import type { Charge, Refund } from '../../domain/charge.js';
import type { Core } from '../context.js';
import { applyRefundResult } from '../channel-results/apply-channel-result.js';

/**
 * Pauses between the questions a refund create asks about a refund the channel accepted
 * but is still processing: about 3 s in all, well inside a client's request timeout.
 * WeChat Pay answers every refund PROCESSING and settles most within a second or two.
 */
export const REFUND_WAIT_PAUSES_MS = [250, 500, 1_000, 1_500] as const;

/**
 * A refund the channel answered "processing" (not unknown: that one is the poller's) is
 * asked about a few times within the request, so the merchant is told what the channel
 * says rather than "in progress" for a refund that succeeds two seconds later (issue #12:
 * the store document reads any status but 1 as failed). Still processing after the last
 * question, it is answered pending and the polling worker (next_poll_at) follows it up.
 */
export async function awaitRefundOutcome(
  core: Core,
  connector: Connector,
  charge: Charge,
  pending: Refund,
  config: ChannelConfig | null,
): Promise<Refund> {
  let refund = pending;
  if (!connector.queryRefund) return refund;
  for (const pause of REFUND_WAIT_PAUSES_MS) {
    await sleep(pause);
    let result: RefundResult;
    try {
      result = await connector.queryRefund({
        charge,
        refund,
        config,
        clock: core.clock,
        publicUrl: core.publicUrl,
      });
    } catch (error) {
      core.log.warn({ err: error, refund: refund.id }, 'refund query while waiting failed');
      return refund;
    }
    refund = (await applyRefundResult(core, refund.id, result)).refund;
    if (refund.status !== 'pending' || result.status === 'unknown') return refund;
  }
  return refund;
}
