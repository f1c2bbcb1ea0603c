import { endCharge, findCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { connectorConfigFor } from '../apps/channel-configs.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { applyChargeResult } from '../channel-results/apply-channel-result.js';
import { serializeCharge } from '../serialize.js';

/**
 * Ends an unpaid charge: `canceled` when the merchant asks, `closed` when it expires.
 * Where the provider can close orders, it is asked first; if it answers that the payer
 * already paid, that result is applied instead and the cancel is refused. If it does not
 * confirm the order is over (unreachable, a 5xx: the result is `unknown`), the charge stays
 * open and this throws `channel_error`: ended here but payable upstream, a payment made
 * afterwards would meet a terminal charge and be lost. The caller tries again (the expiry
 * worker on its next pass).
 */
export async function endUnpaidCharge(
  core: Core,
  chargeId: string,
  to: 'canceled' | 'closed',
): Promise<Charge> {
  const charge = await findCharge(core.db, chargeId);
  if (!charge) throw new JuheError('charge_not_found', undefined, 'id');
  if (!isChargeUnpaid(charge.status)) {
    if (to === 'closed') return charge;
    throw new JuheError(
      charge.status === 'succeeded' ? 'charge_already_paid' : 'charge_not_cancelable',
      `Charge is ${charge.status}`,
      'id',
    );
  }
  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  if (connector.close) {
    const config = await connectorConfigFor(core.db, core.box, charge);
    const upstream = await connector.close({ charge, config, clock: core.clock, publicUrl: core.publicUrl });
    if (upstream.status === 'succeeded') {
      const { charge: paid } = await applyChargeResult(core, charge.id, upstream);
      if (to === 'closed') return paid;
      throw new JuheError(
        'charge_already_paid',
        'The payer paid before the cancel reached the channel',
        'id',
      );
    }
    // 'unknown' is a close that was not confirmed (unreachable, a 5xx): the order may still
    // be payable upstream. (Any other answer says it is over, or was never payable there.)
    if (upstream.status === 'unknown') {
      throw new JuheError(
        'channel_error',
        `The channel did not confirm that the payment is closed (${upstream.failureCode ?? upstream.status}); it stays open, try again`,
      );
    }
  }
  return core.db.tx(async (q) => {
    const current = (await findCharge(q, chargeId, true))!;
    if (!isChargeUnpaid(current.status)) {
      if (to === 'closed') return current;
      throw new JuheError('charge_not_cancelable', `Charge is ${current.status}`, 'id');
    }
    const now = core.clock.now();
    await endCharge(q, current.id, to, now);
    const ended = { ...current, status: to, closedAt: now, updatedAt: now };
    await appendEvent(q, core, {
      appId: ended.appId,
      livemode: ended.livemode,
      type: `charge.${to}`,
      objectType: 'charge',
      objectId: ended.id,
      data: serializeCharge(ended),
    });
    return ended;
  });
}

export const cancelCharge = (core: Core, chargeId: string) => endUnpaidCharge(core, chargeId, 'canceled');
