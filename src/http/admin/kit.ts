import { readCookie } from '../../domain/cookies.js';

import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, RouteOptions, preHandlerAsyncHookHandler } from 'fastify';
import { type Actor, sessionActor, tokenActor } from '../../core/auth/actors.js';
import { recordAudit } from '../../core/auth/audit.js';
import { type Permission, roleAllows } from '../../core/auth/permissions.js';
import { tokenHash } from '../../core/auth/tokens.js';
import { csrfTokenMatches } from '../../core/auth/csrf.js';
import type { Core } from '../../core/context.js';
import type { Queryable } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';
import { TtlCache } from '../../core/ttl-cache.js';

export { ROLES, type Role } from '../../core/auth/roles.js';
export type { Actor } from '../../core/auth/actors.js';

export { canGrant, type Permission } from '../../core/auth/permissions.js';

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
export function forgetIdentity(
  core: Core,
  match: { actorId?: string; credentialHash?: string; userId?: string },
): void {
  identityCache(core).evict(
    (actor, key) =>
      (match.actorId !== undefined && actor.id === match.actorId) ||
      (match.userId !== undefined && actor.userId === match.userId) ||
      key.endsWith(`:${match.credentialHash}`),
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

/** The permission a route's preHandler demands, so tests and docs can read it back from the route. */
const declared = new WeakMap<object, Permission>();

export function declaredPermission(...hooks: unknown[]): Permission | undefined {
  for (const h of hooks.flat()) if (typeof h === 'function' && declared.has(h)) return declared.get(h);
  return undefined;
}

/** preHandler: 401 without an identity, 403 when the role lacks the permission. */
export function requirePermission(permission: Permission): preHandlerAsyncHookHandler {
  const check = async function (request: FastifyRequest, _reply: FastifyReply) {
    if (!request.actor) throw new JuheError('unauthenticated');
    if (!roleAllows(request.actor.role, permission)) {
      throw new JuheError('forbidden', `Role ${request.actor.role} may not ${permission}`);
    }
  };
  declared.set(check, permission);
  return check;
}

/**
 * onRoute hook: runs each route's permission check before body validation, so a caller
 * without the right gets 401/403 and never learns the route's schema from a 400.
 */
export function guardBeforeValidation(route: RouteOptions): void {
  const permission = declaredPermission(route.preHandler);
  if (!permission) return;
  const preHandlers = [route.preHandler].flat().filter((h) => h && !declared.has(h));
  route.preHandler = preHandlers as RouteOptions['preHandler'];
  route.preValidation = [requirePermission(permission), ...[route.preValidation ?? []].flat()];
}

/**
 * onRoute hook: a query parameter a route does not know is a 400 naming it, not silently
 * ignored (`?method=wx` or `?refunded=partial` on a route without those filters would
 * otherwise answer an unfiltered list that looks filtered).
 */
export function refuseUnknownQueryParameters(route: RouteOptions): void {
  const schema = route.schema as { querystring?: Record<string, unknown> } | undefined;
  if (!schema?.querystring || schema.querystring.additionalProperties !== undefined) return;
  schema.querystring = { ...schema.querystring, additionalProperties: false };
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * onRequest, after identify: CSRF protection for the console. A change made with the session
 * cookie must carry the session's CSRF token (`x-csrf-token`, from /login or /me), which
 * another site cannot read, and must not come from another origin (Origin and
 * Sec-Fetch-Site, which browsers set and pages cannot forge). Login itself has no session yet:
 * the origin check alone keeps another site from logging a victim into its account.
 * Requests with an Authorization header are exempt: a browser never adds one on its own.
 */
export function refuseCrossSiteChange(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method) || request.headers.authorization) return;
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
  const origin = request.headers.origin;
  if (crossSite || (origin !== undefined && !sameOrigin(origin, request.headers.host))) {
    throw new JuheError('forbidden', 'Cross-origin changes are refused', 'origin');
  }
  // Logging in again over a live session replaces it (rotation), so it needs no token of it.
  if (request.actor?.type !== 'user' || request.routeOptions.url?.endsWith('/login')) return;
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  const presented = request.headers['x-csrf-token'];
  if (!cookie || !csrfTokenMatches(cookie, typeof presented === 'string' ? presented : undefined)) {
    throw new JuheError(
      'forbidden',
      'The x-csrf-token header is missing or wrong: send the csrf_token of /login or /me',
      'x-csrf-token',
    );
  }
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
