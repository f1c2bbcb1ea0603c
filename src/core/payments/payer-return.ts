import type { ChannelResult } from '../../channels/_kit/connector.js';
import { findCharge } from '../../db/charges.js';
import { findChargeByOrderSn } from '../../db/notified-charges.js';
import type { Charge } from '../../domain/charge.js';
import type { Provider } from '../../domain/channels.js';
import { isChargeUnpaid } from '../../domain/status.js';
import type { NotificationOwner } from '../channel-notifications/apply-channel-notification.js';
import type { Core } from '../context.js';
import { applyChargeResult } from '../channel-results/apply-channel-result.js';
import { syncChargeFromChannel } from './sync-from-channel.js';

/** What a payer's browser, back from a provider's page, says it is about. */
export interface PayerReturn {
  orderSn: string;
  /** Values the charge's credential must hold (PayPal's order id, known only to the payer and us). */
  credential: Record<string, string>;
  channels: readonly Provider[];
}

/** The owner's charge a returning browser names, or undefined (unknown, foreign, another order). */
export async function chargeOfPayerReturn(
  core: Core,
  owner: NotificationOwner,
  back: PayerReturn,
): Promise<Charge | undefined> {
  const charge = await findChargeByOrderSn(core.db, back.orderSn);
  if (!charge) return undefined;
  const owned =
    back.channels.includes(charge.channel) &&
    charge.livemode === owner.livemode &&
    (owner.appId === null || charge.appId === owner.appId);
  const same = Object.entries(back.credential).every(([key, value]) => charge.credential?.[key] === value);
  return owned && same ? charge : undefined;
}

/**
 * The payer approved upstream and came back: an unpaid charge asks its channel where it
 * stands (which captures an approved order). A channel that cannot answer now leaves it to
 * polling. The charge as it stands afterwards.
 */
export async function payerReturned(core: Core, charge: Charge): Promise<Charge> {
  if (!isChargeUnpaid(charge.status)) return charge;
  try {
    await syncChargeFromChannel(core, charge.id);
  } catch (err) {
    core.log.warn({ err, charge: charge.id }, 'capture on return failed; polling will retry');
  }
  return (await findCharge(core.db, charge.id)) ?? charge;
}

/**
 * The payer cancelled on the provider's page. The channel is asked first: an order approved
 * (or paid) elsewhere is not a cancellation. Still pending there, the charge fails with
 * `failure`.
 */
export async function payerCancelled(
  core: Core,
  charge: Charge,
  failure: Required<Pick<ChannelResult, 'failureCode' | 'failureMessage'>>,
): Promise<Charge> {
  if (!isChargeUnpaid(charge.status)) return charge;
  const where = await syncChargeFromChannel(core, charge.id).catch(() => undefined);
  const current = (await findCharge(core.db, charge.id)) ?? charge;
  if (where?.status !== 'pending' || !isChargeUnpaid(current.status)) return current;
  return (await applyChargeResult(core, charge.id, { status: 'failed', ...failure })).charge;
}
