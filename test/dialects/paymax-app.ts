import {
  type IssuedCredentials,
  createApp,
  createMerchant,
  issueCredentials,
} from '../../src/core/apps/create-app.js';
import type { TestCore } from '../support/core.js';

/**
 * A new merchant with one app and that app's credentials of one mode: the tenant each
 * Paymax suite creates charges as. Each call is its own merchant, so suites can prove one
 * app never sees another's orders. The app id is for what credentials do not carry
 * (webhook endpoints, the platform key).
 */
export async function newPaymaxApp(
  core: TestCore,
  livemode: boolean,
  names: { merchant: string; app: string } = { merchant: 'Shop', app: 'Shop app' },
): Promise<{ appId: string; credentials: IssuedCredentials }> {
  const merchant = await createMerchant(core.db, core, { name: names.merchant });
  const app = await createApp(core.db, core, { merchantId: merchant.id, name: names.app });
  return { appId: app.id, credentials: await issueCredentials(core.db, core, { appId: app.id, livemode }) };
}
