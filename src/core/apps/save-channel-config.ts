import type { Selectable } from 'kysely';
import { findApp } from '../../db/apps.js';
import * as configs from '../../db/channel-config-admin.js';
import type { Queryable } from '../../db/db.js';
import type { ChannelConfigs } from '../../db/schema.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';

export type ChannelConfigRow = Selectable<ChannelConfigs>;

export const listChannelConfigs = (core: Core, appId?: string) =>
  configs.listChannelConfigRows(core.db, appId);

/**
 * Creates or replaces the config of (app, mode, provider) in `q`'s transaction. Secrets given
 * are merged into the stored ones, so a partial update need not resend every key.
 */
export async function saveChannelConfig(
  q: Queryable,
  core: Core,
  p: {
    appId: string;
    livemode: boolean;
    provider: string;
    enabled?: boolean;
    settings?: Record<string, unknown>;
    secrets?: Record<string, string>;
  },
): Promise<{ row: ChannelConfigRow; created: boolean }> {
  if (!(await findApp(q, p.appId))) throw new JuheError('app_not_found', undefined, 'app');
  const existing = await configs.lockChannelConfig(q, p.appId, p.livemode, p.provider);
  const secrets = {
    ...(existing?.secrets_enc ? core.box.openJson<Record<string, string>>(existing.secrets_enc) : {}),
    ...(p.secrets ?? {}),
  };
  const secretsEnc = Object.keys(secrets).length ? core.box.sealJson(secrets) : null;
  const now = core.clock.now();
  if (existing) {
    const row = await configs.updateChannelConfig(q, existing.id, {
      enabled: p.enabled ?? existing.enabled,
      settings: p.settings ?? (existing.settings as Record<string, unknown>),
      secretsEnc,
      now,
    });
    return { row, created: false };
  }
  const row = await configs.insertChannelConfig(q, {
    id: core.ids.next('channelConfig'),
    appId: p.appId,
    livemode: p.livemode,
    provider: p.provider,
    enabled: p.enabled ?? true,
    settings: p.settings ?? {},
    secretsEnc,
    now,
  });
  return { row, created: true };
}

export async function deleteChannelConfig(core: Core, id: string): Promise<void> {
  if (!(await configs.deleteChannelConfig(core.db, id))) {
    throw new JuheError('not_found', 'No such channel config', 'id');
  }
}
