import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  createAppWithCredentials,
  findApp,
  listApps,
  listMerchants,
  rotateCredentials,
} from '../../core/apps/apps.js';
import { createMerchant } from '../../core/apps/create-app.js';
import { forgetAppCredentials } from '../../core/apps/credential-cache.js';
import { duplicatePolicyOf, setDuplicatePolicy } from '../../core/payments/duplicate-policy.js';
import { listAppCredentials } from '../../core/apps/credentials.js';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { audit, requirePermission } from './kit.js';

const IdParam = (prefix: string) => Type.Object({ id: Type.String({ pattern: `^${prefix}_[0-9a-f]{24}$` }) });
const Mode = Type.Union([Type.Literal('test'), Type.Literal('live')]);

const appView = (a: { id: string; merchantId: string; name: string; createdAt: Date }) => ({
  id: a.id,
  merchant: a.merchantId,
  name: a.name,
  created_at: a.createdAt,
});

/**
 * Merchants, apps and their dialect credentials. Listing shows only the public half of
 * each key; secrets are shown once when issued or rotated, and again only through
 * `reveal`, which is audited.
 */
export async function appRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/merchants', { schema: { tags: ['apps'] }, preHandler: requirePermission('read') }, async () => ({
    data: await listMerchants(core),
  }));

  app.post(
    '/merchants',
    {
      schema: { tags: ['apps'], body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }) },
      preHandler: requirePermission('apps.write'),
    },
    async (request, reply) => {
      const merchant = await core.db.tx(async (q) => {
        const m = await createMerchant(q, core, request.body as { name: string });
        await audit(q, core, request, 'merchant.create', { type: 'merchant', id: m.id });
        return m;
      });
      return reply.status(201).send({ id: merchant.id, name: merchant.name, created_at: merchant.createdAt });
    },
  );

  app.get(
    '/apps',
    {
      schema: { tags: ['apps'], querystring: Type.Object({ merchant: Type.Optional(Type.String()) }) },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const { merchant } = request.query as { merchant?: string };
      return { data: (await listApps(core, merchant)).map(appView) };
    },
  );

  app.post(
    '/apps',
    {
      schema: {
        tags: ['apps'],
        body: Type.Object({
          merchant: Type.String({ pattern: '^mch_[0-9a-f]{24}$' }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          merchant_public_key_pem: Type.Optional(Type.String({ maxLength: 4096 })),
        }),
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request, reply) => {
      const body = request.body as { merchant: string; name: string; merchant_public_key_pem?: string };
      const result = await core.db.tx(async (q) => {
        const created = await createAppWithCredentials(q, core, {
          merchantId: body.merchant,
          name: body.name,
          merchantPublicKeyPem: body.merchant_public_key_pem,
        });
        await audit(q, core, request, 'app.create', { type: 'app', id: created.created.id });
        return created;
      });
      return reply.status(201).send({ ...appView(result.created), credentials: { test: result.test } });
    },
  );

  app.get(
    '/apps/:id',
    { schema: { tags: ['apps'], params: IdParam('app') }, preHandler: requirePermission('read') },
    async (request) => {
      const { id } = request.params as { id: string };
      const found = await findApp(core.db, id);
      if (!found) throw new JuheError('app_not_found', undefined, 'id');
      const credentials = await listAppCredentials(core.db, core.box, id);
      return {
        ...appView(found),
        credentials: credentials.map((c) => ({
          id: c.id,
          kind: c.kind,
          mode: c.livemode ? 'live' : 'test',
          public_id: c.publicId,
          attrs: c.attrs,
          created_at: c.createdAt,
        })),
      };
    },
  );

  // Per-app payment policies: today whether a duplicate payment is refunded automatically (issue #12).
  app.get(
    '/apps/:id/settings',
    { schema: { tags: ['apps'], params: IdParam('app') }, preHandler: requirePermission('read') },
    async (request) => {
      const { id } = request.params as { id: string };
      const policy = await duplicatePolicyOf(core.db, id);
      return { auto_refund_duplicates: policy.autoRefund };
    },
  );

  app.post(
    '/apps/:id/settings',
    {
      schema: {
        tags: ['apps'],
        params: IdParam('app'),
        body: Type.Object({ auto_refund_duplicates: Type.Boolean() }, { additionalProperties: false }),
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const on = (request.body as { auto_refund_duplicates: boolean }).auto_refund_duplicates;
      await core.db.tx(async (q) => {
        await setDuplicatePolicy(q, id, on);
        await audit(
          q,
          core,
          request,
          'app.settings.update',
          { type: 'app', id },
          { auto_refund_duplicates: on },
        );
      });
      return { auto_refund_duplicates: on };
    },
  );

  // Issues (live mode's first time) or rotates every dialect credential of a mode.
  app.post(
    '/apps/:id/credentials/rotate',
    {
      schema: {
        tags: ['apps'],
        params: IdParam('app'),
        body: Type.Object({
          mode: Mode,
          merchant_public_key_pem: Type.Optional(Type.String({ maxLength: 4096 })),
        }),
      },
      preHandler: requirePermission('credentials.rotate'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { mode: 'test' | 'live'; merchant_public_key_pem?: string };
      const livemode = body.mode === 'live';
      const rotated = await core.db.tx(async (q) => {
        const issued = await rotateCredentials(q, core, {
          appId: id,
          livemode,
          merchantPublicKeyPem: body.merchant_public_key_pem,
        });
        await audit(q, core, request, 'app.credentials.rotate', { type: 'app', id }, { mode: body.mode });
        return { credentials: { [body.mode]: issued } };
      });
      // The old keys stop working on this node now (other nodes: within the cache's TTL).
      forgetAppCredentials(core, id);
      return rotated;
    },
  );

  app.post(
    '/apps/:id/credentials/reveal',
    {
      schema: { tags: ['apps'], params: IdParam('app'), body: Type.Object({ mode: Mode }) },
      preHandler: requirePermission('credentials.reveal'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { mode } = request.body as { mode: 'test' | 'live' };
      const credentials = (await listAppCredentials(core.db, core.box, id)).filter(
        (c) => c.livemode === (mode === 'live'),
      );
      if (credentials.length === 0) throw new JuheError('not_found', `App has no ${mode} credentials`, 'id');
      await audit(core.db, core, request, 'app.credentials.reveal', { type: 'app', id }, { mode });
      return {
        data: credentials.map((c) => ({
          id: c.id,
          kind: c.kind,
          mode,
          public_id: c.publicId,
          attrs: c.attrs,
          secrets: c.secrets,
        })),
      };
    },
  );
}
