import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { tokenHash } from '../../core/auth/tokens.js';
import type { Core } from '../../core/context.js';
import type { Queryable } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';
import { TtlCache } from '../../core/ttl-cache.js';

export const ROLES = ['owner', 'admin', 'developer', 'finance', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'read'
  | 'charges.write'
  | 'refunds.write'
  | 'apps.write'
  | 'keys.reveal'
  | 'channels.write'
  | 'webhooks.write'
  | 'users.write'
  | 'audit.read'
  | 'test_helpers';

/**
 * Who may do what. Finance moves money back (refunds, cancels) and reads the audit log;
 * developers wire integrations (apps, keys, channels, webhooks, test helpers) but cannot
 * refund; viewers only read. Owners and admins may do everything.
 */
const ALL_PERMISSIONS: readonly Permission[] = [
  'read',
  'charges.write',
  'refunds.write',
  'apps.write',
  'keys.reveal',
  'channels.write',
  'webhooks.write',
  'users.write',
  'audit.read',
  'test_helpers',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: ALL_PERMISSIONS,
  admin: ALL_PERMISSIONS,
  developer: [
    'read',
    'charges.write',
    'apps.write',
    'keys.reveal',
    'channels.write',
    'webhooks.write',
    'test_helpers',
  ],
  finance: ['read', 'charges.write', 'refunds.write', 'audit.read'],
  viewer: ['read'],
};

export interface Actor {
  type: 'user' | 'token';
  id: string;
  userId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export const SESSION_COOKIE = 'juhe_session';

const identities = new WeakMap<Core, TtlCache<Actor>>();

function identityCache(core: Core): TtlCache<Actor> {
  let cache = identities.get(core);
  if (!cache) identities.set(core, (cache = new TtlCache<Actor>()));
  return cache;
}

/** Forgets cached identities at once on this node (token revoked, logout). */
export function forgetIdentity(core: Core, match: { actorId?: string; credentialHash?: string }): void {
  identityCache(core).evict(
    (actor, key) =>
      (match.actorId !== undefined && actor.id === match.actorId) || key.endsWith(`:${match.credentialHash}`),
  );
}

/** Reads the session cookie or the bearer token; sets request.actor. Does not reject. */
export async function identify(core: Core, request: FastifyRequest): Promise<Actor | undefined> {
  const header = request.headers.authorization;
  const cookie = header ? undefined : readCookie(request.headers.cookie, SESSION_COOKIE);
  const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : cookie;
  if (!secret) return undefined;
  const key = `${header ? 'bearer' : 'session'}:${tokenHash(secret)}`;
  const cache = identityCache(core);
  const now = core.clock.now();
  const cached = cache.get(key, now.getTime());
  if (cached) return cached;
  const actor = header
    ? await tokenActor(core, tokenHash(secret))
    : await sessionActor(core, tokenHash(secret));
  if (actor) cache.set(key, actor, now.getTime());
  return actor;
}

async function tokenActor(core: Core, hash: string): Promise<Actor | undefined> {
  const [row] = await core.db.query<{ id: string; user_id: string; role: Role; last_used_at: Date | null }>(
    `SELECT t.id, t.user_id, t.role, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
    [hash],
  );
  if (!row) return undefined;
  touchToken(core, row.id, row.last_used_at);
  return { type: 'token', id: row.id, userId: row.user_id, role: row.role };
}

async function sessionActor(core: Core, hash: string): Promise<Actor | undefined> {
  const [row] = await core.db.query<{ id: string; user_id: string; role: Role }>(
    `SELECT s.id, s.user_id, u.role FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [hash, core.clock.now()],
  );
  return row ? { type: 'user', id: row.user_id, userId: row.user_id, role: row.role } : undefined;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * Records when a token was last used, at most once a minute and off the request path:
 * writing the row on every request would serialise all callers of one token on its lock.
 */
function touchToken(core: Core, id: string, lastUsedAt: Date | null): void {
  const now = core.clock.now();
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < TOUCH_EVERY_MS) return;
  core.db
    .query(
      'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)',
      [id, now, new Date(now.getTime() - TOUCH_EVERY_MS)],
    )
    .catch((error) => core.log.warn({ err: error }, 'could not record token use'));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** preHandler: 401 without an identity, 403 when the role lacks the permission. */
export function requirePermission(permission: Permission): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    if (!request.actor) throw new JuheError('unauthenticated');
    if (!ROLE_PERMISSIONS[request.actor.role].includes(permission)) {
      throw new JuheError('forbidden', `Role ${request.actor.role} may not ${permission}`);
    }
  };
}

/** Appends to the audit log: who did what to which object, from where. */
export async function audit(
  q: Queryable,
  core: Core,
  request: FastifyRequest,
  action: string,
  target: { type: string; id: string } | null,
  data: Record<string, unknown> = {},
): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (id, actor_type, actor_id, action, target_type, target_id, data, ip, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      core.ids.next('audit'),
      request.actor?.type ?? 'anonymous',
      request.actor?.id ?? null,
      action,
      target?.type ?? null,
      target?.id ?? null,
      JSON.stringify(data),
      request.ip,
      core.clock.now(),
    ],
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
