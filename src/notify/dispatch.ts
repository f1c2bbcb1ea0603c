import type { Core } from '../core/context.js';
import type { Queryable } from '../db/db.js';
import type { ClaimedDelivery } from './deliver.js';
import type { FormatName, RetrySchedule, StoredEvent } from './format.js';
import { findFormat } from './formats/index.js';
import { type WebhookEndpoint, effectiveSchedule, endpointWants, toEndpoint } from './endpoints.js';
import { LOOKUP_BY_ID } from './plans.js';

export function toStoredEvent(r: Record<string, any>): StoredEvent {
  return {
    id: r.id,
    appId: r.app_id,
    livemode: r.livemode,
    type: r.type,
    objectType: r.object_type,
    objectId: r.object_id,
    data: r.data,
    createdAt: new Date(r.created_at),
  };
}

/** Dialects whose merchants give a per-order callback URL instead of registering an endpoint. */
const PER_ORDER_FORMATS: readonly FormatName[] = ['store', 'unified'];

interface PlannedDelivery {
  id: string;
  event: StoredEvent;
  endpoint?: WebhookEndpoint;
  claimedBy?: string;
  claimedUntil?: Date;
  eventId: string;
  eventType: string;
  appId: string | null;
  livemode: boolean;
  endpointId: string | null;
  targetKey: string;
  format: FormatName;
  url: string;
  schedule: unknown;
}

/**
 * The fan-out: claims a batch of due outbox rows (SKIP LOCKED, so every node can run it),
 * plans one delivery per (event, target) and marks the rows processed, in one transaction:
 * either every delivery of an event exists or the row is still due. Targets:
 * - the app's registered endpoints in the event's mode (test events only to test endpoints)
 *   that want the event type and whose format carries it;
 * - the per-order URL of a `store` or `unified` charge (charge.notify_url), for the events
 *   that format carries; refund events use their charge's URL.
 * Returns the number of outbox rows processed.
 */
export async function dispatchOutbox(core: Core, options: DispatchOptions = {}): Promise<number> {
  return (await dispatchAndLease(core, options)).processed;
}

export interface DispatchOptions {
  batchSize?: number;
  now?: Date;
  /**
   * Lease new deliveries to this worker as they are created, so their first attempt needs
   * no separate claim. `take` decides per target (the worker's own limits); the rest are
   * left for any worker's claim.
   */
  lease?: { workerId: string; leaseMs: number; take: (targetKey: string) => boolean };
}

export async function dispatchAndLease(
  core: Core,
  options: DispatchOptions = {},
): Promise<{ processed: number; leased: ClaimedDelivery[] }> {
  const batchSize = options.batchSize ?? 100;
  return core.db.tx(async (q) => {
    const now = options.now ?? core.clock.now();
    await q.query(LOOKUP_BY_ID);
    // In the order of the partial index on due rows: the scan stops after the batch (a plain
    // index scan also marks the entries of processed rows dead for the next fan-out, where a
    // bitmap scan would visit every one of them until the next vacuum).
    const rows = await q.query(
      `SELECT o.id AS outbox_id, e.id, e.app_id, e.livemode, e.type, e.object_type, e.object_id, e.data, e.created_at
       FROM outbox o JOIN events e ON e.id = o.event_id
       WHERE o.processed_at IS NULL AND o.available_at <= $1
       ORDER BY o.available_at, o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED`,
      [now, batchSize],
    );
    if (rows.length === 0) return { processed: 0, leased: [] };
    const events = rows.map(toStoredEvent);
    const endpoints = await endpointsOfApps(q, [
      ...new Set(events.map((e) => e.appId).filter((a) => a !== null)),
    ]);
    const charges = await perOrderCharges(q, events);

    const planned: PlannedDelivery[] = [];
    for (const event of events) {
      for (const endpoint of endpoints.get(event.appId ?? '') ?? []) {
        if (endpoint.livemode !== event.livemode || !endpointWants(endpoint, event.type)) continue;
        planned.push({
          id: core.ids.next('delivery'),
          event,
          endpoint,
          eventId: event.id,
          eventType: event.type,
          appId: event.appId,
          livemode: event.livemode,
          endpointId: endpoint.id,
          targetKey: `endpoint:${endpoint.id}`,
          format: endpoint.format,
          url: endpoint.url,
          schedule: effectiveSchedule(endpoint),
        });
      }
      const charge = charges.get(chargeIdOf(event) ?? '');
      if (charge && charge.notifyUrl) {
        const format = findFormat(charge.dialect);
        if (format && format.eventTypes.includes(event.type)) {
          planned.push({
            id: core.ids.next('delivery'),
            event,
            eventId: event.id,
            eventType: event.type,
            appId: event.appId,
            livemode: event.livemode,
            endpointId: null,
            targetKey: `${format.name}:${charge.notifyUrl}`,
            format: format.name,
            url: charge.notifyUrl,
            schedule: format.defaultSchedule,
          });
        }
      }
    }
    const lease = options.lease;
    if (lease) {
      const until = new Date(now.getTime() + lease.leaseMs);
      for (const p of planned) {
        if (lease.take(p.targetKey)) {
          p.claimedBy = lease.workerId;
          p.claimedUntil = until;
        }
      }
    }
    const inserted = new Set(await insertDeliveries(q, planned, now));
    const leased: ClaimedDelivery[] = [];
    const wanted = planned.filter((p) => p.claimedBy && inserted.has(p.id));
    const secrets = await secretsOf(
      q,
      core,
      [...new Set(wanted.map((p) => p.endpoint?.id).filter((id) => id !== undefined))],
      now,
    );
    for (const p of wanted) {
      leased.push({
        id: p.id,
        targetKey: p.targetKey,
        format: p.format,
        url: p.url,
        schedule: p.schedule as RetrySchedule,
        attempts: 0,
        roundAttempts: 0,
        roundStartedAt: null,
        event: p.event,
        endpoint: p.endpoint ?? null,
        secrets: p.endpoint ? (secrets.get(p.endpoint.id) ?? []) : [],
      });
    }
    await q.query(
      `UPDATE outbox SET processed_at = $1, attempts = attempts + 1
       WHERE id IN (SELECT (jsonb_array_elements_text($2::jsonb))::bigint)`,
      [now, JSON.stringify(rows.map((r) => String(r.outbox_id)))],
    );
    return { processed: rows.length, leased };
  });
}

