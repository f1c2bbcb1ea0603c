import {
  listAttemptsOfDeliveries,
  listDeliveriesOfEvents,
  listEventsOfObjects,
} from '../../db/charge-timeline.js';
import type { Core } from '../context.js';
import { serializeCharge, serializeRefund } from '../serialize.js';
import { retrieveChargeWithRefunds } from './list-refunds.js';

export interface TimelineEntry {
  at: string;
  kind: 'created' | 'event' | 'refund' | 'notification' | 'attempt' | 'paid' | 'closed';
  /** event type, refund status, delivery status or attempt outcome */
  label: string;
  ref?: string;
  detail?: Record<string, unknown>;
}

/**
 * Everything that happened to one charge, oldest first: its creation, each state change
 * (the events it wrote), each refund, and every merchant notification with its attempts.
 */
export async function chargeTimeline(core: Core, chargeId: string) {
  const [charge, refunds] = await retrieveChargeWithRefunds(core, chargeId);
  const events = await listEventsOfObjects(core.db, [charge.id, ...refunds.map((r) => r.id)]);
  const deliveries = await listDeliveriesOfEvents(
    core.db,
    events.map((e) => e.id),
  );
  const attempts = await listAttemptsOfDeliveries(
    core.db,
    deliveries.map((d) => d.id),
  );
  const iso = (d: Date | string) => new Date(d).toISOString();
  const entries: TimelineEntry[] = [
    { at: iso(charge.createdAt), kind: 'created', label: 'created', ref: charge.id },
    ...events.map((e) => ({
      at: iso(e.created_at),
      kind: 'event' as const,
      label: e.type,
      ref: e.id,
      detail: { object: e.object_id },
    })),
    ...refunds.map((r) => ({
      at: iso(r.createdAt),
      kind: 'refund' as const,
      label: r.status,
      ref: r.id,
      detail: { amount: r.amount, currency: r.currency, description: r.description },
    })),
    ...deliveries.map((d) => ({
      at: iso(d.created_at),
      kind: 'notification' as const,
      label: d.status,
      ref: d.id,
      detail: { event_type: d.event_type, format: d.format, url: d.url, attempts: d.attempts },
    })),
    ...attempts.map((a) => ({
      at: iso(a.started_at),
      kind: 'attempt' as const,
      label: a.outcome,
      ref: a.delivery_id,
      detail: {
        number: a.number,
        trigger: a.trigger,
        response_status: a.response_status,
        error: a.error,
        latency_ms: a.latency_ms,
      },
    })),
  ];
  // Stable: equal instants keep the order above (creation before its event, delivery before its attempt).
  entries.sort((a, b) => a.at.localeCompare(b.at));
  return { charge: serializeCharge(charge), refunds: refunds.map(serializeRefund), timeline: entries };
}
