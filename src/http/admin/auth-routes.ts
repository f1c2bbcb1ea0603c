import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { hashPassword, verifyPassword } from '../../core/auth/passwords.js';
import { tokenHash } from '../../core/auth/tokens.js';
import type { Core } from '../../core/context.js';
import { isUniqueViolation } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';
import { ROLES, SESSION_COOKIE, audit, forgetIdentity, readCookie, requirePermission } from './kit.js';

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export async function createUser(
  core: Core,
  p: { email: string; password: string; role: string; name?: string },
) {
  const id = core.ids.next('user');
  try {
    await core.db.query(
      'INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, p.email.toLowerCase(), p.name ?? null, await hashPassword(p.password), p.role, core.clock.now()],
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new JuheError('already_exists', `User ${p.email} exists`, 'email');
    throw error;
  }
  return { id, email: p.email.toLowerCase(), role: p.role };
}

/** Issues an API token; the plaintext is returned once and stored only as a hash. */
export async function createApiToken(core: Core, p: { userId: string; name: string; role: string }) {
  const id = core.ids.next('apiToken');
  const token = `jh_${core.ids.secret(24)}`;
  await core.db.query(
    'INSERT INTO api_tokens (id, user_id, name, token_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, p.userId, p.name, tokenHash(token), p.role, core.clock.now()],
  );
  return { id, name: p.name, role: p.role, token };
}

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
      const [user] = await core.db.query<{ id: string; password_hash: string; role: string }>(
        'SELECT id, password_hash, role FROM users WHERE email = $1 AND disabled_at IS NULL',
        [email.toLowerCase()],
      );
      if (!user || !(await verifyPassword(password, user.password_hash))) {
        throw new JuheError('invalid_credentials', 'Email or password is wrong');
      }
      const token = core.ids.secret(32);
      const now = core.clock.now();
      const expires = new Date(now.getTime() + SESSION_TTL_MS);
      await core.db.query(
        'INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [core.ids.next('session'), tokenHash(token), user.id, now, expires],
      );
      request.actor = { type: 'user', id: user.id, userId: user.id, role: user.role as never };
      await audit(core.db, core, request, 'user.login', { type: 'user', id: user.id });
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}` +
          (request.protocol === 'https' ? '; Secure' : ''),
      );
      return {
        user: { id: user.id, email: email.toLowerCase(), role: user.role },
        expires_at: expires.toISOString(),
      };
    },
  );

  app.post('/logout', { schema: { tags: ['auth'] } }, async (request, reply) => {
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      await core.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash(cookie)]);
      forgetIdentity(core, { credentialHash: tokenHash(cookie) });
    }
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return { ok: true };
  });

  app.get('/me', { schema: { tags: ['auth'] }, preHandler: requirePermission('read') }, async (request) => {
    const [user] = await core.db.query('SELECT id, email, name, role FROM users WHERE id = $1', [
      request.actor!.userId,
    ]);
    return { user, via: request.actor!.type };
  });

  app.get(
    '/users',
    { schema: { tags: ['users'] }, preHandler: requirePermission('users.write') },
    async () => ({
      data: await core.db.query(
        'SELECT id, email, name, role, created_at, disabled_at FROM users ORDER BY created_at',
      ),
    }),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        body: Type.Object({
          email: Type.String({ format: 'email' }),
          password: Type.String({ minLength: 8 }),
          role: RoleSchema,
          name: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
      preHandler: requirePermission('users.write'),
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string; role: string; name?: string };
      if (body.role === 'owner' && request.actor!.role !== 'owner') {
        throw new JuheError('forbidden', 'Only an owner may create an owner');
      }
      const user = await createUser(core, body);
      await audit(core.db, core, request, 'user.create', { type: 'user', id: user.id }, { role: user.role });
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/api_tokens',
    { schema: { tags: ['auth'] }, preHandler: requirePermission('read') },
    async (request) => ({
      data: await core.db.query(
        `SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1
       ORDER BY created_at`,
        [request.actor!.userId],
      ),
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
      preHandler: requirePermission('read'),
    },
    async (request, reply) => {
      const body = request.body as { name: string; role?: string };
      const role = body.role ?? request.actor!.role;
      // A token never carries more power than the person who made it.
      if (ROLES.indexOf(role as never) < ROLES.indexOf(request.actor!.role)) {
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
      const rows = await core.db.query(
        'UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id',
        [id, request.actor!.userId, core.clock.now()],
      );
      if (rows.length === 0) throw new JuheError('not_found', 'No such API token', 'id');
      forgetIdentity(core, { actorId: id });
      await audit(core.db, core, request, 'api_token.revoke', { type: 'api_token', id });
      return { id, revoked: true };
    },
  );
}
