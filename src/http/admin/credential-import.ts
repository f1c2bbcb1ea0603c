import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkImport } from '../../core/apps/check-import.js';
import { forgetAppCredentials, forgetChannelConfigs } from '../../core/apps/credential-cache.js';
import { checkChannelConfigImport, importChannelConfigs } from '../../core/apps/import-channel-configs.js';
import { type RecordAudit, importApp, importCredentials } from '../../core/apps/import-credentials.js';
import type { Core } from '../../core/context.js';
import { PROVIDERS } from '../../domain/channels.js';
import { audit, requirePermission } from './kit.js';

/**
 * Bring your own keys: an app's dialect credentials and stores, imported from what the
 * merchant's clients already hold instead of generated, and channel configs in bulk. The
 * schemas document the shape for OpenAPI; the formats each client needs (lengths,
 * charsets, RSA keys that parse and match) are checked in core/apps/check-import.ts,
 * whose errors name the field (`live.paymax.merchant_public_key`).
 */

const text = (description: string, maxLength = 8192) => Type.String({ description, maxLength });
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

const ModeImport = Type.Object(
  {
    maxpay: opt(
      Type.Object({
        app_id: text('X-ML-AppId', 64),
        master_key: text('X-ML-MasterKey', 128),
        session_tokens: opt(Type.Array(text('X-ML-Session-Token', 128), { maxItems: 10 })),
      }),
    ),
    paymax: opt(
      Type.Object({
        app_key: text('the `app` of every request body', 64),
        secret_key: text('the Authorization header', 128),
        merchant_public_key: text('verifies request signs: PEM or base64 DER (SPKI or PKCS#1)'),
        platform_private_key: opt(text('signs answers and webhooks: the pair the clients already trust')),
        platform_public_key: opt(text('the public half the clients verify with; must match')),
      }),
    ),
    unified: opt(
      Type.Object({ domain_code: text('domainCode', 64), domain_secret: text('domainSecret', 128) }),
    ),
    stores: opt(
      Type.Array(
        Type.Object({
          name: text('store name', 200),
          open_id: text('open_id', 64),
          open_key: text('open_key: 32 ASCII characters, the AES-256 key', 32),
          shop_password: opt(text('supervisor password (default 123456)', 64)),
          shop_password_sha1: opt(text('or the sha1hex of it, as clients send it', 40)),
        }),
        { maxItems: 1000 },
      ),
    ),
  },
  { additionalProperties: false },
);

const Modes = { test: opt(ModeImport), live: opt(ModeImport) };
const AppId = Type.Object({ id: Type.String({ pattern: '^app_[0-9a-f]{24}$' }) });

const ChannelConfigImport = Type.Array(
  Type.Object({
    app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
    mode: Type.Union([Type.Literal('test'), Type.Literal('live')]),
    provider: Type.Union(PROVIDERS.map((p) => Type.Literal(p))),
    enabled: opt(Type.Boolean()),
    settings: opt(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    secrets: opt(Type.Record(Type.String(), Type.String({ maxLength: 16384 }))),
  }),
  { minItems: 1, maxItems: 500 },
);

const recorder =
  (core: Core, request: FastifyRequest): RecordAudit =>
  (q, action, target, data) =>
    audit(q, core, request, action, target, data);

export async function credentialImportRoutes(app: FastifyInstance, { core }: { core: Core }) {
  // A new app of an existing merchant, with the credentials its clients already hold.
  app.post(
    '/apps/import',
    {
      schema: {
        tags: ['apps'],
        body: Type.Object({
          merchant: Type.String({ pattern: '^mch_[0-9a-f]{24}$' }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          ...Modes,
        }),
      },
      preHandler: requirePermission('credentials.rotate'),
    },
    async (request, reply) => {
      const { merchant, name, ...document } = request.body as { merchant: string; name: string };
      const modes = checkImport(document);
      const { app: created, imported } = await core.db.tx((q) =>
        importApp(q, core, { merchantId: merchant, name }, modes, recorder(core, request)),
      );
      return reply.status(201).send({
        id: created.id,
        merchant: created.merchantId,
        name: created.name,
        created_at: created.createdAt,
        imported,
      });
    },
  );

  // Adds imported credentials to an existing app: each kind given replaces the app's
  // current one of that mode (revoked, as a rotation does); stores are added.
  app.post(
    '/apps/:id/credentials/import',
    {
      schema: { tags: ['apps'], params: AppId, body: Type.Object(Modes) },
      preHandler: requirePermission('credentials.rotate'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const modes = checkImport(request.body);
      const imported = await core.db.tx((q) =>
        importCredentials(q, core, id, modes, recorder(core, request)),
      );
      // The replaced keys stop working on this node now (other nodes: within the cache's TTL).
      forgetAppCredentials(core, id);
      return { id, imported };
    },
  );

  // Channel configs in bulk, all or nothing: each is checked by its connector first.
  app.post(
    '/channel_configs/import',
    {
      schema: { tags: ['channels'], body: ChannelConfigImport },
      preHandler: requirePermission('channels.write'),
    },
    async (request) => {
      const configs = checkChannelConfigImport(request.body);
      const saved = await core.db.tx((q) => importChannelConfigs(q, core, configs, recorder(core, request)));
      forgetChannelConfigs(core);
      return {
        data: saved.map(({ row, created }) => ({
          id: row.id,
          app: row.app_id,
          mode: row.livemode ? 'live' : 'test',
          provider: row.provider,
          created,
        })),
      };
    },
  );
}
