import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import { loadOrCreateSealedKeys } from '../_kit/sealed-keys.js';
import { validAround } from '../_kit/validity.js';
import { selfSignedCertificate } from '../wechatpay/x509.js';

/**
 * The simulator's one REST app, as PayPal's developer dashboard shows it: client id and
 * secret, the webhook subscribed for the gateway (its id is part of every signed
 * message), and the merchant (payee) account; plus PayPal's side: the key that signs
 * webhooks and the certificate served at PAYPAL-CERT-URL.
 */
export interface PaypalSandboxKeys {
  clientId: string;
  clientSecret: string;
  webhookId: string;
  merchantId: string;
  merchantEmail: string;
  signing: { certId: string; privateKeyPem: string; certificatePem: string };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** PayPal-style upper-case alphanumeric ids: webhook ids, payer ids, merchant ids (13-17 chars). */
export function paypalId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/**
 * Loads the simulator's credentials, generating them on first start (RSA-2048 webhook
 * signing key with a self-signed certificate, random client secret). Sealed with the
 * master key; concurrent first starts agree on one set.
 */
export const loadOrCreatePaypalKeys = (ctx: SandboxContext): Promise<PaypalSandboxKeys> =>
  loadOrCreateSealedKeys(ctx, 'ppsim_keys', generateKeys);

function generateKeys(now: Date): PaypalSandboxKeys {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = selfSignedCertificate({
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    commonName: 'messageverificationcerts.sandbox.paypal.juhe.local',
    organization: 'Juhe Sandbox PayPal',
    ...validAround(now, 5),
  });
  return {
    clientId: 'A' + randomBytes(39).toString('base64url').slice(0, 79),
    clientSecret: 'E' + randomBytes(60).toString('base64url').slice(0, 79),
    webhookId: paypalId(17),
    merchantId: paypalId(13),
    merchantEmail: 'sb-merchant@business.example.com',
    signing: {
      certId: `CERT-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
      privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificatePem: certificate.pem,
    },
  };
}
