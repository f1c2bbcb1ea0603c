import { generateKeyPairSync, randomInt } from 'node:crypto';
import type { KeyBox, SandboxContext } from '../_kit/context.js';
import type { Queryable } from '../../db/db.js';
import { type AppRow, appRow, defaultAppRow, insertApp } from './repository.js';

/** A simulated Alipay app: the merchant's key pair (private half only when generated here) and "Alipay's". */
export interface SandboxAlipayApp {
  appId: string;
  isDefault: boolean;
  appPublicKey: string;
  appPrivateKey: string | null;
  alipayPrivateKey: string;
  alipayPublicKey: string;
}

/**
 * RSA-2048 pair in the PEM forms Alipay's own key tool hands out: PKCS#1 for the
 * private key (what alipay-sdk expects by default) and SPKI for the public key.
 */
export function rsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

/** Sandbox app ids look like Alipay's own sandbox ones: 16 digits starting 9021. */
function sandboxAppId(): string {
  return `9021${String(randomInt(0, 1_000_000)).padStart(6, '0')}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

function toApp(box: KeyBox, r: AppRow): SandboxAlipayApp {
  return {
    appId: r.app_id,
    isDefault: r.is_default,
    appPublicKey: r.app_public_key,
    appPrivateKey: r.app_private_key_enc ? box.open(r.app_private_key_enc) : null,
    alipayPrivateKey: box.open(r.alipay_private_key_enc),
    alipayPublicKey: r.alipay_public_key,
  };
}

export async function findSandboxApp(
  q: Queryable,
  box: KeyBox,
  appId: string,
): Promise<SandboxAlipayApp | undefined> {
  const row = await appRow(q, appId);
  return row ? toApp(box, row) : undefined;
}

/**
 * Registers a simulated app. With a merchant public key (from a channel config the
 * merchant made with its own key pair) only Alipay's pair is generated; without one,
 * both are, and the merchant private key is kept sealed so the sandbox can act as the
 * merchant too.
 */
export async function createSandboxApp(
  ctx: SandboxContext,
  options: { appPublicKey?: string; isDefault?: boolean; appId?: string } = {},
): Promise<SandboxAlipayApp> {
  const merchant = options.appPublicKey ? null : rsaKeyPair();
  const alipay = rsaKeyPair();
  const app: SandboxAlipayApp = {
    appId: options.appId ?? sandboxAppId(),
    isDefault: options.isDefault ?? false,
    appPublicKey: options.appPublicKey ?? merchant!.publicKey,
    appPrivateKey: merchant?.privateKey ?? null,
    alipayPrivateKey: alipay.privateKey,
    alipayPublicKey: alipay.publicKey,
  };
  const inserted = await insertApp(ctx.db, {
    app_id: app.appId,
    is_default: app.isDefault,
    app_public_key: app.appPublicKey,
    app_private_key_enc: app.appPrivateKey ? ctx.box.seal(app.appPrivateKey) : null,
    alipay_private_key_enc: ctx.box.seal(app.alipayPrivateKey),
    alipay_public_key: app.alipayPublicKey,
    created_at: ctx.clock.now(),
  });
  if (!inserted && options.isDefault) {
    // Another node created the default app first: use theirs.
    return (await loadDefault(ctx))!;
  }
  if (!inserted) throw new Error(`sandbox app ${app.appId} already exists`);
  return app;
}

/** The default app if it was created already (never creates one). */
export async function loadDefault(ctx: SandboxContext): Promise<SandboxAlipayApp | undefined> {
  const row = await defaultAppRow(ctx.db);
  return row ? toApp(ctx.box, row) : undefined;
}

const defaults = new WeakMap<SandboxContext, Promise<SandboxAlipayApp>>();

/**
 * The default sandbox app, generated at first start and reused afterwards (keys are
 * never committed or configured: they exist only sealed in this database).
 */
export function defaultSandboxApp(ctx: SandboxContext): Promise<SandboxAlipayApp> {
  let app = defaults.get(ctx);
  if (!app) {
    app = loadDefault(ctx).then((found) => found ?? createSandboxApp(ctx, { isDefault: true }));
    app.catch(() => defaults.delete(ctx));
    defaults.set(ctx, app);
  }
  return app;
}
