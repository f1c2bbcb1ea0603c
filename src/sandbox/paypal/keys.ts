import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Core } from '../../core/context.js';
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

const KEY_ROW = 'default';
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
export async function loadOrCreatePaypalKeys(core: Core): Promise<PaypalSandboxKeys> {
  const existing = await readKeys(core);
  if (existing) return existing;
  await core.db.query(
    'INSERT INTO ppsim_keys (id, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
    [KEY_ROW, core.box.sealJson(generateKeys(core.clock.now())), core.clock.now()],
  );
  return (await readKeys(core))!;
}

async function readKeys(core: Core): Promise<PaypalSandboxKeys | undefined> {
  const [row] = await core.db.query<{ sealed: string }>('SELECT sealed FROM ppsim_keys WHERE id = $1', [
    KEY_ROW,
  ]);
  return row ? core.box.openJson<PaypalSandboxKeys>(row.sealed) : undefined;
}

function generateKeys(now: Date): PaypalSandboxKeys {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const year = 365 * 24 * 60 * 60 * 1000;
  // Valid around both the business clock (tests move it by hand) and the wall clock.
  const wall = new Date();
  const certificate = selfSignedCertificate({
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    commonName: 'messageverificationcerts.sandbox.paypal.juhe.local',
    organization: 'Juhe Sandbox PayPal',
    notBefore: new Date(Math.min(now.getTime(), wall.getTime()) - 24 * 60 * 60 * 1000),
    notAfter: new Date(Math.max(now.getTime(), wall.getTime()) + 5 * year),
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
