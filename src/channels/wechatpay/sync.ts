import { findChannelConfig } from '../../core/apps/channel-configs.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult, applyRefundResult } from '../../core/notify/apply-channel-result.js';
import { findCharge, findRefund } from '../../db/charges.js';
import { JuheError } from '../../domain/errors.js';
import type { ChannelResult, RefundResult } from '../_kit/connector.js';
import type { WechatpayConnector } from './connector.js';

/**
 * What the polling worker does for a WeChat charge or refund: ask WeChat Pay (order query,
 * refund query) and apply the answer as one idempotent transition. Resolves lost
 * callbacks, upstream timeouts and barcode payments waiting for the payer.
 */
export async function syncChargeFromUpstream(core: Core, chargeId: string): Promise<ChannelResult> {
  const charge = await findCharge(core.db, chargeId);
  if (!charge) throw new JuheError('charge_not_found', undefined, 'id');
  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  if (!connector.query) throw new JuheError('channel_not_supported', `${charge.channel} cannot be queried`);
  const config =
    (await findChannelConfig(core.db, core.box, charge.appId, charge.livemode, charge.channel)) ?? null;
  const result = await connector.query({ charge, config, clock: core.clock, publicUrl: core.publicUrl });
  await applyChargeResult(core, charge.id, result);
  return result;
}

export async function syncRefundFromUpstream(core: Core, refundId: string): Promise<RefundResult> {
  const refund = await findRefund(core.db, refundId);
  if (!refund) throw new JuheError('refund_not_found', undefined, 'id');
  const charge = (await findCharge(core.db, refund.chargeId))!;
  const connector = core.connectors.resolve(charge.channel, charge.livemode) as Partial<WechatpayConnector>;
  if (!connector.queryRefund)
    throw new JuheError('channel_not_supported', `${charge.channel} refunds cannot be queried`);
  const config =
    (await findChannelConfig(core.db, core.box, charge.appId, charge.livemode, charge.channel)) ?? null;
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
