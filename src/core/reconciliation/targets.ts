import type { ChannelConfig } from '../../channels/_kit/connector.js';
import { enabledUpstreamConfigs, type ReconciliationScope } from '../../db/reconciliation.js';
import { isProvider, PROVIDERS, type Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { findChannelConfigById, isSimulatorConfig } from '../apps/channel-configs.js';
import type { Core } from '../context.js';

/** What to reconcile: one channel config, or (test mode) a provider's simulator default merchant. */
export type ReconciliationTarget = { configId: string } | { provider: Provider };

export interface ResolvedTarget {
  /** The config the connector downloads with (a simulator's default merchant in test mode). */
  config: ChannelConfig | null;
  scope: ReconciliationScope;
  /** The run's config key: the config id, or `sandbox:<provider>`. */
  configKey: string;
}

export async function resolveTarget(core: Core, target: ReconciliationTarget): Promise<ResolvedTarget> {
  if ('provider' in target) {
    if (!isProvider(target.provider))
      throw new JuheError('invalid_parameter', 'unknown provider', 'provider');
    return defaultTarget(core, target.provider);
  }
  const config = await findChannelConfigById(core.db, core.box, target.configId);
  if (!config) throw new JuheError('not_found', `No channel config ${target.configId}`, 'config');
  // A `{"simulator": true}` stand-in is the simulator's default merchant, shared by every such app.
  if (isSimulatorConfig(config)) return defaultTarget(core, config.provider);
  return {
    config,
    scope: { provider: config.provider, livemode: config.livemode, appId: config.appId },
    configKey: config.id,
  };
}

async function defaultTarget(core: Core, provider: Provider): Promise<ResolvedTarget> {
  const config = (await core.testModeConfigs?.configFor(provider)) ?? null;
  if (!config)
    throw new JuheError('channel_not_available', `No ${provider} simulator is mounted`, 'provider');
  return { config, scope: { provider, livemode: false, appId: null }, configKey: `sandbox:${provider}` };
}

/**
 * What the daily job reconciles: every enabled upstream channel config whose connector
 * has a statement, and each mounted simulator's default merchant.
 */
export async function dailyTargets(core: Core): Promise<ReconciliationTarget[]> {
  const hasStatement = (p: Provider, livemode: boolean) => {
    try {
      return typeof core.connectors.resolve(p, livemode).statement === 'function';
    } catch {
      return false;
    }
  };
  const rows = await enabledUpstreamConfigs(core.db);
  const targets: ReconciliationTarget[] = rows
    .filter((r) => hasStatement(r.provider as Provider, r.livemode))
    .map((r) => ({ configId: r.id }));
  for (const provider of PROVIDERS) {
    if (core.testModeConfigs?.provides(provider) && hasStatement(provider, false)) targets.push({ provider });
  }
  return targets;
}
