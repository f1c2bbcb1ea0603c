import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import type { Core } from '../../core/context.js';
import { nonce } from '../../channels/wechatpay/protocol.js';
import { randomSerial, selfSignedCertificate } from './x509.js';

/** The simulator's one sandbox merchant: what a merchant gets from WeChat Pay's console. */
export interface SandboxMerchant {
  mchid: string;
  appid: string;
  /** Serial number of the merchant API certificate (the key below). */
  serialNo: string;
  privateKeyPem: string;
  publicKeyPem: string;
  /** API v3 key: AES-256-GCM key of callback resources (32 ASCII characters). */
  apiV3Key: string;
  /** API v2 key: MD5 / HMAC-SHA256 sign key of v2 XML calls (32 ASCII characters). */
  apiV2Key: string;
}

/** WeChat Pay's side: the platform key that signs responses and callbacks, and its certificate. */
export interface SandboxPlatform {
  serial: string;
  privateKeyPem: string;
  certificatePem: string;
}

export interface SandboxKeys {
  merchant: SandboxMerchant;
  platform: SandboxPlatform;
}

const KEY_ROW = 'default';

/**
 * Loads the simulator's keys, generating them on first start (RSA-2048 pairs, a self-signed
 * platform certificate, random API v2/v3 keys). They are sealed with the master key and
 * never leave the database in plaintext; concurrent first starts agree on one set.
 */
export async function loadOrCreateKeys(core: Core): Promise<SandboxKeys> {
  const existing = await readKeys(core);
  if (existing) return existing;
  const generated = generateKeys(core.clock.now());
  await core.db.query(
    'INSERT INTO wxsim_keys (id, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
    [KEY_ROW, core.box.sealJson(generated), core.clock.now()],
  );
  return (await readKeys(core))!;
}

async function readKeys(core: Core): Promise<SandboxKeys | undefined> {
  const [row] = await core.db.query<{ sealed: string }>('SELECT sealed FROM wxsim_keys WHERE id = $1', [
    KEY_ROW,
  ]);
  return row ? core.box.openJson<SandboxKeys>(row.sealed) : undefined;
}

function generateKeys(now: Date): SandboxKeys {
  const merchantPair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const platformPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const year = 365 * 24 * 60 * 60 * 1000;
  // Valid from a day before the wall clock's now: tests run on a hand-moved business clock.
  const wall = new Date();
  const from = new Date(Math.min(now.getTime(), wall.getTime()) - 24 * 60 * 60 * 1000);
  const certificate = selfSignedCertificate({
    privateKey: platformPair.privateKey,
    publicKey: platformPair.publicKey,
    commonName: 'Juhe Sandbox WeChat Pay Platform',
    organization: 'Juhe Sandbox',
    notBefore: from,
    notAfter: new Date(Math.max(now.getTime(), wall.getTime()) + 5 * year),
  });
  return {
    merchant: {
      mchid: String(1_900_000_000 + randomInt(0, 99_999_999)),
      appid: 'wx' + randomBytes(8).toString('hex'),
      serialNo: randomSerial().toString('hex').toUpperCase(),
      privateKeyPem: merchantPair.privateKey,
      publicKeyPem: merchantPair.publicKey,
      apiV3Key: nonce(32),
      apiV2Key: nonce(32),
    },
    platform: {
      serial: certificate.serial,
      privateKeyPem: platformPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificatePem: certificate.pem,
    },
  };
}
