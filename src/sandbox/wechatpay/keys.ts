import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import { nonce } from './sign.js';
import { loadOrCreateSealedKeys } from '../_kit/sealed-keys.js';
import { validAround } from '../_kit/validity.js';
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

/**
 * Loads the simulator's keys, generating them on first start (RSA-2048 pairs, a self-signed
 * platform certificate, random API v2/v3 keys). They are sealed with the master key and
 * never leave the database in plaintext; concurrent first starts agree on one set.
 */
export const loadOrCreateKeys = (ctx: SandboxContext): Promise<SandboxKeys> =>
  loadOrCreateSealedKeys(ctx, 'wxsim_keys', generateKeys);

function generateKeys(now: Date): SandboxKeys {
  const merchantPair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const platformPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = selfSignedCertificate({
    privateKey: platformPair.privateKey,
    publicKey: platformPair.publicKey,
    commonName: 'Juhe Sandbox WeChat Pay Platform',
    organization: 'Juhe Sandbox',
    ...validAround(now, 5),
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
