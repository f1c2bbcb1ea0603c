import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import type { TestCore } from '../support/core.js';
import { Mct1Client } from './store-client.js';

/**
 * A new merchant and app with one store, and the document-written client of that store,
 * whose timestamps follow the core's clock (tests move it).
 */
export async function newShop(
  core: TestCore,
  base: string,
  options: { name?: string; livemode?: boolean; shopPassword?: string } = {},
) {
  const merchant = await createMerchant(core.db, core, { name: '测试商户' });
  const created = await createApp(core.db, core, { merchantId: merchant.id, name: 'pos' });
  const store = await createStore(core.db, core, {
    appId: created.id,
    name: options.name ?? '门店',
    livemode: options.livemode ?? false,
    shopPassword: options.shopPassword,
  });
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);
  return { store, appId: created.id, client: new Mct1Client(base, store.openId, store.openKey, nowSec) };
}
