import { forgetChannelConfigs } from '../../src/core/apps/credential-cache.js';
import { saveChannelConfig } from '../../src/core/apps/save-channel-config.js';
import type { Core } from '../../src/core/context.js';

/**
 * Saves a test-mode channel config past the admin API's field checks. Suites that prove
 * how a connector copes with a broken config at run time (a truncated key, a missing
 * setting) need configs the admin API now refuses at the door.
 */
export async function saveUncheckedChannelConfig(
  core: Core,
  p: { appId: string; provider: string; settings: object; secrets: Record<string, string> },
): Promise<string> {
  const { row } = await core.db.tx((q) =>
    saveChannelConfig(q, core, {
      appId: p.appId,
      livemode: false,
      provider: p.provider,
      settings: p.settings as Record<string, unknown>,
      secrets: p.secrets,
    }),
  );
  forgetChannelConfigs(core); // the admin API would do this itself
  return row.id;
}
