import type { Queryable } from '../../db/db.js';
import { lockStoreKeys, replaceOpenKey, updateShopPassHash } from '../../db/store-keys.js';
import { JuheError } from '../../domain/errors.js';
import { hashPassword } from '../auth/passwords.js';
import type { Core } from '../context.js';
import { forgetAppCredentials } from './credential-cache.js';
import { sha1Hex } from './stores.js';

/** How long a replaced open_key keeps working when the rotation names no window: a day. */
export const DEFAULT_OPEN_KEY_OVERLAP_MINUTES = 24 * 60;
/** A week at most: an old key that works for longer is not rotated, only renamed. */
export const MAX_OPEN_KEY_OVERLAP_MINUTES = 7 * 24 * 60;

export function newOpenKey(core: Core): string {
  // 24 random bytes are 32 base64url characters; the AES key is their ASCII bytes.
  return core.ids
    .secret(24)
    .replace(/[^a-zA-Z0-9]/g, '0')
    .slice(0, 32);
}

/**
 * Replaces a store's open_key, in `q`'s transaction with the store's row locked. The key it
 * replaces keeps verifying requests for `overlapMinutes` (0: it stops at once), so a shop's
 * tills can be moved to the new key one by one. Only one old key overlaps: rotating again
 * within a window ends the earlier key's window at once. `openKey` imports a key chosen
 * elsewhere (already checked by openKeyOf); otherwise one is generated.
 */
export async function rotateOpenKey(
  q: Queryable,
  core: Core,
  p: { storeId: string; overlapMinutes?: number; openKey?: string },
): Promise<{
  storeId: string;
  appId: string;
  openId: string;
  openKey: string;
  previousExpiresAt: Date | null;
}> {
  const row = await lockStoreKeys(q, p.storeId);
  if (!row) throw new JuheError('store_not_found', undefined, 'id');
  const overlap = p.overlapMinutes ?? DEFAULT_OPEN_KEY_OVERLAP_MINUTES;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_OPEN_KEY_OVERLAP_MINUTES) {
    throw new JuheError(
      'invalid_parameter',
      `overlap_minutes must be a whole number from 0 to ${MAX_OPEN_KEY_OVERLAP_MINUTES}`,
      'overlap_minutes',
    );
  }
  const openKey = p.openKey ?? newOpenKey(core);
  if (openKey === core.box.open(row.open_key_enc)) {
    throw new JuheError('invalid_parameter', 'open_key must differ from the current key', 'open_key');
  }
  const previousExpiresAt = overlap > 0 ? new Date(core.clock.now().getTime() + overlap * 60_000) : null;
  await replaceOpenKey(q, p.storeId, {
    openKeyEnc: core.box.seal(openKey),
    previousOpenKeyEnc: previousExpiresAt ? row.open_key_enc : null,
    previousExpiresAt,
  });
  return { storeId: row.id, appId: row.app_id, openId: row.open_id, openKey, previousExpiresAt };
}

/**
 * Sets a store's supervisor password (payrefund's shop_pass), hashed as createStore hashes
 * it: clients send sha1hex(password), and we keep a scrypt hash of that sha1. `passwordSha1`
 * imports the sha1 an existing client base already holds when the password itself is unknown.
 */
export async function changeShopPassword(
  q: Queryable,
  core: Core,
  p: { storeId: string; password?: string; passwordSha1?: string },
): Promise<void> {
  const sha1 = p.passwordSha1?.toLowerCase() ?? (p.password !== undefined ? sha1Hex(p.password) : undefined);
  if (!sha1) throw new JuheError('missing_parameter', 'password or password_sha1 is required', 'password');
  if (!(await updateShopPassHash(q, p.storeId, await hashPassword(sha1)))) {
    throw new JuheError('store_not_found', undefined, 'id');
  }
}

/** After a store's keys changed: this node forgets the store at once (others within the cache TTL). */
export function forgetStoreKeys(core: Core, appId: string): void {
  forgetAppCredentials(core, appId);
}
