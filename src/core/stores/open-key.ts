import { sealedOpenKey } from '../../db/store-keys.js';
import type { Core } from '../context.js';

/** A store's open_key (it signs the store dialect's callbacks and jump URLs), or null for no such store. */
export async function storeOpenKey(core: Pick<Core, 'db' | 'box'>, storeId: string): Promise<string | null> {
  const sealed = await sealedOpenKey(core.db, storeId);
  return sealed === undefined ? null : core.box.open(sealed);
}
