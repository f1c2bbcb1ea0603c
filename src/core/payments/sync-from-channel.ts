import type { ChannelResult, RefundResult } from '../../channels/_kit/connector.js';
import { findCharge, findRefund } from '../../db/charges.js';
import { JuheError } from '../../domain/errors.js';
import { connectorConfigFor } from '../apps/channel-configs.js';
import type { Core } from '../context.js';
import { applyChargeResult, applyRefundResult } from '../channel-results/apply-channel-result.js';

/**
 * Asks the charge's channel where it stands (order query) and applies the answer as one
 * idempotent transition: how lost notifications, upstream timeouts and barcode payments
 * waiting for the payer are resolved (polling worker, payer simulation).
 */
export async function syncChargeFromChannel(core: Core, chargeId: string): Promise<ChannelResult> {
  const charge = await findCharge(core.db, chargeId);
  if (!charge) throw new JuheError('charge_not_found', undefined, 'id');
  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  if (!connector.query) throw new JuheError('channel_not_supported', `${charge.channel} cannot be queried`);
  const config = await connectorConfigFor(core.db, core.box, charge);
  const result = await connector.query({ charge, config, clock: core.clock, publicUrl: core.publicUrl });
  await applyChargeResult(core, charge.id, result);
  return result;
}

/** The refund twin: refund query, then one idempotent transition. */
export async function syncRefundFromChannel(core: Core, refundId: string): Promise<RefundResult> {
  const refund = await findRefund(core.db, refundId);
  if (!refund) throw new JuheError('refund_not_found', undefined, 'id');
  const charge = (await findCharge(core.db, refund.chargeId))!;
  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  if (!connector.queryRefund) {
    throw new JuheError('channel_not_supported', `${charge.channel} refunds cannot be queried`);
  }
  const config = await connectorConfigFor(core.db, core.box, charge);
  const result = await connector.queryRefund({
    charge,
    refund,
    config,
    clock: core.clock,
    publicUrl: core.publicUrl,
  });
  await applyRefundResult(core, refund.id, result);
  return result;
}
