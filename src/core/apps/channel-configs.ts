import type { ChannelConfig } from '../../channels/_kit/connector.js';
import type { Queryable } from '../../db/db.js';
import type { Provider } from '../../domain/channels.js';
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
