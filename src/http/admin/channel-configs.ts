import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { standsForSimulator } from '../../core/apps/channel-configs.js';
import { saveCheckedChannelConfig } from '../../core/apps/check-channel-config.js';
import { forgetChannelConfigs } from '../../core/apps/credential-cache.js';
import {
  type ChannelConfigRow,
  deleteChannelConfig,
  listChannelConfigs,
} from '../../core/apps/save-channel-config.js';
import { testChannelConfig } from '../../core/apps/test-channel-config.js';
import { CHANNEL_CONFIG_FIELDS } from '../../domain/channel-config-fields.js';
import { PROVIDERS, type Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { audit, requirePermission } from './kit.js';

/** Secrets are write-only: a config shows which secret names are set, never their values. */
const view = (r: ChannelConfigRow, box: Core['box']) => ({
  id: r.id,
  app: r.app_id,
  mode: r.livemode ? 'live' : 'test',
  provider: r.provider,
  enabled: r.enabled,
  settings: r.settings,
  secrets_set: r.secrets_enc ? Object.keys(box.openJson<Record<string, string>>(r.secrets_enc)).sort() : [],
  created_at: r.created_at,
  updated_at: r.updated_at,
});

const Provider = Type.Union(PROVIDERS.map((p) => Type.Literal(p)));
const Settings = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));
const Secrets = Type.Record(Type.String(), Type.String({ maxLength: 16384 }));
const ConfigId = Type.Object({ id: Type.String({ pattern: '^cc_[0-9a-f]{24}$' }) });
const Pkcs12 = Type.Object(
  {
    data: Type.String({ minLength: 1, maxLength: 65536, description: 'The .p12/.pfx file, base64.' }),
    password: Type.String({ maxLength: 200 }),
  },
  {
    additionalProperties: false,
    description:
      "A PKCS#12 bundle opened server-side: its private key (and certificate) fill the provider's key fields.",
  },
);

export async function channelConfigRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/channel_configs/fields',
    {
      schema: {
        tags: ['channels'],
        description:
          "Each provider's settings (shown back) and secrets (write-only): kind, required, length, choices, and which a PKCS#12 fills.",
      },
      preHandler: requirePermission('read'),
    },
    async () => ({ data: CHANNEL_CONFIG_FIELDS }),
  );

  app.get(
    '/channel_configs',
    {
      schema: { tags: ['channels'], querystring: Type.Object({ app: Type.Optional(Type.String()) }) },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const { app: appId } = request.query as { app?: string };
      return { data: (await listChannelConfigs(core, appId)).map((r) => view(r, core.box)) };
    },
  );

  // Create or replace the config of (app, mode, provider). Secrets given are merged into
  // the stored ones, so a partial update need not resend every key.
  app.post(
    '/channel_configs',
    {
      schema: {
        tags: ['channels'],
        body: Type.Object({
          app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
          mode: Type.Union([Type.Literal('test'), Type.Literal('live')]),
          provider: Provider,
          enabled: Type.Optional(Type.Boolean()),
          settings: Type.Optional(Settings),
          secrets: Type.Optional(Secrets),
          pkcs12: Type.Optional(Pkcs12),
        }),
        description:
          'Every field is checked before anything is saved; all problems come back at once in error.errors, each naming its field (settings.x, secrets.y).',
      },
      preHandler: requirePermission('channels.write'),
    },
    async (request) => {
      const body = request.body as {
        app: string;
        mode: string;
        provider: string;
        enabled?: boolean;
        settings?: Record<string, unknown>;
        secrets?: Record<string, string>;
        pkcs12?: { data: string; password: string };
      };
      const livemode = body.mode === 'live';
      if (livemode && standsForSimulator(body.settings)) {
        throw new JuheError(
          'invalid_parameter',
          'Only a test-mode config can stand for the simulator',
          'settings',
        );
      }
      const saved = await core.db.tx(async (q) => {
        const { row, created, secretsChanged } = await saveCheckedChannelConfig(q, core, {
          appId: body.app,
          livemode,
          provider: body.provider as Provider,
          enabled: body.enabled,
          settings: body.settings,
          secrets: body.secrets,
          pkcs12: body.pkcs12,
        });
        await audit(
          q,
          core,
          request,
          created ? 'channel_config.create' : 'channel_config.update',
          {
            type: 'channel_config',
            id: row.id,
          },
          { provider: body.provider, mode: body.mode, secrets_changed: secretsChanged },
        );
        return view(row, core.box);
      });
      forgetChannelConfigs(core); // this node uses the new config at once
      return saved;
    },
  );

  app.post(
    '/channel_configs/:id/test',
    {
      schema: {
        tags: ['channels'],
        params: ConfigId,
        description:
          'Queries a made-up order at the upstream (the simulator in test mode) with this config: ok when the signed ' +
          'answer verified. Answers the stage reached, the upstream result or error, and the latency. Writes no charge.',
      },
      preHandler: requirePermission('channels.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const result = await testChannelConfig(core, id);
      await audit(
        core.db,
        core,
        request,
        'channel_config.test',
        { type: 'channel_config', id },
        { ok: result.ok, stage: result.stage, latency_ms: result.latency_ms },
      );
      return result;
    },
  );

  app.delete(
    '/channel_configs/:id',
    {
      schema: {
        tags: ['channels'],
        params: ConfigId,
      },
      preHandler: requirePermission('channels.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await deleteChannelConfig(core, id);
      await audit(core.db, core, request, 'channel_config.delete', { type: 'channel_config', id });
      forgetChannelConfigs(core);
      return { id, deleted: true };
    },
  );
}
