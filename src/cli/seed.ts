import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, createMerchant, issueCredentials } from '../core/apps/create-app.js';
import { insertSimulatorConfigs } from '../core/apps/channel-configs.js';
import { createStore } from '../core/apps/stores.js';
import { OFFLINE_PROVIDERS, PROVIDERS } from '../domain/channels.js';
import type { Core } from '../core/context.js';
import { anyUserExists } from '../db/users.js';
import { createApiToken, createUser } from '../http/admin/auth-routes.js';

export interface DemoData {
  console: { url: string; email: string; password: string; apiToken: string };
  maxpay: { appId: string; sessionToken: string; masterKey: string };
  paymax: { app: string; secretKey: string; merchantPrivateKeyPem: string; platformPublicKeyPem: string };
  store: { openId: string; openKey: string; shopPass: string };
  unified: { domainCode: string; domainSecret: string };
  ids: { merchant: string; app: string; store: string };
}

/** Whether anyone can log in yet: the demo seeds only a database nobody has set up. */
export function hasUsers(core: Core): Promise<boolean> {
  return anyUserExists(core.db);
}

/**
 * On an empty database, `juhe start` seeds a demo merchant, an app with test credentials
 * for every dialect, test-mode channel configs standing for every provider's simulator, a
 * store and an owner login, so a newcomer can pay within a minute.
 * Returns null when the database already has users (never seeds twice).
 */
export async function seedDemoIfEmpty(core: Core, home: string): Promise<DemoData | null> {
  if (await hasUsers(core)) return null;
  const password = core.ids.secret(12);
  const shopPass = '123456';
  const demo = await core.db.tx(async (q) => {
    const merchant = await createMerchant(q, core, { name: 'Demo Coffee Co.' });
    const app = await createApp(q, core, { merchantId: merchant.id, name: 'Demo shop' });
    const credentials = await issueCredentials(q, core, { appId: app.id, livemode: false });
    // Every upstream provider works at once in test mode, through its simulator.
    await insertSimulatorConfigs(
      q,
      core,
      app.id,
      PROVIDERS.filter((p) => !OFFLINE_PROVIDERS.includes(p)),
    );
    const store = await createStore(q, core, {
      appId: app.id,
      name: 'Demo store #1',
      livemode: false,
      shopPassword: shopPass,
    });
    return { merchant, app, credentials, store };
  });
  const owner = await createUser(core, {
    email: 'owner@demo.juhe.local',
    password,
    role: 'owner',
    name: 'Demo owner',
  });
  const token = await createApiToken(core, { userId: owner.id, name: 'demo', role: 'owner' });
  const data: DemoData = {
    console: { url: core.publicUrl, email: owner.email, password, apiToken: token.token },
    maxpay: {
      appId: demo.credentials.maxpay.appId,
      sessionToken: demo.credentials.maxpay.sessionToken,
      masterKey: demo.credentials.maxpay.masterKey,
    },
    paymax: {
      app: demo.credentials.paymax.app,
      secretKey: demo.credentials.paymax.secretKey,
      merchantPrivateKeyPem: demo.credentials.paymax.merchantPrivateKeyPem!,
      platformPublicKeyPem: demo.credentials.paymax.platformPublicKeyPem,
    },
    store: { openId: demo.store.openId, openKey: demo.store.openKey, shopPass },
    unified: demo.credentials.unified,
    ids: { merchant: demo.merchant.id, app: demo.app.id, store: demo.store.id },
  };
  // With DATABASE_URL and JUHE_MASTER_KEY given, nothing else has created the home yet.
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'demo.json'), JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  return data;
}
