import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import type { Core } from '../../core/context.js';
import type { Charge } from '../../domain/charge.js';
import { simulatorOf } from './simulator.js';

/**
 * Plays the payer of a test-mode Lakala charge inside the simulator: pay or decline the
 * cashier order Lakala holds for it. Paying sends the signed notification to the gateway
 * (which moves the charge); the order is then queried once, as the polling worker would,
 * so the charge also settles when a notification fault is active or the payer declined
 * (Lakala notifies successful payments only). False when the simulator holds no order.
 */
export async function actAsLakalaPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<boolean> {
  const sim = simulatorOf(core);
  if (!sim) return false;
  if (!(await sim.findOrder(charge.orderSn))) return false;
  await sim.payerAct(charge.orderSn, action);
  await syncChargeFromChannel(core, charge.id);
  return true;
}
