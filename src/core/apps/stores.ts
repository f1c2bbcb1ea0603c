import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
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
  /** The merchant of the store's app: its orders are numbered merchant-wide too (ord_mct_id). */
  merchantId: string;
}

function toStore(r: Record<string, any>): Store {
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
  params: { appId: string; name: string; livemode: boolean; shopPassword?: string },
): Promise<StoreWithKey> {
  const [app] = await q.query<{ merchant_id: string }>('SELECT merchant_id FROM apps WHERE id = $1', [
    params.appId,
  ]);
  if (!app) throw new Error(`no app ${params.appId}`);
  const store: StoreWithKey = {
    id: core.ids.next('store'),
    merchantId: app.merchant_id,
    appId: params.appId,
    name: params.name,
    livemode: params.livemode,
    openId: core.ids.secret(16).replace(/[^a-zA-Z0-9]/g, '0'),
    openKey: core.ids
      .secret(24)
      .replace(/[^a-zA-Z0-9]/g, '0')
      .slice(0, 32),
    createdAt: core.clock.now(),
  };
  const shopPassHash = await hashPassword(sha1Hex(params.shopPassword ?? '123456'));
  await q.query(
    `INSERT INTO stores (id, app_id, name, livemode, open_id, open_key_enc, shop_pass_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      store.id,
      store.appId,
      store.name,
      store.livemode,
      store.openId,
      core.box.seal(store.openKey),
      shopPassHash,
      store.createdAt,
    ],
  );
  return store;
}

export async function findStoreByOpenId(
  q: Queryable,
  box: SecretBox,
  openId: string,
): Promise<StoreWithKey | undefined> {
  const [row] = await q.query(
    'SELECT s.*, a.merchant_id FROM stores s JOIN apps a ON a.id = s.app_id WHERE s.open_id = $1',
    [openId],
  );
  return row
    ? { ...toStore(row), openKey: box.open(row.open_key_enc), merchantId: row.merchant_id }
    : undefined;
}

export async function findStore(q: Queryable, id: string): Promise<Store | undefined> {
  const [row] = await q.query('SELECT * FROM stores WHERE id = $1', [id]);
  return row ? toStore(row) : undefined;
}

export async function listStores(q: Queryable, appId?: string): Promise<Store[]> {
  const rows = appId
    ? await q.query('SELECT * FROM stores WHERE app_id = $1 ORDER BY created_at', [appId])
    : await q.query('SELECT * FROM stores ORDER BY created_at');
  return rows.map(toStore);
}

/** `shopPassSha1` is what the client sends: sha1hex(password). */
export async function verifyShopPass(q: Queryable, storeId: string, shopPassSha1: string): Promise<boolean> {
  const [row] = await q.query<{ shop_pass_hash: string }>('SELECT shop_pass_hash FROM stores WHERE id = $1', [
    storeId,
  ]);
  return row ? verifyPassword(shopPassSha1.toLowerCase(), row.shop_pass_hash) : false;
}