/** Active signing secrets of endpoints, current first, decrypted. */
async function secretsOf(
  q: Queryable,
  core: Core,
  endpointIds: string[],
  now: Date,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (endpointIds.length === 0) return found;
  const rows = await q.query<{ endpoint_id: string; secret_enc: string }>(
    `SELECT endpoint_id, secret_enc FROM webhook_endpoint_secrets
     WHERE endpoint_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND (expires_at IS NULL OR expires_at > $2)
     ORDER BY (expires_at IS NULL) DESC, created_at DESC, expires_at DESC`,
    [JSON.stringify(endpointIds), now],
  );
  for (const r of rows)
    found.set(r.endpoint_id, [...(found.get(r.endpoint_id) ?? []), core.box.open(r.secret_enc)]);
  return found;
}

function chargeIdOf(event: StoredEvent): string | null {
  if (event.objectType === 'charge') return event.objectId;
  if (event.objectType === 'refund' && typeof event.data.charge === 'string') return event.data.charge;
  return null;
}

async function endpointsOfApps(q: Queryable, appIds: string[]): Promise<Map<string, WebhookEndpoint[]>> {
  const byApp = new Map<string, WebhookEndpoint[]>();
  if (appIds.length === 0) return byApp;
  const rows = await q.query(
    `SELECT * FROM webhook_endpoints
     WHERE app_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND deleted_at IS NULL AND enabled
     ORDER BY created_at, id`,
    [JSON.stringify(appIds)],
  );
  for (const row of rows) {
    const endpoint = toEndpoint(row);
    byApp.set(endpoint.appId, [...(byApp.get(endpoint.appId) ?? []), endpoint]);
  }
  return byApp;
}

/** Charges of per-order dialects with a notify URL, for the charge and refund events of the batch. */
async function perOrderCharges(
  q: Queryable,
  events: StoredEvent[],
): Promise<Map<string, { dialect: FormatName; notifyUrl: string }>> {
  const ids = [...new Set(events.map(chargeIdOf).filter((id): id is string => id !== null))];
  const found = new Map<string, { dialect: FormatName; notifyUrl: string }>();
  if (ids.length === 0) return found;
  const rows = await q.query<{ id: string; dialect: FormatName; notify_url: string }>(
    `SELECT id, dialect, notify_url FROM charges
     WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND notify_url IS NOT NULL AND notify_url <> ''
       AND dialect IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [JSON.stringify(ids), JSON.stringify(PER_ORDER_FORMATS)],
  );
  for (const r of rows) found.set(r.id, { dialect: r.dialect, notifyUrl: r.notify_url });
  return found;
}

async function insertDeliveries(q: Queryable, planned: PlannedDelivery[], now: Date): Promise<string[]> {
  const inserted: string[] = [];
  // One statement per 200 rows: 13 parameters each stays far below PostgreSQL's 65535 limit.
  for (let i = 0; i < planned.length; i += 200) {
    const chunk = planned.slice(i, i + 200);
    const params: unknown[] = [];
    const values = chunk.map((p) => {
      const base = params.length;
      params.push(
        p.id,
        p.eventId,
        p.eventType,
        p.appId,
        p.livemode,
        p.endpointId,
        p.targetKey,
        p.format,
        p.url,
        JSON.stringify(p.schedule),
        now,
        p.claimedBy ?? null,
        p.claimedUntil ?? null,
      );
      const n = (k: number) => `$${base + k}`;
      return `(${n(1)}, ${n(2)}, ${n(3)}, ${n(4)}, ${n(5)}, ${n(6)}, ${n(7)}, ${n(8)}, ${n(9)}, ${n(10)}::jsonb,
        'pending', ${n(11)}::timestamptz, ${n(11)}::timestamptz, ${n(11)}::timestamptz, ${n(12)}::text,
        ${n(13)}::timestamptz)`;
    });
    const rows = await q.query<{ id: string }>(
      `INSERT INTO deliveries (id, event_id, event_type, app_id, livemode, endpoint_id, target_key, format, url,
         schedule, status, next_attempt_at, created_at, updated_at, claimed_by, claimed_until)
       VALUES ${values.join(', ')}
       ON CONFLICT (event_id, target_key) DO NOTHING RETURNING id`,
      params,
    );
    inserted.push(...rows.map((r) => r.id));
  }
  return inserted;
}
