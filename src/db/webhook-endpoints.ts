import { type Selectable, sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';
import type { WebhookEndpoints } from './schema.js';
import { firstRow, rows, sql } from './sql.js';

/** Webhook endpoints and their signing secrets (sealed). */
export type WebhookEndpointRow = Selectable<WebhookEndpoints>;

export function findEndpointRow(q: Queryable, id: string, lock = false) {
  const query = sql
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  return firstRow(q, lock ? query.forUpdate() : query);
}

/** Live (not deleted) endpoints, newest first. */
export function listEndpointRows(q: Queryable, filter: { appId?: string; livemode?: boolean }) {
  let query = sql.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null);
  if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
  if (filter.livemode !== undefined) query = query.where('livemode', '=', filter.livemode);
  return rows(q, query.orderBy('created_at', 'desc').orderBy('id', 'desc'));
}

/** The endpoint's editable fields, JSON ones as values (stored as jsonb). */
export interface EndpointFields {
  url: string;
  livemode: boolean;
  events: string[];
  headers: Record<string, string>;
  schedule: unknown;
  description: string | null;
  enabled: boolean;
}

const jsonFields = (f: EndpointFields) => ({
  url: f.url,
  livemode: f.livemode,
  events: JSON.stringify(f.events),
  headers: JSON.stringify(f.headers),
  schedule: f.schedule ? JSON.stringify(f.schedule) : null,
  description: f.description,
  enabled: f.enabled,
});

export async function insertEndpoint(
  q: Queryable,
  e: EndpointFields & { id: string; appId: string; format: string; now: Date },
): Promise<WebhookEndpointRow> {
  const [row] = await rows(
    q,
    sql
      .insertInto('webhook_endpoints')
      .values({
        id: e.id,
        app_id: e.appId,
        format: e.format,
        ...jsonFields(e),
        created_at: e.now,
        updated_at: e.now,
      })
      .returningAll(),
  );
  return row!;
}

export async function updateEndpointRow(
  q: Queryable,
  id: string,
  f: EndpointFields,
  now: Date,
): Promise<WebhookEndpointRow> {
  const [row] = await rows(
    q,
    sql
      .updateTable('webhook_endpoints')
      .set({ ...jsonFields(f), updated_at: now })
      .where('id', '=', id)
      .returningAll(),
  );
  return row!;
}

/** Soft delete: the delivery log keeps its history. */
export async function softDeleteEndpoint(q: Queryable, id: string, now: Date): Promise<WebhookEndpointRow> {
  const [row] = await rows(
    q,
    sql
      .updateTable('webhook_endpoints')
      .set({ deleted_at: now, updated_at: now, enabled: false })
      .where('id', '=', id)
      .returningAll(),
  );
  return row!;
}

export async function touchEndpoint(q: Queryable, id: string, now: Date): Promise<void> {
  await rows(q, sql.updateTable('webhook_endpoints').set({ updated_at: now }).where('id', '=', id));
}

/**
 * A success after failures: the streak resets and the endpoint is active again. Nothing
 * happens (no row) when it was healthy already. `was` is the health before.
 */
export async function resetEndpointHealth(q: Queryable, id: string) {
  const [row] = await rawRows<WebhookEndpointRow & { was: string }>(
    q,
    raw`WITH old AS (
       SELECT id, health FROM webhook_endpoints
       WHERE id = ${id} AND (consecutive_failures <> 0 OR health <> 'active') FOR UPDATE)
     UPDATE webhook_endpoints w SET consecutive_failures = 0, health = 'active', failing_since = NULL
     FROM old WHERE w.id = old.id RETURNING old.health AS was, w.*`,
  );
  return row;
}

/** One more failure in a row; at `threshold` the endpoint turns failing (since `now`). */
export async function countEndpointFailure(q: Queryable, id: string, threshold: number, now: Date) {
  const [row] = await rawRows<WebhookEndpointRow & { was: string }>(
    q,
    raw`WITH old AS (SELECT id, health FROM webhook_endpoints WHERE id = ${id} FOR UPDATE)
     UPDATE webhook_endpoints w SET consecutive_failures = w.consecutive_failures + 1,
       health = CASE WHEN w.consecutive_failures + 1 >= ${threshold}::int THEN 'failing' ELSE w.health END,
       failing_since = CASE WHEN w.health = 'active' AND w.consecutive_failures + 1 >= ${threshold}::int
                            THEN ${now}::timestamptz ELSE w.failing_since END
     FROM old WHERE w.id = old.id RETURNING old.health AS was, w.*`,
  );
  return row;
}

/** Sealed secrets that sign right now: the current one first, then any inside a rotation overlap. */
export async function activeSecretsSealed(q: Queryable, endpointId: string, now: Date): Promise<string[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('webhook_endpoint_secrets')
      .select('secret_enc')
      .where('endpoint_id', '=', endpointId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy(raw`(expires_at IS NULL)`, 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('expires_at', 'desc'),
  );
  return found.map((r) => r.secret_enc);
}

export async function insertEndpointSecret(
  q: Queryable,
  s: { id: string; endpointId: string; secretEnc: string; createdAt: Date },
): Promise<void> {
  await rows(
    q,
    sql.insertInto('webhook_endpoint_secrets').values({
      id: s.id,
      endpoint_id: s.endpointId,
      secret_enc: s.secretEnc,
      created_at: s.createdAt,
    }),
  );
}

/** Every secret without an end ends now (the endpoint is deleted). */
export async function expireOpenSecrets(q: Queryable, endpointId: string, now: Date): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('webhook_endpoint_secrets')
      .set({ expires_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('expires_at', 'is', null),
  );
}

/** Secrets still signing after `until` (or forever) stop at `until`; ones already over stay over. */
export async function endSecretsAt(q: Queryable, endpointId: string, now: Date, until: Date): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('webhook_endpoint_secrets')
      .set({ expires_at: until })
      .where('endpoint_id', '=', endpointId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', until)]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
  );
}

/**
 * The enabled endpoints of the apps, oldest first, each with its active sealed secrets
 * (current first): what the fan-out plans deliveries to.
 */
export function endpointsOfAppsWithSecrets(q: Queryable, appIds: string[], now: Date) {
  return rawRows<WebhookEndpointRow & { secrets_enc: string[] | null }>(
    q,
    raw`SELECT w.*,
       (SELECT jsonb_agg(s.secret_enc ORDER BY (s.expires_at IS NULL) DESC, s.created_at DESC, s.expires_at DESC)
        FROM webhook_endpoint_secrets s
        WHERE s.endpoint_id = w.id AND (s.expires_at IS NULL OR s.expires_at > ${now})) AS secrets_enc
     FROM webhook_endpoints w
     WHERE w.app_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(appIds)}::jsonb))
       AND w.deleted_at IS NULL AND w.enabled
     ORDER BY w.created_at, w.id`,
  );
}
