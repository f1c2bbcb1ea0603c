import type { Selectable } from 'kysely';
import { listAuditLog, type AuditLogFilter } from '../db/audit-log.js';
import { type EventFilter, findEvent, listEvents as listEventRows } from '../db/event-log.js';
import { pageOf } from '../db/keyset.js';
import type { AuditLog, Events } from '../db/schema.js';
import type { Core } from './context.js';

/** The read-only ledgers the console pages through: events and the audit log. */
export type EventRow = Selectable<Events>;
export type AuditRow = Selectable<AuditLog>;

export const retrieveEvent = (core: Core, id: string) => findEvent(core.db, id);

export async function listEvents(core: Core, filter: EventFilter, limit = 20) {
  return pageOf(await listEventRows(core.db, filter, limit), limit);
}

export async function listAuditEntries(core: Core, filter: AuditLogFilter, limit = 20) {
  return pageOf(await listAuditLog(core.db, filter, limit), limit);
}
