import type { Core } from '../core/context.js';
import type { Queryable } from '../db/db.js';
import {
  type DueEventRow,
  type PlannedDeliveryRow,
  claimDueEvents,
  insertDeliveriesAndMarkProcessed,
} from '../db/outbox.js';
import { preferIndexLookups } from '../db/plans.js';
import { endpointsOfAppsWithSecrets } from '../db/webhook-endpoints.js';
import type { ClaimedDelivery } from './deliver.js';
import type { FormatName, RetrySchedule, StoredEvent } from './format.js';
import { findFormat } from './formats/index.js';
import { type WebhookEndpoint, effectiveSchedule, endpointWants, toEndpoint } from './endpoints.js';

/** An event row (or the same columns of a joined row); created_at may come through JSON. */
export interface EventColumns {
  id: string;
  app_id: string | null;
  livemode: boolean;
  type: string;
  object_type: string;
  object_id: string;
  data: unknown;
  created_at: Date | string;
}

export function toStoredEvent(r: EventColumns): StoredEvent {
  return {
    id: r.id,
    appId: r.app_id,
    livemode: r.livemode,
    type: r.type,
    objectType: r.object_type,
    objectId: r.object_id,
    data: r.data as StoredEvent['data'],
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
    await preferIndexLookups(q);
    const rows = await claimDueEvents(q, now, batchSize, PER_ORDER_FORMATS);
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
      const row: DueEventRow = rows[i]!;
      const charge = row.charge_notify_url
        ? { dialect: row.charge_dialect as FormatName, notifyUrl: row.charge_notify_url }
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
        planned.map(toDeliveryRow),
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
  for (const row of await endpointsOfAppsWithSecrets(q, appIds, now)) {
    const endpoint = toEndpoint(row);
    const secrets = (row.secrets_enc ?? []).map((sealed) => core.box.open(sealed));
    byApp.set(endpoint.appId, [...(byApp.get(endpoint.appId) ?? []), { endpoint, secrets }]);
  }
  return byApp;
}

function toDeliveryRow(p: PlannedDelivery): PlannedDeliveryRow {
  return {
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
  };
}
