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
): Promise<{ processed: number; created: number; leased: ClaimedDelivery[] }> {
  const batchSize = options.batchSize ?? 100;
  // Four statements whatever the batch size: a round trip costs the engine and the database
  // about as much CPU as writing a delivery row does.
  return core.db.tx(async (q) => {
    const now = options.now ?? core.clock.now();
    await q.query(LOOKUP_BY_ID);
    const rows = await dueEvents(q, now, batchSize);
    if (rows.length === 0) return { processed: 0, created: 0, leased: [] };
    const events = rows.map(toStoredEvent);
    const endpoints = await endpointsOfApps(
      q,
      core,
      [...new Set(events.map((e) => e.appId).filter((a) => a !== null))],
      now,
    );

    const planned: PlannedDelivery[] = [];
    for (const [i, event] of events.entries()) {
      for (const { endpoint } of endpoints.get(event.appId ?? '') ?? []) {
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
      const charge = rows[i].charge_notify_url
        ? { dialect: rows[i].charge_dialect as FormatName, notifyUrl: rows[i].charge_notify_url as string }
        : null;
      if (charge) {
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
    const inserted = new Set(
      await insertDeliveriesAndMarkProcessed(
        q,
        planned,
        rows.map((r) => String(r.outbox_id)),
        now,
      ),
    );
    const leased: ClaimedDelivery[] = [];
    for (const p of planned) {
      if (!p.claimedBy || !inserted.has(p.id)) continue;
      const secrets = p.endpoint
        ? (endpoints.get(p.endpoint.appId)?.find((e) => e.endpoint.id === p.endpoint!.id)?.secrets ?? [])
        : [];
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
        secrets,
        leasedUntil: p.claimedUntil!,
      });
    }
    return { processed: rows.length, created: inserted.size, leased };
  });
}

/**
 * Claims due outbox rows (SKIP LOCKED) with their events and, for charge and refund events,
 * the per-order notify URL of the charge when it belongs to a per-order dialect. The rows
 * are picked in the order of the partial index on due rows, so the scan stops after the
 * batch (a sort would read every due row first) and, being a plain index scan, marks the
 * entries of processed rows dead for the next fan-out.
 */
async function dueEvents(q: Queryable, now: Date, batchSize: number): Promise<Record<string, any>[]> {
  return q.query(
    `WITH o AS (
       SELECT id, event_id, available_at FROM outbox
       WHERE processed_at IS NULL AND available_at <= $1
       ORDER BY available_at LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     SELECT o.id AS outbox_id, e.id, e.app_id, e.livemode, e.type, e.object_type, e.object_id, e.data, e.created_at,
       c.dialect AS charge_dialect, c.notify_url AS charge_notify_url
     FROM o JOIN events e ON e.id = o.event_id
     LEFT JOIN charges c ON c.id = CASE
         WHEN e.object_type = 'charge' THEN e.object_id
         WHEN e.object_type = 'refund' AND jsonb_typeof(e.data -> 'charge') = 'string' THEN e.data ->> 'charge'
       END
       AND c.notify_url IS NOT NULL AND c.notify_url <> ''
       AND c.dialect IN (SELECT jsonb_array_elements_text($3::jsonb))
     ORDER BY o.available_at, o.id`,
    [now, batchSize, JSON.stringify(PER_ORDER_FORMATS)],
  );
}

interface EndpointWithSecrets {
  endpoint: WebhookEndpoint;
  /** Active signing secrets, current first, decrypted. */
  secrets: string[];
}

/** The enabled endpoints of the apps, oldest first, each with its active secrets. */
async function endpointsOfApps(
  q: Queryable,
  core: Core,
  appIds: string[],
  now: Date,
): Promise<Map<string, EndpointWithSecrets[]>> {
  const byApp = new Map<string, EndpointWithSecrets[]>();
  if (appIds.length === 0) return byApp;
  const rows = await q.query(
    `SELECT w.*,
       (SELECT jsonb_agg(s.secret_enc ORDER BY (s.expires_at IS NULL) DESC, s.created_at DESC, s.expires_at DESC)
        FROM webhook_endpoint_secrets s
        WHERE s.endpoint_id = w.id AND (s.expires_at IS NULL OR s.expires_at > $2)) AS secrets_enc
     FROM webhook_endpoints w
     WHERE w.app_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND w.deleted_at IS NULL AND w.enabled
     ORDER BY w.created_at, w.id`,
    [JSON.stringify(appIds), now],
  );
  for (const row of rows) {
    const endpoint = toEndpoint(row);
    const secrets = ((row.secrets_enc as string[] | null) ?? []).map((sealed) => core.box.open(sealed));
    byApp.set(endpoint.appId, [...(byApp.get(endpoint.appId) ?? []), { endpoint, secrets }]);
  }
  return byApp;
}

/**
 * Inserts the planned deliveries (one per event and target: a row planned twice, by two
 * nodes racing on a replayed outbox row, is skipped) and marks the outbox rows processed, in
 * one statement. Returns the ids inserted.
 */
async function insertDeliveriesAndMarkProcessed(
  q: Queryable,
  planned: PlannedDelivery[],
  outboxIds: string[],
  now: Date,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `WITH p AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS p(
         id text, event_id text, event_type text, app_id text, livemode boolean, endpoint_id text, target_key text,
         format text, url text, schedule jsonb, claimed_by text, claimed_until timestamptz)
     ), done AS (
       UPDATE outbox SET processed_at = $2, attempts = attempts + 1
       -- an array, so that each row is looked up through the primary key
       WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text($3::jsonb))::bigint))
     )
     INSERT INTO deliveries (id, event_id, event_type, app_id, livemode, endpoint_id, target_key, format, url,
       schedule, status, next_attempt_at, created_at, updated_at, claimed_by, claimed_until)
     SELECT id, event_id, event_type, app_id, livemode, endpoint_id, target_key, format, url,
       schedule, 'pending', $2, $2, $2, claimed_by, claimed_until
     FROM p
     ON CONFLICT (event_id, target_key) DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        planned.map((p) => ({
          id: p.id,
          event_id: p.eventId,
          event_type: p.eventType,
          app_id: p.appId,
          livemode: p.livemode,
          endpoint_id: p.endpointId,
          target_key: p.targetKey,
          format: p.format,
          url: p.url,
          schedule: p.schedule,
          claimed_by: p.claimedBy ?? null,
          claimed_until: p.claimedUntil?.toISOString() ?? null,
        })),
      ),
      now,
      JSON.stringify(outboxIds),
    ],
  );
  return rows.map((r) => r.id);
}
