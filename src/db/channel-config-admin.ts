import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/**
 * Channel configs as the admin API writes them (the connectors' reads are in
 * core/apps/channel-configs.ts). Settings are JSON; secrets one sealed JSON object.
 */
export function listChannelConfigRows(q: Queryable, appId?: string) {
  const all = sql.selectFrom('channel_configs').selectAll();
  return rows(
    q,
    appId === undefined
      ? all.orderBy('app_id').orderBy('provider').orderBy('livemode')
      : all.where('app_id', '=', appId).orderBy('provider').orderBy('livemode'),
  );
}

/** The config of (app, mode, provider), locked for the transaction. */
export function lockChannelConfig(q: Queryable, appId: string, livemode: boolean, provider: string) {
  return firstRow(
    q,
    sql
      .selectFrom('channel_configs')
      .selectAll()
      .where('app_id', '=', appId)
      .where('livemode', '=', livemode)
      .where('provider', '=', provider)
      .forUpdate(),
  );
}

export interface ChannelConfigWrite {
  enabled: boolean;
  settings: Record<string, unknown>;
  secretsEnc: string | null;
  now: Date;
}

export async function updateChannelConfig(q: Queryable, id: string, w: ChannelConfigWrite) {
  const [row] = await rows(
    q,
    sql
      .updateTable('channel_configs')
      .set({
        enabled: w.enabled,
        settings: JSON.stringify(w.settings),
        secrets_enc: w.secretsEnc,
        updated_at: w.now,
      })
      .where('id', '=', id)
      .returningAll(),
  );
  return row!;
}

export async function insertChannelConfig(
  q: Queryable,
  c: ChannelConfigWrite & { id: string; appId: string; livemode: boolean; provider: string },
) {
  const [row] = await rows(
    q,
    sql
      .insertInto('channel_configs')
      .values({
        id: c.id,
        app_id: c.appId,
        livemode: c.livemode,
        provider: c.provider,
        enabled: c.enabled,
        settings: JSON.stringify(c.settings),
        secrets_enc: c.secretsEnc,
        created_at: c.now,
        updated_at: c.now,
      })
      .returningAll(),
  );
  return row!;
}

/** false when there was no such config. */
export async function deleteChannelConfig(q: Queryable, id: string): Promise<boolean> {
  return (await rows(q, sql.deleteFrom('channel_configs').where('id', '=', id).returning('id'))).length > 0;
}
