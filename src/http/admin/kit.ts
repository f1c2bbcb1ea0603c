import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { type Actor, sessionActor, tokenActor } from '../../core/auth/actors.js';
import { recordAudit } from '../../core/auth/audit.js';
import type { Role } from '../../core/auth/roles.js';
import { tokenHash } from '../../core/auth/tokens.js';
import type { Core } from '../../core/context.js';
import type { Queryable } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';
import { TtlCache } from '../../core/ttl-cache.js';

export { ROLES, type Role } from '../../core/auth/roles.js';
export type { Actor } from '../../core/auth/actors.js';

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

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeCookieValue(value.join('='));
  }
  return undefined;
}

/** A malformed percent-encoding (`%ZZ`) is no session, not a thrown URIError. */
function decodeCookieValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
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
  await recordAudit(q, core, { actor: request.actor, ip: request.ip, action, target, data });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
