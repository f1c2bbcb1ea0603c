import type { ChannelConfig } from '../../channels/_kit/connector.js';
import { findApp } from '../../db/apps.js';
import { lockChannelConfig } from '../../db/channel-config-admin.js';
import type { Queryable } from '../../db/db.js';
import { type Provider, isProvider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { standsForSimulator } from './channel-configs.js';
import type { RecordAudit } from './import-credentials.js';
import { type ChannelConfigRow, saveChannelConfig } from './save-channel-config.js';

/** One config of a bulk import: what POST /channel_configs takes, per element. */
export interface ChannelConfigImport {
  app: string;
  mode: 'test' | 'live';
  provider: Provider;
  enabled?: boolean;
  settings?: Record<string, unknown>;
  secrets?: Record<string, string>;
}

const MAX_CONFIGS = 500;

function bad(field: string, message: string): JuheError {
  return new JuheError('invalid_parameter', `${field}: ${message}`, field);
}

/** The shape of every element, before any database read (the CLI reads a file no schema checked). */
export function checkChannelConfigImport(input: unknown): ChannelConfigImport[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_CONFIGS)
    throw new JuheError(
      'invalid_parameter',
      `The import must be a list of 1 to ${MAX_CONFIGS} channel configs`,
      'body',
    );
  const seen = new Set<string>();
  return input.map((raw, i) => {
    const at = `[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(at, 'must be an object');
    const c = raw as Record<string, unknown>;
    for (const key of Object.keys(c)) {
      if (!['app', 'mode', 'provider', 'enabled', 'settings', 'secrets'].includes(key))
        throw bad(`${at}.${key}`, 'is not a known field (app, mode, provider, enabled, settings, secrets)');
    }
    if (typeof c.app !== 'string' || !/^app_[0-9a-f]{24}$/.test(c.app))
      throw bad(`${at}.app`, 'must be an app id');
    if (c.mode !== 'test' && c.mode !== 'live') throw bad(`${at}.mode`, 'must be "test" or "live"');
    if (!isProvider(c.provider)) throw bad(`${at}.provider`, 'is not a provider');
    if (c.enabled !== undefined && typeof c.enabled !== 'boolean')
      throw bad(`${at}.enabled`, 'must be a boolean');
    for (const key of ['settings', 'secrets'] as const) {
      const value = c[key];
      if (value === undefined) continue;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw bad(`${at}.${key}`, 'must be an object');
      for (const [name, v] of Object.entries(value)) {
        const ok =
          key === 'secrets' ? typeof v === 'string' : ['string', 'number', 'boolean'].includes(typeof v);
        if (!ok)
          throw bad(
            `${at}.${key}.${name}`,
            key === 'secrets' ? 'must be text' : 'must be text, a number or a boolean',
          );
      }
    }
    if (c.mode === 'live' && standsForSimulator(c.settings as Record<string, unknown> | undefined))
      throw bad(`${at}.settings`, 'only a test-mode config can stand for the simulator');
    // Two elements for one (app, mode, provider) would make the result depend on their order.
    const key = `${c.app}:${c.mode}:${c.provider}`;
    if (seen.has(key)) throw bad(at, `repeats the config of ${c.app} ${c.mode} ${c.provider}`);
    seen.add(key);
    return c as unknown as ChannelConfigImport;
  });
}

/**
 * Saves every config of a bulk import in `q`'s transaction, all or nothing. First each
 * config, merged with the stored one as a single save would merge it, is checked by its
 * connector's validateConfig (a key that does not parse, a setting missing); only when
 * all pass is anything written, so a file with one bad entry leaves every config as it was.
 */
export async function importChannelConfigs(
  q: Queryable,
  core: Core,
  configs: ChannelConfigImport[],
  record: RecordAudit,
): Promise<{ row: ChannelConfigRow; created: boolean }[]> {
  for (const [i, c] of configs.entries()) {
    if (!(await findApp(q, c.app)))
      throw new JuheError('app_not_found', `[${i}].app: no such app`, `[${i}].app`);
    const livemode = c.mode === 'live';
    const existing = await lockChannelConfig(q, c.app, livemode, c.provider);
    const merged: ChannelConfig = {
      id: existing?.id ?? 'cc_import',
      appId: c.app,
      livemode,
      provider: c.provider,
      enabled: c.enabled ?? existing?.enabled ?? true,
      settings: c.settings ?? ((existing?.settings as Record<string, unknown>) || {}),
      secrets: {
        ...(existing?.secrets_enc ? core.box.openJson<Record<string, string>>(existing.secrets_enc) : {}),
        ...(c.secrets ?? {}),
      },
    };
    // A test-mode stand-in for the simulator has nothing of its own to check.
    if (!livemode && standsForSimulator(merged.settings)) continue;
    const connector = core.connectors.resolve(c.provider, livemode);
    try {
      connector.validateConfig?.(merged);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new JuheError('invalid_parameter', `[${i}] (${c.provider}, ${c.mode}): ${reason}`, `[${i}]`);
    }
  }
  const saved = [];
  for (const c of configs) {
    const result = await saveChannelConfig(q, core, {
      appId: c.app,
      livemode: c.mode === 'live',
      provider: c.provider,
      enabled: c.enabled,
      settings: c.settings,
      secrets: c.secrets,
    });
    await record(
      q,
      result.created ? 'channel_config.create' : 'channel_config.update',
      { type: 'channel_config', id: result.row.id },
      { provider: c.provider, mode: c.mode, imported: true, secrets_changed: Object.keys(c.secrets ?? {}) },
    );
    saved.push(result);
  }
  return saved;
}
