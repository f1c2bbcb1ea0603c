import type { Queryable } from './db.js';
import { rows, sql } from './sql.js';

/** Events about any of these objects (a charge and its refunds), oldest first. */
export function listEventsOfObjects(q: Queryable, objectIds: string[]) {
  return rows(
    q,
    sql
      .selectFrom('events')
      .select(['id', 'type', 'object_type', 'object_id', 'created_at'])
      .where('object_id', 'in', objectIds)
      .orderBy('seq'),
  );
}

/** The merchant notifications (one delivery per event and target) of these events. */
export function listDeliveriesOfEvents(q: Queryable, eventIds: string[]) {
  if (eventIds.length === 0) return Promise.resolve([]);
  return rows(
    q,
    sql
      .selectFrom('deliveries')
      .select([
        'id',
        'event_id',
        'event_type',
        'format',
        'url',
        'status',
        'attempts',
        'created_at',
        'completed_at',
      ])
      .where('event_id', 'in', eventIds)
      .orderBy('created_at')
      .orderBy('id'),
  );
}

/** Every attempt of these deliveries: when, answered what, how fast. */
export function listAttemptsOfDeliveries(q: Queryable, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return Promise.resolve([]);
  return rows(
    q,
    sql
      .selectFrom('delivery_attempts')
      .select([
        'delivery_id',
        'number',
        'outcome',
        'trigger',
        'response_status',
        'error',
        'latency_ms',
        'started_at',
      ])
      .where('delivery_id', 'in', deliveryIds)
      .orderBy('delivery_id')
      .orderBy('number'),
  );
}
