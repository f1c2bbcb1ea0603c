import type { ChannelConfig } from '../../channels/_kit/connector.js';
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

/** Whose charges a config's notifications may settle; null: the simulator's default merchant, every test-mode app. */
export function notificationOwner(config: ChannelConfig | null): NotificationOwner {
  return config ? { appId: config.appId, livemode: config.livemode } : { appId: null, livemode: false };
}
