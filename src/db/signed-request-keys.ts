import type { Queryable } from './db.js';
import { rows, sql } from './sql.js';

/**
 * Claims a signed request's key (a nonce, a signature's hash) in `scope` until `expiresAt`
 * (migration 0470's table): true the first time, false while an earlier claim is alive,
 * whichever node saw it. The primary key decides a race between nodes: one insert wins. An
 * expired row is taken over, since a request that old is refused by its window check first.
 */
export async function claimRequestKey(
  q: Queryable,
  scope: string,
  key: string,
  seenAt: Date,
  expiresAt: Date,
): Promise<boolean> {
  const claimed = await rows(
    q,
    sql
      .insertInto('signed_request_keys')
      .values({ scope, key, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .columns(['scope', 'key'])
          .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
          .where('signed_request_keys.expires_at', '<=', seenAt),
      )
      .returning('key'),
  );
  return claimed.length === 1;
}

/** Gives a claim back: the request it guarded was refused, so sending it again is no replay. */
export async function releaseRequestKey(q: Queryable, scope: string, key: string): Promise<void> {
  await rows(q, sql.deleteFrom('signed_request_keys').where('scope', '=', scope).where('key', '=', key));
}

/** Deletes the claims expired at `now` (found by the expiry index); returns how many went. */
export async function pruneRequestKeys(q: Queryable, now: Date): Promise<number> {
  const deleted = await rows(
    q,
    sql.deleteFrom('signed_request_keys').where('expires_at', '<', now).returning('key'),
  );
  return deleted.length;
}
