import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** API tokens: bearer secrets stored only as their hash, each with its own role. */
export async function insertApiToken(
  q: Queryable,
  t: { id: string; userId: string; name: string; tokenHash: string; role: string; createdAt: Date },
): Promise<void> {
  await rows(
    q,
    sql.insertInto('api_tokens').values({
      id: t.id,
      user_id: t.userId,
      name: t.name,
      token_hash: t.tokenHash,
      role: t.role,
      created_at: t.createdAt,
    }),
  );
}

/** The unrevoked token of an enabled user with this hash. */
export function findActiveToken(q: Queryable, tokenHash: string) {
  return firstRow(
    q,
    sql
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id', 't.user_id', 't.role', 't.last_used_at'])
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .where('u.disabled_at', 'is', null),
  );
}

/** Records a use, unless one at or after `notBefore` is already recorded (another node's). */
export async function touchApiToken(q: Queryable, id: string, now: Date, notBefore: Date): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore)])),
  );
}

export function listApiTokensOfUser(q: Queryable, userId: string) {
  return rows(
    q,
    sql
      .selectFrom('api_tokens')
      .select(['id', 'name', 'role', 'created_at', 'last_used_at', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at'),
  );
}

/** Revokes the user's own live token; false when there is none with this id. */
export async function revokeApiToken(q: Queryable, id: string, userId: string, now: Date): Promise<boolean> {
  const revoked = await rows(
    q,
    sql
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id'),
  );
  return revoked.length > 0;
}

/** Revokes a user's live tokens whose role is not among `keep` (a token never exceeds its owner). */
export async function revokeTokensOfUserExcept(
  q: Queryable,
  userId: string,
  keep: readonly string[],
  now: Date,
): Promise<string[]> {
  let query = sql
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keep.length > 0) query = query.where('role', 'not in', keep);
  return (await rows(q, query.returning('id'))).map((r) => r.id);
}
