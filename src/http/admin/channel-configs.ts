import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { standsForSimulator } from '../../core/apps/channel-configs.js';
import { forgetChannelConfigs } from '../../core/apps/credential-cache.js';
import { PROVIDERS } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { audit, requirePermission } from './kit.js';

/** Secrets are write-only: a config shows which secret names are set, never their values. */
const view = (r: Record<string, any>, box: Core['box']) => ({
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
      const rows = appId
        ? await core.db.query('SELECT * FROM channel_configs WHERE app_id = $1 ORDER BY provider, livemode', [
            appId,
          ])
        : await core.db.query('SELECT * FROM channel_configs ORDER BY app_id, provider, livemode');
      return { data: rows.map((r) => view(r, core.box)) };
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
        const [appRow] = await q.query('SELECT id FROM apps WHERE id = $1', [body.app]);
        if (!appRow) throw new JuheError('app_not_found', undefined, 'app');
        const [existing] = await q.query(
          'SELECT * FROM channel_configs WHERE app_id = $1 AND livemode = $2 AND provider = $3 FOR UPDATE',
          [body.app, livemode, body.provider],
        );
        const now = core.clock.now();
        const secrets = {
          ...(existing?.secrets_enc ? core.box.openJson<Record<string, string>>(existing.secrets_enc) : {}),
          ...(body.secrets ?? {}),
        };
        const sealed = Object.keys(secrets).length ? core.box.sealJson(secrets) : null;
        const [row] = existing
          ? await q.query(
              `UPDATE channel_configs SET enabled = $2, settings = $3, secrets_enc = $4, updated_at = $5
               WHERE id = $1 RETURNING *`,
              [
                existing.id,
                body.enabled ?? existing.enabled,
                JSON.stringify(body.settings ?? existing.settings),
                sealed,
                now,
              ],
            )
          : await q.query(
              `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, settings, secrets_enc, created_at,
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
              [
                core.ids.next('channelConfig'),
                body.app,
                livemode,
                body.provider,
                body.enabled ?? true,
                JSON.stringify(body.settings ?? {}),
                sealed,
                now,
              ],
            );
        await audit(
          q,
          core,
          request,
          existing ? 'channel_config.update' : 'channel_config.create',
          {
            type: 'channel_config',
            id: row!.id,
          },
          { provider: body.provider, mode: body.mode, secrets_changed: Object.keys(body.secrets ?? {}) },
        );
        return view(row!, core.box);
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
      const rows = await core.db.query('DELETE FROM channel_configs WHERE id = $1 RETURNING id', [id]);
      if (rows.length === 0) throw new JuheError('not_found', 'No such channel config', 'id');
      await audit(core.db, core, request, 'channel_config.delete', { type: 'channel_config', id });
      forgetChannelConfigs(core);
      return { id, deleted: true };
    },
  );
}
