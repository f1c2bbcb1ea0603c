import { generateKeyPairSync } from 'node:crypto';
import { insertApp } from '../../db/apps.js';
import type { Queryable } from '../../db/db.js';
import { insertMerchant } from '../../db/merchants.js';
import type { Core } from '../context.js';
import { insertCredential } from './credentials.js';

export interface MerchantCreateParams {
  name: string;
}

export async function createMerchant(q: Queryable, core: Core, params: MerchantCreateParams) {
  const merchant = { id: core.ids.next('merchant'), name: params.name, createdAt: core.clock.now() };
  await insertMerchant(q, merchant);
  return merchant;
}

export interface AppRecord {
  id: string;
  merchantId: string;
  name: string;
  createdAt: Date;
}

export async function createApp(
  q: Queryable,
  core: Core,
  params: { merchantId: string; name: string },
): Promise<AppRecord> {
  const app = {
    id: core.ids.next('app'),
    merchantId: params.merchantId,
    name: params.name,
    createdAt: core.clock.now(),
  };
  await insertApp(q, app);
  return app;
}

export function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Plaintext of freshly issued credentials: shown once (CLI, demo.json, reveal), stored sealed. */
export interface IssuedCredentials {
  livemode: boolean;
  maxpay: { appId: string; masterKey: string; sessionToken: string };
  paymax: {
    app: string;
    secretKey: string;
    merchantPublicKeyPem: string;
    /** Only when we generated the merchant's key pair for them (demo, quick start). */
    merchantPrivateKeyPem?: string;
    platformPublicKeyPem: string;
  };
  unified: { domainCode: string; domainSecret: string };
}

/**
 * Issues one credential of every dialect for an app and mode, plus the app's platform
 * signing key pair (signs Paymax responses and webhooks). When the merchant brings no
 * public key, a merchant key pair is generated and its private half returned once.
 */
export async function issueCredentials(
  q: Queryable,
  core: Core,
  params: { appId: string; livemode: boolean; merchantPublicKeyPem?: string },
): Promise<IssuedCredentials> {
  const now = core.clock.now();
  const { appId, livemode } = params;
  const mode = livemode ? 'live' : 'test';
  const platform = rsaKeyPair();
  const merchant = params.merchantPublicKeyPem ? undefined : rsaKeyPair();
  const merchantPublicKeyPem = params.merchantPublicKeyPem ?? merchant!.publicKeyPem;

  const maxpay = {
    appId: core.ids.secret(12).replace(/[-_]/g, 'x'),
    masterKey: core.ids.secret(24),
    sessionToken: core.ids.secret(24),
  };
  const paymax = {
    app: `app_${core.ids.secret(12).replace(/[-_]/g, 'x')}`,
    secretKey: `sk_${mode}_${core.ids.secret(24)}`,
  };
  const unified = {
    domainCode: `d${core.ids.secret(9).replace(/[-_]/g, 'x')}`,
    domainSecret: core.ids.secret(24),
  };

  await insertCredential(q, core.box, {
    id: core.ids.next('credential'),
    appId,
    kind: 'platform',
    livemode,
    publicId: `pk_${core.ids.secret(12)}`,
    secrets: { privateKeyPem: platform.privateKeyPem },
    attrs: { publicKeyPem: platform.publicKeyPem },
    now,
  });
  await insertCredential(q, core.box, {
    id: core.ids.next('credential'),
    appId,
    kind: 'maxpay',
    livemode,
    publicId: maxpay.appId,
    secrets: { masterKey: maxpay.masterKey, sessionTokens: [maxpay.sessionToken] },
    now,
  });
  await insertCredential(q, core.box, {
    id: core.ids.next('credential'),
    appId,
    kind: 'paymax',
    livemode,
    publicId: paymax.app,
    secrets: { secretKey: paymax.secretKey },
    lookupSecret: paymax.secretKey,
    attrs: { merchantPublicKeyPem },
    now,
  });
  await insertCredential(q, core.box, {
    id: core.ids.next('credential'),
    appId,
    kind: 'unified',
    livemode,
    publicId: unified.domainCode,
    secrets: { domainSecret: unified.domainSecret },
    now,
  });
  return {
    livemode,
    maxpay,
    paymax: {
      ...paymax,
      merchantPublicKeyPem,
      merchantPrivateKeyPem: merchant?.privateKeyPem,
      platformPublicKeyPem: platform.publicKeyPem,
    },
    unified,
  };
}
