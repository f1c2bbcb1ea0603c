import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Console sessions: the cookie's secret is stored only as its hash. */
export async function insertSession(
  q: Queryable,
  s: { id: string; tokenHash: string; userId: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await rows(
    q,
    sql.insertInto('sessions').values({
      id: s.id,
      token_hash: s.tokenHash,
      user_id: s.userId,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    }),
  );
}

export async function deleteSessionByTokenHash(q: Queryable, tokenHash: string): Promise<void> {
  await rows(q, sql.deleteFrom('sessions').where('token_hash', '=', tokenHash));
}

/** The live session's user and role, if the session has not expired and the user is enabled. */
export function findSessionUser(q: Queryable, tokenHash: string, now: Date) {
  return firstRow(
    q,
    sql
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.user_id', 'u.role'])
      .where('s.token_hash', '=', tokenHash)
      .where('s.expires_at', '>', now)
      .where('u.disabled_at', 'is', null),
  );
}

/** Signs a user out everywhere (disabled, or their role changed). */
export async function deleteSessionsOfUser(q: Queryable, userId: string): Promise<void> {
  await rows(q, sql.deleteFrom('sessions').where('user_id', '=', userId));
}
