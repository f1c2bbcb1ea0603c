import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { standsForSimulator } from '../../core/apps/channel-configs.js';
import { forgetChannelConfigs } from '../../core/apps/credential-cache.js';
import {
  type ChannelConfigRow,
  deleteChannelConfig,
  listChannelConfigs,
  saveChannelConfig,
} from '../../core/apps/save-channel-config.js';
import { PROVIDERS } from '../../domain/channels.js';
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

export async function channelConfigRoutes(app: FastifyInstance, { core }: { core: Core }) {
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
        }),
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
        const { row, created } = await saveChannelConfig(q, core, {
          appId: body.app,
          livemode,
          provider: body.provider,
          enabled: body.enabled,
          settings: body.settings,
          secrets: body.secrets,
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
          { provider: body.provider, mode: body.mode, secrets_changed: Object.keys(body.secrets ?? {}) },
        );
        return view(row, core.box);
      });
      forgetChannelConfigs(core); // this node uses the new config at once
      return saved;
    },
  );

  app.delete(
    '/channel_configs/:id',
    {
      schema: {
        tags: ['channels'],
        params: Type.Object({ id: Type.String({ pattern: '^cc_[0-9a-f]{24}$' }) }),
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
