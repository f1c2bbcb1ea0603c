import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Console users: people who sign in with an email and a password. */
export interface UserInsert {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string;
  role: string;
  createdAt: Date;
}

export async function insertUser(q: Queryable, u: UserInsert): Promise<void> {
  await rows(
    q,
    sql.insertInto('users').values({
      id: u.id,
      email: u.email,
      name: u.name,
      password_hash: u.passwordHash,
      role: u.role,
      created_at: u.createdAt,
    }),
  );
}

/** The user who may sign in with this (lower-cased) email: disabled users may not. */
export function findActiveUserByEmail(q: Queryable, email: string) {
  return firstRow(
    q,
    sql
      .selectFrom('users')
      .select(['id', 'password_hash', 'role'])
      .where('email', '=', email)
      .where('disabled_at', 'is', null),
  );
}

export function findUserProfile(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('users').select(['id', 'email', 'name', 'role']).where('id', '=', id));
}

export function listUsers(q: Queryable) {
  return rows(
    q,
    sql
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role', 'created_at', 'disabled_at'])
      .orderBy('created_at'),
  );
}

/** Whether anyone has been set up to sign in (the demo seeds only a database with nobody). */
export async function anyUserExists(q: Queryable): Promise<boolean> {
  const row = await firstRow(q, sql.selectFrom('users').select('id').limit(1));
  return row !== undefined;
}

/** A user as an administrator manages it (role, enabled), locked for the change. */
export function lockUser(q: Queryable, id: string) {
  return firstRow(
    q,
    sql
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role', 'created_at', 'disabled_at'])
      .where('id', '=', id)
      .forUpdate(),
  );
}

export async function updateUser(
  q: Queryable,
  id: string,
  patch: { role?: string; name?: string | null; disabledAt?: Date | null },
) {
  return firstRow(
    q,
    sql
      .updateTable('users')
      .set({
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.disabledAt !== undefined ? { disabled_at: patch.disabledAt } : {}),
      })
      .where('id', '=', id)
      .returning(['id', 'email', 'name', 'role', 'created_at', 'disabled_at']),
  );
}
