import { readCookie } from '../../domain/cookies.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { tokenHash } from '../../core/auth/tokens.js';
import {
  SESSION_TTL_SECONDS,
  createApiToken,
  createUser,
  findUserProfile,
  listApiTokens,
  listUsers,
  login,
  logout,
  revokeApiToken,
} from '../../core/auth/users.js';
import type { Core } from '../../core/context.js';
import { csrfTokenFor } from '../../core/auth/csrf.js';
import { ROLE_PERMISSIONS } from '../../core/auth/permissions.js';
import { JuheError } from '../../domain/errors.js';
import {
  ROLES,
  type Role,
  SESSION_COOKIE,
  audit,
  canGrant,
  forgetIdentity,
  requirePermission,
} from './kit.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

// Kept here too: the CLI, test support and benchmarks create users and tokens through this module.
export { createApiToken, createUser };

export async function authRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        security: [],
        body: Type.Object({ email: Type.String({ minLength: 3 }), password: Type.String({ minLength: 1 }) }),
      },
    },
    async (request, reply) => {
      const { email, password } = request.body as { email: string; password: string };
      const { user, token, expiresAt } = await login(core, email, password, request.ip).catch((error) => {
        const wait = error instanceof JuheError ? error.details?.retryAfterSeconds : undefined;
        if (wait !== undefined) reply.header('retry-after', String(wait));
        throw error;
      });
      // Rotation: the session this browser held before (if any) ends here; the new one has a new token.
      const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (previous) {
        await logout(core, previous);
        forgetIdentity(core, { credentialHash: tokenHash(previous) });
      }
      request.actor = { type: 'user', id: user.id, userId: user.id, role: user.role };
      await audit(core.db, core, request, 'user.login', { type: 'user', id: user.id });
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_SECONDS}` +
          (request.protocol === 'https' ? '; Secure' : ''),
      );
      return { user, expires_at: expiresAt.toISOString(), csrf_token: csrfTokenFor(token) };
    },
  );

  app.post('/logout', { schema: { tags: ['auth'] } }, async (request, reply) => {
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      await logout(core, cookie);
      forgetIdentity(core, { credentialHash: tokenHash(cookie) });
    }
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return { ok: true };
  });

  app.get('/me', { schema: { tags: ['auth'] }, preHandler: requirePermission('read') }, async (request) => {
    const user = await findUserProfile(core, request.actor!.userId);
    const cookie = request.headers.authorization
      ? undefined
      : readCookie(request.headers.cookie, SESSION_COOKIE);
    return {
      user,
      via: request.actor!.type,
      // What this role may do, so the console hides the rest (the routes refuse it anyway).
      permissions: [...ROLE_PERMISSIONS[request.actor!.role]],
      ...(cookie ? { csrf_token: csrfTokenFor(cookie) } : {}),
    };
  });

  app.get(
    '/users',
    { schema: { tags: ['users'] }, preHandler: requirePermission('users.write') },
    async () => ({
      data: await listUsers(core),
    }),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        body: Type.Object({
          email: Type.String({ format: 'email' }),
          password: Type.Optional(Type.String({ minLength: 8 })),
          role: RoleSchema,
          name: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        description:
          'Creates (invites) a console user. Without a password one is generated and answered once as temporary_password, to hand to the person.',
      },
      preHandler: requirePermission('users.write'),
    },
    async (request, reply) => {
      const body = request.body as { email: string; password?: string; role: Role; name?: string };
      // Same rule as tokens: an admin (no owners.manage) cannot create an owner.
      if (!canGrant(request.actor!.role, body.role)) {
        throw new JuheError('forbidden', `A ${request.actor!.role} cannot create a ${body.role}`, 'role');
      }
      const temporary = body.password === undefined ? core.ids.secret(12) : undefined;
      const user = await createUser(core, { ...body, password: body.password ?? temporary! });
      await audit(
        core.db,
        core,
        request,
        'user.create',
        { type: 'user', id: user.id },
        { role: user.role, invited: temporary !== undefined },
      );
      return reply.status(201).send(temporary ? { ...user, temporary_password: temporary } : user);
    },
  );

  app.get(
    '/api_tokens',
    { schema: { tags: ['auth'] }, preHandler: requirePermission('read') },
    async (request) => ({
      data: await listApiTokens(core, request.actor!.userId),
    }),
  );

  app.post(
    '/api_tokens',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          role: Type.Optional(RoleSchema),
        }),
      },
      preHandler: requirePermission('api_tokens.create'),
    },
    async (request, reply) => {
      const body = request.body as { name: string; role?: Role };
      const role = body.role ?? request.actor!.role;
      // A token never carries a permission the person who made it lacks (roles are sets, not ranks).
      if (!canGrant(request.actor!.role, role)) {
        throw new JuheError('forbidden', `A ${request.actor!.role} cannot mint a ${role} token`, 'role');
      }
      const token = await createApiToken(core, { userId: request.actor!.userId, name: body.name, role });
      await audit(core.db, core, request, 'api_token.create', { type: 'api_token', id: token.id });
      return reply.status(201).send(token);
    },
  );

  app.delete(
    '/api_tokens/:id',
    {
      schema: { tags: ['auth'], params: Type.Object({ id: Type.String({ pattern: '^tok_[0-9a-f]{24}$' }) }) },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await revokeApiToken(core, id, request.actor!.userId);
      forgetIdentity(core, { actorId: id });
      await audit(core.db, core, request, 'api_token.revoke', { type: 'api_token', id });
      return { id, revoked: true };
    },
  );
}
