import { findApp } from '../../db/apps.js';
import type { Queryable } from '../../db/db.js';
import {
  type StoreQrCodeRow,
  findStoreQrCode,
  insertStoreQrCode,
  listStoreQrCodes,
} from '../../db/store-qr-codes.js';
import { JuheError } from '../../domain/errors.js';
import { type Store, findStore } from '../apps/stores.js';
import type { Core } from '../context.js';

export type StoreQrCode = StoreQrCodeRow;

/** A store's code with what the scan page and the order need: the store and its merchant. */
export interface StoreQrTarget {
  code: StoreQrCode;
  store: Store;
  merchantId: string;
}

const QRC_ID = /^qrc_[0-9a-f]{24}$/;

/**
 * A new aggregated QR code (一码付) for a store, or for one of its desks or terminals
 * (`label`). Its id is what the printed code points at (/q/<id>) and what the store API
 * reports as qrc_id; it is random, so codes cannot be enumerated.
 */
export async function createStoreQrCode(
  core: Core,
  storeId: string,
  label: string | null,
): Promise<StoreQrCode> {
  if (!(await findStore(core.db, storeId))) throw new JuheError('store_not_found', undefined, 'id');
  const code: StoreQrCode = {
    id: `qrc_${core.ids.next('store').slice(4)}`,
    storeId,
    label,
    createdAt: core.clock.now(),
  };
  await insertStoreQrCode(core.db, code);
  return code;
}

export async function storeQrCodes(q: Queryable, storeId: string): Promise<StoreQrCode[]> {
  return listStoreQrCodes(q, storeId);
}

/** The code an id names, with its store; undefined for an unknown or malformed id. */
export async function storeQrTarget(q: Queryable, id: string): Promise<StoreQrTarget | undefined> {
  if (!QRC_ID.test(id)) return undefined;
  const code = await findStoreQrCode(q, id);
  if (!code) return undefined;
  const store = await findStore(q, code.storeId);
  const app = store ? await findApp(q, store.appId) : undefined;
  if (!store || !app) return undefined;
  return { code, store, merchantId: app.merchant_id };
}
