import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelConfig, ChannelResult, Connector, PayResult } from '../../channels/_kit/connector.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { applyChargeResult } from '../channel-results/apply-channel-result.js';

/**
 * How long a create may spend finding out what became of an upstream create whose answer
 * was lost (timeout, 5xx, unverifiable), and the pauses between its questions. A POS or
 * SDK waits for its create answer about 30 s; a few seconds of questions fit well inside.
 */
export const SETTLE_BUDGET_MS = 5_000;
export const SETTLE_PAUSES_MS = [0, 250, 500, 1_000] as const;

/** Methods whose payer needs nothing from the channel to pay (the payer's code was scanned). */
const NO_CREDENTIAL: readonly Charge['method'][] = ['barcode', 'offline'];

/**
 * The create of `pending` reached the upstream with an unknown outcome. Within the
 * request's budget: ask the upstream (order query); a payment it reports paid, failed or
 * waiting for the payer's password is answered as such; an order it holds unpaid gets its
 * credential again where the connector can `resume` (an idempotent repeat of the create).
 * Still unknown at the end: `channel_error` (every dialect's documented channel error),
 * with the charge left pending and scheduled for the polling worker, which settles it.
 *
 * Without this, a QR charge came back pending with no QR content: a POS showed nothing
 * and no error (issue #12).
 */
export async function settleUnknownCreate(
  core: Core,
  connector: Connector,
  pending: Charge,
  config: ChannelConfig | null,
): Promise<Charge> {
  const deadline = Date.now() + SETTLE_BUDGET_MS;
  const chargeId = pending.id;
  let charge = pending;
  const context = (c: Charge) => ({ charge: c, config, clock: core.clock, publicUrl: core.publicUrl });
  const apply = async (result: PayResult) =>
    (charge = (await applyChargeResult(core, chargeId, result)).charge);

  for (const pause of SETTLE_PAUSES_MS) {
    if (!connector.query || Date.now() + pause >= deadline) break;
    await sleep(pause);
    const current = charge;
    const found = await asked(core, chargeId, () => connector.query!(context(current)));
    const after = await apply(found);
    if (answered(after)) return after;
    if (found.status === 'pending' && connector.resume && Date.now() < deadline) {
      const resumed = await asked(core, chargeId, () => connector.resume!(context(after)));
      if (answered(await apply(resumed))) return charge;
    }
  }
  throw new JuheError(
    'channel_error',
    `The channel did not confirm the payment order in time; charge ${chargeId} stays pending and is checked again`,
    'channel',
    { chargeId, outcome: 'unknown' },
  );
}

/** Known well enough to answer: a final status, the payer confirming, or pending with what the payer needs. */
function answered(charge: Charge): boolean {
  if (charge.status !== 'pending') return true;
  return !NO_CREDENTIAL.includes(charge.method) && charge.credential !== null;
}

/** A question to the upstream that throws (connection reset, a rejected repeat) is an unknown answer. */
async function asked(
  core: Core,
  chargeId: string,
  call: () => Promise<ChannelResult>,
): Promise<ChannelResult> {
  try {
    return await call();
  } catch (error) {
    core.log.warn({ err: error, charge: chargeId }, 'channel question after an unknown create failed');
    return { status: 'unknown', needsPolling: true };
  }
}
