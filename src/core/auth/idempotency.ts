import * as keys from '../../db/idempotency-keys.js';
import type { Core } from '../context.js';

const KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Claims an admin `Idempotency-Key` for an actor (an expired claim is dropped first). When
 * another request holds it, `stored` is that request's hash and, once answered, its response.
 */
export async function claimIdempotencyKey(
  core: Core,
  c: { actor: string; key: string; method: string; path: string; requestHash: string },
) {
  const now = core.clock.now();
  await keys.deleteExpiredKey(core.db, c.actor, c.key, now);
  const claimed = await keys.claimKey(core.db, {
    ...c,
    createdAt: now,
    expiresAt: new Date(now.getTime() + KEY_TTL_MS),
  });
  if (claimed) return { claimed: true as const };
  return { claimed: false as const, stored: await keys.findKey(core.db, c.actor, c.key) };
}

export const releaseIdempotencyKey = (core: Core, actor: string, key: string) =>
  keys.releaseKey(core.db, actor, key);

export const storeIdempotentResponse = (
  core: Core,
  actor: string,
  key: string,
  status: number,
  body: string,
) => keys.storeResponse(core.db, actor, key, status, body);
