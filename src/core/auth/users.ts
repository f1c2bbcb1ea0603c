import * as apiTokens from '../../db/api-tokens.js';
import { isUniqueViolation } from '../../db/db.js';
import * as sessions from '../../db/sessions.js';
import * as users from '../../db/users.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { assertLoginAllowed, recordLoginFailure, recordLoginSuccess } from './login-limits.js';
import { UNKNOWN_USER_HASH, hashPassword, passwordWork } from './passwords.js';
import type { Role } from './roles.js';
import { tokenHash } from './tokens.js';

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_TTL_SECONDS = SESSION_TTL_MS / 1000;

export async function createUser(
  core: Core,
  p: { email: string; password: string; role: string; name?: string },
) {
  const id = core.ids.next('user');
  const email = p.email.toLowerCase();
  try {
    await users.insertUser(core.db, {
      id,
      email,
      name: p.name ?? null,
      passwordHash: await hashPassword(p.password),
      role: p.role,
      createdAt: core.clock.now(),
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new JuheError('already_exists', `User ${p.email} exists`, 'email');
    throw error;
  }
  return { id, email, role: p.role };
}

/** Issues an API token; the plaintext is returned once and stored only as a hash. */
export async function createApiToken(core: Core, p: { userId: string; name: string; role: string }) {
  const id = core.ids.next('apiToken');
  const token = `jh_${core.ids.secret(24)}`;
  await apiTokens.insertApiToken(core.db, {
    id,
    userId: p.userId,
    name: p.name,
    tokenHash: tokenHash(token),
    role: p.role,
    createdAt: core.clock.now(),
  });
  return { id, name: p.name, role: p.role, token };
}

/** Signs a user in: a new session whose secret (the cookie) is returned once. */
export async function login(core: Core, email: string, password: string, ip: string) {
  const account = email.toLowerCase();
  assertLoginAllowed(core, ip, account);
  const user = await users.findActiveUserByEmail(core.db, account);
  // An unknown email still pays for one scrypt, so the answer's timing does not tell it apart.
  const matches = await passwordWork.verify(password, user?.password_hash ?? UNKNOWN_USER_HASH);
  if (!user || !matches) {
    recordLoginFailure(core, ip, account);
    throw new JuheError('invalid_credentials', 'Email or password is wrong');
  }
  recordLoginSuccess(core, account);
  const token = core.ids.secret(32);
  const now = core.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await sessions.insertSession(core.db, {
    id: core.ids.next('session'),
    tokenHash: tokenHash(token),
    userId: user.id,
    createdAt: now,
    expiresAt,
  });
  return { user: { id: user.id, email: email.toLowerCase(), role: user.role as Role }, token, expiresAt };
}

export async function logout(core: Core, sessionToken: string): Promise<void> {
  await sessions.deleteSessionByTokenHash(core.db, tokenHash(sessionToken));
}

export const findUserProfile = (core: Core, userId: string) => users.findUserProfile(core.db, userId);
export const listUsers = (core: Core) => users.listUsers(core.db);
export const listApiTokens = (core: Core, userId: string) => apiTokens.listApiTokensOfUser(core.db, userId);

export async function revokeApiToken(core: Core, id: string, userId: string): Promise<void> {
  if (!(await apiTokens.revokeApiToken(core.db, id, userId, core.clock.now()))) {
    throw new JuheError('not_found', 'No such API token', 'id');
  }
}
