import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type UserChange, changeUser } from '../../core/auth/manage-users.js';
import type { Core } from '../../core/context.js';
import { ROLES, audit, forgetIdentity, requirePermission } from './kit.js';

const UserId = Type.Object({ id: Type.String({ pattern: '^usr_[0-9a-f]{24}$' }) });
const PatchBody = Type.Object(
  {
    role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
    name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

const view = (u: {
  id: string;
  email: string;
  name: string | null;
  role: string;
  created_at: Date;
  disabled_at: Date | null;
}) => ({ ...u, disabled: u.disabled_at !== null });

/**
 * Managing console users beyond creating them (auth-routes.ts): change a role, disable and
 * enable. Each change is audited and takes effect on this node at once.
 */
export async function userRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const tags = ['users'];

  const apply = async (request: FastifyRequest, change: UserChange, action: string) => {
    const { id } = request.params as { id: string };
    const changed = await core.db.tx(async (q) => {
      const result = await changeUser(q, core, request.actor!, id, change);
      await audit(
        q,
        core,
        request,
        action,
        { type: 'user', id },
        {
          ...change,
          ...(result.revokedTokens.length ? { revoked_tokens: result.revokedTokens } : {}),
        },
      );
      return result;
    });
    forgetIdentity(core, { userId: id });
    return { ...view(changed.user), revoked_tokens: changed.revokedTokens };
  };

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        params: UserId,
        body: PatchBody,
        description:
          "Changes a user's role or name. A new role ends their sessions and revokes their tokens that now exceed it.",
      },
      preHandler: requirePermission('users.write'),
    },
    async (request) => {
      const body = request.body as Static<typeof PatchBody>;
      return apply(request, body, body.role ? 'user.role_change' : 'user.update');
    },
  );

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/users/:id/${path}`,
      {
        schema: {
          tags,
          params: UserId,
          description: disabled
            ? 'Disables a user: their sessions end and their API tokens stop working.'
            : 'Lets a disabled user sign in again (their tokens work again unless revoked).',
        },
        preHandler: requirePermission('users.write'),
      },
      async (request) => apply(request, { disabled }, `user.${path}`),
    );
  }
}
