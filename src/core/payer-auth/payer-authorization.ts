import type { PayerAuthorization } from '../../channels/_kit/connector.js';
import type { Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { configOrTestDefault, connectorConfigFor } from '../apps/channel-configs.js';
import type { Core } from '../context.js';

/** Whose payer is being identified: an app in one mode, through one provider's app. */
export interface PayerAuthTarget {
  appId: string;
  livemode: boolean;
  provider: Provider;
}

/**
 * Payer pages opened inside WeChat or Alipay learn the payer's id (openid, buyer_id) through
 * the provider's web authorization before a JSAPI payment can start. The pages (the unified
 * cashier, the hosted pay page, the store QR page) ask here; the provider's connector speaks
 * the protocol with the app's channel config (in test mode without one: its simulator's).
 */
export async function payerAuthorizeUrl(
  core: Core,
  target: PayerAuthTarget,
  redirectUri: string,
  state: string,
): Promise<string> {
  const { auth, config } = await authorizationOf(core, target);
  return auth.authorizeUrl(config, redirectUri, state);
}

/** Exchanges the one-time code the provider came back with for the payer's id. */
export async function payerIdFromCode(core: Core, target: PayerAuthTarget, code: string): Promise<string> {
  const { auth, config } = await authorizationOf(core, target);
  return auth.payerId(config, code);
}

async function authorizationOf(core: Core, target: PayerAuthTarget) {
  const auth: PayerAuthorization | undefined = core.connectors.resolve(
    target.provider,
    target.livemode,
  ).payerAuthorization;
  if (!auth) {
    throw new JuheError(
      'channel_not_available',
      `${target.provider} has no payer authorization for payer pages`,
      'channel',
    );
  }
  const config = await configOrTestDefault(
    core,
    await connectorConfigFor(core.db, core.box, { ...target, channel: target.provider }),
    target.livemode,
    target.provider,
  );
  return { auth, config };
}
