import type { ChannelConfig } from '../../channels/_kit/connector.js';
import { DEFAULT_TEST_CONFIG_ID, type Provider } from '../../domain/channels.js';
import { findChannelConfigById } from '../apps/channel-configs.js';
import type { Core } from '../context.js';
import type { NotificationOwner } from './apply-channel-notification.js';

/**
 * The channel config a notify URL names by id, whatever its provider (the provider's parser
 * refuses one it cannot use), or 'unknown': no such config, or an id that cannot be one.
 */
export async function notificationConfig(core: Core, configId: string): Promise<ChannelConfig | 'unknown'> {
  if (!/^[\w-]{1,64}$/.test(configId)) return 'unknown';
  try {
    return (await findChannelConfigById(core.db, core.box, configId)) ?? 'unknown';
  } catch {
    return 'unknown'; // secrets that no longer open: nothing can verify with it
  }
}

/**
 * The config a provider's notify or return URL names: `sandbox` is the provider's test-mode
 * default (its simulator's default merchant), anything else a stored config's id.
 */
export async function notificationConfigFor(
  core: Core,
  provider: Provider,
  configId: string,
): Promise<ChannelConfig | 'unknown'> {
  if (configId === DEFAULT_TEST_CONFIG_ID)
    return (await core.testModeConfigs?.configFor(provider)) ?? 'unknown';
  return notificationConfig(core, configId);
}

/**
 * Whose charges a config's notifications may settle: its app's in its mode; the test-mode
 * default config (a simulator's default merchant) stands for every test-mode app.
 */
export function notificationOwner(config: ChannelConfig): NotificationOwner {
  return config.id === DEFAULT_TEST_CONFIG_ID
    ? { appId: null, livemode: false }
    : { appId: config.appId, livemode: config.livemode };
}
