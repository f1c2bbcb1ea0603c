import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { openKeyOf, passwordOf, sha1HexOf } from '../../core/apps/credential-formats.js';
import {
  DEFAULT_OPEN_KEY_OVERLAP_MINUTES,
  MAX_OPEN_KEY_OVERLAP_MINUTES,
  changeShopPassword,
  forgetStoreKeys,
  rotateOpenKey,
} from '../../core/apps/store-credentials.js';
import { findStore } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { audit, requirePermission } from './kit.js';

const StoreId = Type.Object({ id: Type.String({ pattern: '^sto_[0-9a-f]{24}$' }) });

/**
 * A store's `store`-dialect secrets: the supervisor password (payrefund's shop_pass) and
 * the open_key. Both are credentials, so only roles that may rotate credentials change
 * them, and every change is audited without the secret.
 */
export async function storeCredentialRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.post(
    '/stores/:id/shop_password',
    {
      schema: {
        tags: ['stores'],
        params: StoreId,
        body: Type.Object({
          password: Type.Optional(Type.String({ maxLength: 64, description: 'the new supervisor password' })),
          password_sha1: Type.Optional(
            Type.String({ maxLength: 40, description: 'or its sha1hex, as the clients send it' }),
          ),
        }),
      },
      preHandler: requirePermission('credentials.rotate'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { password?: string; password_sha1?: string };
      if ((body.password === undefined) === (body.password_sha1 === undefined)) {
        throw new JuheError(
          'invalid_parameter',
          'Give exactly one of password and password_sha1',
          'password',
        );
      }
      const password = body.password !== undefined ? passwordOf('password', body.password) : undefined;
      const passwordSha1 =
        body.password_sha1 !== undefined ? sha1HexOf('password_sha1', body.password_sha1) : undefined;
      await core.db.tx(async (q) => {
        await changeShopPassword(q, core, { storeId: id, password, passwordSha1 });
        await audit(q, core, request, 'store.shop_password.change', { type: 'store', id });
      });
      return { id, shop_password_changed: true };
    },
  );

  // A new open_key; the old one keeps working for overlap_minutes (default a day), so the
  // tills of a shop can be moved to the new key one by one.
  app.post(
    '/stores/:id/open_key/rotate',
    {
      schema: {
        tags: ['stores'],
        params: StoreId,
        body: Type.Object({
          overlap_minutes: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: MAX_OPEN_KEY_OVERLAP_MINUTES,
              default: DEFAULT_OPEN_KEY_OVERLAP_MINUTES,
              description: 'how long the replaced key still verifies requests (0: not at all)',
            }),
          ),
          open_key: Type.Optional(
            Type.String({
              maxLength: 32,
              description: 'the new key, when chosen elsewhere (32 ASCII characters)',
            }),
          ),
        }),
      },
      preHandler: requirePermission('credentials.rotate'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { overlap_minutes?: number; open_key?: string };
      const openKey = body.open_key !== undefined ? openKeyOf('open_key', body.open_key) : undefined;
      const rotated = await core.db.tx(async (q) => {
        const result = await rotateOpenKey(q, core, {
          storeId: id,
          overlapMinutes: body.overlap_minutes,
          openKey,
        });
        await audit(
          q,
          core,
          request,
          'store.open_key.rotate',
          { type: 'store', id },
          {
            overlap_minutes: body.overlap_minutes ?? DEFAULT_OPEN_KEY_OVERLAP_MINUTES,
            imported: openKey !== undefined,
          },
        );
        return result;
      });
      forgetStoreKeys(core, rotated.appId);
      const store = await findStore(core.db, id);
      return {
        id,
        open_id: rotated.openId,
        mode: store?.livemode ? 'live' : 'test',
        // Shown once, here (as when the store was created).
        open_key: rotated.openKey,
        previous_key_expires_at: rotated.previousExpiresAt,
      };
    },
  );
}
