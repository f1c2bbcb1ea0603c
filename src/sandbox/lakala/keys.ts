import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import { loadOrCreateSealedKeys } from '../_kit/sealed-keys.js';
import { validAround } from '../_kit/validity.js';
import { selfSignedCertificate } from '../wechatpay/x509.js';

/** The simulator's one sandbox merchant: what a merchant gets when Lakala opens its account. */
export interface SandboxMerchant {
  /** Open-platform access id, e.g. OP00000003. */
  appid: string;
  /** 银联商户号, e.g. 822100041120005. */
  merchantNo: string;
  /** 终端号 used by the labs (refund) endpoints, e.g. D9296400. */
  termNo: string;
  /** Serial of the merchant API certificate, lowercase hex (what `serial_no` carries). */
  serialNo: string;
  privateKeyPem: string;
  certificatePem: string;
}

/** Lakala's side: the platform key that signs answers and notifications, and its certificate. */
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
 * Loads the simulator's keys, generating them at first start: RSA-2048 merchant and
 * platform pairs, each with a self-signed certificate. Sealed with the master key, never
 * committed; concurrent first starts agree on one set (the first insert wins).
 */
export const loadOrCreateKeys = (ctx: SandboxContext): Promise<SandboxKeys> =>
  loadOrCreateSealedKeys(ctx, 'lklsim_keys', generateKeys);

/** A 9-byte serial like Lakala's (00dfba8194c41b84cf is 18 hex digits). */
function shortSerial(): Buffer {
  const serial = randomBytes(9);
  serial[0] = 0x10 + (serial[0] % 0x60);
  return serial;
}

function certified(commonName: string, now: Date) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = selfSignedCertificate({
    ...pair,
    commonName,
    organization: 'Juhe Sandbox',
    ...validAround(now, 5),
    serial: shortSerial(),
  });
  return {
    serial: certificate.serial.toLowerCase(),
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificatePem: certificate.pem,
  };
}

function generateKeys(now: Date): SandboxKeys {
  const merchant = certified('Juhe Sandbox Lakala Merchant', now);
  const platform = certified('Juhe Sandbox lkl-apigw', now);
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(0, 10)).join('');
  return {
    merchant: {
      appid: `OP${digits(8)}`,
      merchantNo: `8222${digits(11)}`,
      termNo: `D${digits(7)}`,
      serialNo: merchant.serial,
      privateKeyPem: merchant.privateKeyPem,
      certificatePem: merchant.certificatePem,
    },
    platform,
  };
}
