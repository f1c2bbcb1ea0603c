import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Reading the event log (events are appended by core/events/append-event.ts). */
export function findEvent(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('events').selectAll().where('id', '=', id));
}

export interface EventFilter {
  appId?: string;
  objectId?: string;
  type?: string;
  startingAfter?: string;
}

/**
 * Newest first by sequence number (commit order within one writer); `limit + 1` rows so
 * the caller knows whether there is more.
 */
export function listEvents(q: Queryable, f: EventFilter, limit: number) {
  let query = sql.selectFrom('events').selectAll();
  if (f.appId !== undefined) query = query.where('app_id', '=', f.appId);
  if (f.objectId !== undefined) query = query.where('object_id', '=', f.objectId);
  if (f.type !== undefined) query = query.where('type', '=', f.type);
  const after = f.startingAfter;
  if (after !== undefined) {
    query = query.where('seq', '<', (eb) => eb.selectFrom('events').select('seq').where('id', '=', after));
  }
  return rows(q, query.orderBy('seq', 'desc').limit(limit + 1));
}
