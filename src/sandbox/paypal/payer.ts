import { paypalOrderIdOf } from '../../channels/paypal/connector.js';
import type { Core } from '../../core/context.js';
import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import { findCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { paypalSimulatorOf } from './simulator.js';

/**
 * Plays the payer of a test-mode PayPal charge inside the simulator, as a browser would:
 * approve (pay) or cancel on the checkout page, then follow the redirect back to the
 * gateway's return or cancel URL, which captures the order or records the cancellation.
 * A charge still unpaid afterwards (the return URL did not finish the job) is asked
 * about once, as the polling worker would. False when the simulator holds no order for it.
 */
export async function actAsPaypalPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<boolean> {
  const sim = paypalSimulatorOf(core);
  const orderId = paypalOrderIdOf(charge);
  if (!sim || !orderId || !(await sim.findOrder(orderId))) return false;
  const result = await sim.payerAct(orderId, action === 'pay' ? 'pay' : 'cancel');
  if (result.redirect) await sim.follow(result.redirect);
  const after = await findCharge(core.db, charge.id);
  if (action === 'pay' && after && isChargeUnpaid(after.status)) await syncChargeFromChannel(core, charge.id);
  return true;
}
