import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import type { Core } from '../../core/context.js';
import type { Charge } from '../../domain/charge.js';
import { simulatorOf } from './simulator.js';

/**
 * Plays the payer of a test-mode WeChat charge inside the simulator: pay or decline the
 * order WeChat Pay holds for it. Paying sends the signed callback to the gateway (which
 * moves the charge); the order is then queried once, as the polling worker would, so the
 * charge also settles when a callback fault is active or the payer declined (WeChat sends
 * no callback for that). Returns false when the simulator holds no order for the charge.
 */
export async function actAsWechatpayPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<boolean> {
  const sim = simulatorOf(core);
  if (!sim) return false;
  const order = await sim.findOrderByOutTradeNo(charge.orderSn);
  if (!order) return false;
  await sim.payerAct(order.mchid, charge.orderSn, action);
  await syncChargeFromChannel(core, charge.id);
  return true;
}
