import { findChannelConfigById } from '../../core/apps/channel-configs.js';
import type { Core } from '../../core/context.js';
import { toCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import type { Provider } from '../../domain/channels.js';
import type { ChannelConfig } from './connector.js';

/** The notify path segment of the simulator's default merchant (test mode without a config). */
export const SANDBOX_CONFIG_ID = 'sandbox';

/**
 * Whom an inbound notification URL (`/notify/<provider>/<config id>`) speaks for: the
 * merchant account that must have signed it, and the app and mode whose charges it may
 * touch (app null: the simulator's default merchant, any test-mode app).
 */
export interface NotifyOwner<M> {
  merchant: M;
  appId: string | null;
  livemode: boolean;
}

/**
 * Resolves the config segment: `sandbox`, or the id of a config of one of `providers`
 * whose credentials `merchantFor` can use. Anything else (unknown, another provider's,
 * unusable) is undefined: the notification is refused and changes nothing.
 */
export async function notifyOwner<M>(
  core: Core,
  configId: string,
  providers: readonly Provider[],
  merchantFor: (config: ChannelConfig | null, livemode: boolean, publicUrl: string) => M,
): Promise<NotifyOwner<M> | undefined> {
  try {
    if (configId === SANDBOX_CONFIG_ID) {
      return { merchant: merchantFor(null, false, core.publicUrl), appId: null, livemode: false };
    }
    if (!/^[\w-]{1,64}$/.test(configId)) return undefined;
    const config = await findChannelConfigById(core.db, core.box, configId);
    if (!config || !providers.includes(config.provider)) return undefined;
    return {
      merchant: merchantFor(config, config.livemode, core.publicUrl),
      appId: config.appId,
      livemode: config.livemode,
    };
  } catch {
    return undefined;
  }
}

/** Whether a charge is one the owner's notifications may settle. */
export function ownsCharge(
  owner: NotifyOwner<unknown>,
  providers: readonly Provider[],
  charge: Charge,
): boolean {
  return (
    providers.includes(charge.channel) &&
    charge.livemode === owner.livemode &&
    (owner.appId === null || charge.appId === owner.appId)
  );
}

/** The owner's charge a notification names by its system order number (order_sn). */
export async function ownedChargeByOrderSn(
  core: Core,
  owner: NotifyOwner<unknown>,
  providers: readonly Provider[],
  orderSn: string,
): Promise<Charge | undefined> {
  if (!orderSn) return undefined;
  const [row] = await core.db.query('SELECT * FROM charges WHERE order_sn = $1', [orderSn]);
  const charge = row ? toCharge(row) : undefined;
  return charge && ownsCharge(owner, providers, charge) ? charge : undefined;
}
