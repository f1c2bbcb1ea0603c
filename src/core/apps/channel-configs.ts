import type { ChannelConfig } from '../../channels/_kit/connector.js';
import type { Queryable } from '../../db/db.js';
import type { Provider } from '../../domain/channels.js';
import type { Core } from '../context.js';
import type { SecretBox } from '../secret-box.js';

function toConfig(box: SecretBox, r: Record<string, any>): ChannelConfig {
  return {
    id: r.id,
    appId: r.app_id,
    livemode: r.livemode,
    provider: r.provider,
    enabled: r.enabled,
    settings: r.settings ?? {},
    secrets: r.secrets_enc ? box.openJson<Record<string, string>>(r.secrets_enc) : {},
  };
}

export async function findChannelConfig(
  q: Queryable,
  box: SecretBox,
  appId: string,
  livemode: boolean,
  provider: Provider,
): Promise<ChannelConfig | undefined> {
  const [row] = await q.query(
    'SELECT * FROM channel_configs WHERE app_id = $1 AND livemode = $2 AND provider = $3',
    [appId, livemode, provider],
  );
  return row ? toConfig(box, row) : undefined;
}

export async function findChannelConfigById(
  q: Queryable,
  box: SecretBox,
  id: string,
): Promise<ChannelConfig | undefined> {
  const [row] = await q.query('SELECT * FROM channel_configs WHERE id = $1', [id]);
  return row ? toConfig(box, row) : undefined;
}

/**
 * A test-mode config whose settings say `{"simulator": true}` stands for the provider's
 * simulator and its default sandbox merchant (what `juhe start` seeds for the demo app):
 * it can be listed, disabled and replaced like any config, and the connector talks to the
 * simulator as when no config exists. Live mode never has one (the admin API refuses it).
 */
export function isSimulatorConfig(config: ChannelConfig | null | undefined): boolean {
  return !!config && !config.livemode && standsForSimulator(config.settings);
}

/** `simulator: true` (the admin API's settings arrive as text: "true" counts too). */
export function standsForSimulator(settings: Record<string, unknown> | undefined): boolean {
  return settings?.simulator === true || settings?.simulator === 'true';
}

/** The config a connector works with: null for none or for a simulator stand-in. */
export function upstreamConfig(config: ChannelConfig | null | undefined): ChannelConfig | null {
  return config && !isSimulatorConfig(config) ? config : null;
}

/** What a charge's connector needs: its app's config for the channel and mode, as the connector sees it. */
export async function connectorConfigFor(
  q: Queryable,
  box: SecretBox,
  charge: { appId: string; livemode: boolean; channel: Provider },
): Promise<ChannelConfig | null> {
  return upstreamConfig(await findChannelConfig(q, box, charge.appId, charge.livemode, charge.channel));
}

/** Seeds the simulator stand-ins of the given providers for an app's test mode (skips existing). */
export async function insertSimulatorConfigs(
  q: Queryable,
  core: { ids: { next(kind: 'channelConfig'): string }; clock: { now(): Date } },
  appId: string,
  providers: readonly Provider[],
): Promise<void> {
  const now = core.clock.now();
  for (const provider of providers) {
    await q.query(
      `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, settings, secrets_enc, created_at, updated_at)
       VALUES ($1, $2, false, $3, true, '{"simulator": true}', NULL, $4, $4)
       ON CONFLICT (app_id, livemode, provider) DO NOTHING`,
      [core.ids.next('channelConfig'), appId, provider, now],
    );
  }
}

/**
 * The config a payer page hands a channel's helpers (WeChat web authorization): the app's
 * own, or in test mode, when it has none, the provider's test-mode default (its
 * simulator's default merchant), as connectors get it through the registry.
 */
export async function configOrTestDefault(
  core: Core,
  config: ChannelConfig | null,
  livemode: boolean,
  provider: Provider,
): Promise<ChannelConfig | null> {
  if (config || livemode) return config;
  return (await core.testModeConfigs?.configFor(provider)) ?? null;
}
