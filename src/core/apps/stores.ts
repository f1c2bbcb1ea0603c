import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { findApp } from '../../db/apps.js';
import { type Queryable, isUniqueViolation } from '../../db/db.js';
import type { Stores } from '../../db/schema.js';
import * as stores from '../../db/stores.js';
import { JuheError } from '../../domain/errors.js';
import { recordShopPassResult, shopPassRetryAfter } from '../auth/login-limits.js';
import { UNKNOWN_USER_HASH, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Core } from '../context.js';
import type { SecretBox } from '../secret-box.js';

export interface Store {
  id: string;
  appId: string;
  name: string;
  livemode: boolean;
  openId: string;
  createdAt: Date;
}

export interface StoreWithKey extends Store {
  openKey: string;
  /**
   * The open_key a rotation replaced, while its overlap window lasts: requests signed with
   * it still verify until `previousOpenKeyExpiresAt` (store-credentials.ts).
   */
  previousOpenKey?: { key: string; expiresAt: Date };
  /** The merchant of the store's app: its orders are numbered merchant-wide too (ord_mct_id). */
  merchantId: string;
}

function toStore(r: Selectable<Stores>): Store {
  return {
    id: r.id,
    appId: r.app_id,
    name: r.name,
    livemode: r.livemode,
    openId: r.open_id,
    createdAt: r.created_at,
  };
}

export const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');

/**
 * A store (shop) of an app, with the `store` dialect's credentials: open_id, a 32-char
 * open_key (the AES-256 key is its ASCII bytes) and the supervisor password, which
 * clients send as sha1(password): we keep a scrypt hash of that sha1.
 */
export async function createStore(
  q: Queryable,
  core: Core,
  params: {
    appId: string;
    name: string;
    livemode: boolean;
    shopPassword?: string;
    /** Imported credentials (import-credentials.ts), already checked; generated when absent. */
    openId?: string;
    openKey?: string;
    shopPassSha1?: string;
  },
): Promise<StoreWithKey> {
  const app = await findApp(q, params.appId);
  if (!app) throw new Error(`no app ${params.appId}`);
  const store: StoreWithKey = {
    id: core.ids.next('store'),
    merchantId: app.merchant_id,
    appId: params.appId,
    name: params.name,
    livemode: params.livemode,
    openId: params.openId ?? core.ids.secret(16).replace(/[^a-zA-Z0-9]/g, '0'),
    openKey:
      params.openKey ??
      core.ids
        .secret(24)
        .replace(/[^a-zA-Z0-9]/g, '0')
        .slice(0, 32),
    createdAt: core.clock.now(),
  };
  const shopPassHash = await hashPassword(params.shopPassSha1 ?? sha1Hex(params.shopPassword ?? '123456'));
  await stores.insertStore(q, {
    id: store.id,
    appId: store.appId,
    name: store.name,
    livemode: store.livemode,
    openId: store.openId,
    openKeyEnc: core.box.seal(store.openKey),
    shopPassHash,
    createdAt: store.createdAt,
  });
  return store;
}

export async function findStoreByOpenId(
  q: Queryable,
  box: SecretBox,
  openId: string,
): Promise<StoreWithKey | undefined> {
  const row = await stores.findStoreByOpenId(q, openId);
  if (!row) return undefined;
  const store: StoreWithKey = {
    ...toStore(row),
    openKey: box.open(row.open_key_enc),
    merchantId: row.merchant_id,
  };
  if (row.previous_open_key_enc && row.previous_open_key_expires_at) {
    store.previousOpenKey = {
      key: box.open(row.previous_open_key_enc),
      expiresAt: row.previous_open_key_expires_at,
    };
  }
  return store;
}

export async function findStore(q: Queryable, id: string): Promise<Store | undefined> {
  const row = await stores.findStore(q, id);
  return row ? toStore(row) : undefined;
}

export async function listStores(q: Queryable, appId?: string): Promise<Store[]> {
  return (await stores.listStores(q, appId)).map(toStore);
}

/**
 * `shopPassSha1` is what the client sends: sha1hex(password). After too many wrong tries in
 * a window the store must wait (`retryAfterSeconds`) and no scrypt runs: six wrong
 * passwords a second used to be enough to take the whole CPU.
 */
export async function verifyShopPass(
  core: Core,
  storeId: string,
  shopPassSha1: string,
): Promise<{ ok: boolean; retryAfterSeconds?: number }> {
  const wait = shopPassRetryAfter(core, storeId);
  if (wait > 0) return { ok: false, retryAfterSeconds: wait };
  const hash = await stores.findShopPassHash(core.db, storeId);
  const ok = await verifyPassword(shopPassSha1.toLowerCase(), hash ?? UNKNOWN_USER_HASH);
  const right = ok && Boolean(hash);
  recordShopPassResult(core, storeId, right);
  return { ok: right };
}

/** A store with its cashiers and terminals, for the console. */
export async function findStoreDetail(q: Queryable, id: string) {
  const store = await findStore(q, id);
  if (!store) return undefined;
  return { store, cashiers: await stores.listCashiers(q, id), terminals: await stores.listTerminals(q, id) };
}

/**
 * Adds a cashier (by name) or a terminal (by serial) to a store; a name or serial already
 * used in the store is `already_exists` on that field.
 */
export async function addStoreMember(
  core: Core,
  storeId: string,
  member: { kind: 'cashier'; name: string } | { kind: 'terminal'; serial: string },
): Promise<string> {
  if (!(await findStore(core.db, storeId))) throw new JuheError('store_not_found', undefined, 'id');
  const id = core.ids.next(member.kind);
  const createdAt = core.clock.now();
  try {
    if (member.kind === 'cashier')
      await stores.insertCashier(core.db, { id, storeId, name: member.name, createdAt });
    else await stores.insertTerminal(core.db, { id, storeId, serial: member.serial, createdAt });
  } catch (error) {
    const field = member.kind === 'cashier' ? 'name' : 'serial';
    if (isUniqueViolation(error)) throw new JuheError('already_exists', `${field} already used`, field);
    throw error;
  }
  return id;
}

/** Disables or re-enables a store's cashier or terminal (kept, since orders name them). */
export async function setStoreMemberEnabled(
  core: Core,
  storeId: string,
  kind: 'cashier' | 'terminal',
  memberId: string,
  enabled: boolean,
): Promise<void> {
  const table = kind === 'cashier' ? 'cashiers' : 'terminals';
  const at = enabled ? null : core.clock.now();
  if (!(await stores.setStoreMemberDisabled(core.db, table, storeId, memberId, at))) {
    throw new JuheError('not_found', `No such ${kind} in this store`, 'member');
  }
}

export async function renameStore(core: Core, id: string, name: string): Promise<void> {
  if (!(await stores.renameStore(core.db, id, name))) throw new JuheError('store_not_found', undefined, 'id');
}
