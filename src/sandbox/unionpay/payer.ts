import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import type { Core } from '../../core/context.js';
import type { Charge } from '../../domain/charge.js';
import { unionpaySimulatorOf } from './simulator.js';

/**
 * Plays the payer of a test-mode UnionPay (or Apple Pay through UnionPay) charge inside the
 * simulator. Paying sends the signed back notification (which moves the charge); the
 * transaction is then queried once, as the polling worker would, so the charge also
 * settles when a notification fault is active or the payer declined (UnionPay notifies
 * only successes). A web charge whose form the payer's browser never posted has no
 * transaction upstream yet: it is submitted here first, as the browser would.
 * Returns false when the simulator cannot reach the charge's order.
 */
export async function actAsUnionpayPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<boolean> {
  const sim = unionpaySimulatorOf(core);
  if (!sim) return false;
  if (!(await sim.findTxn(charge.orderSn))) {
    const fields = charge.credential?.fields as Record<string, string> | undefined;
    if (!fields || typeof fields !== 'object' || !(await sim.submitFront(fields))) return false;
  }
  const done = await sim.payerAct(charge.orderSn, action);
  if (!done.ok && !(await sim.findTxn(charge.orderSn))) return false;
  await syncChargeFromChannel(core, charge.id);
  return true;
}
