import type { Queryable } from '../../db/db.js';
import { type EventRecord, insertEvent } from '../../db/event-records.js';
import type { EventType } from '../../domain/events.js';
import type { Core } from '../context.js';

export interface EventInput {
  appId: string | null;
  livemode: boolean;
  type: EventType;
  objectType: 'charge' | 'refund' | 'endpoint' | 'reconciliation_run';
  objectId: string;
  data: Record<string, unknown>;
}

/** The event row recording `e`, with its id and time: for a caller that writes it in its own statement. */
export function newEvent(core: Pick<Core, 'clock' | 'ids'>, e: EventInput): EventRecord {
  return { id: core.ids.next('event'), ...e, createdAt: core.clock.now() };
}

/**
 * Appends an event and its outbox row. Always called inside the transaction that made
 * the state change, so a change and its notification are committed together or not at all.
 */
export async function appendEvent(
  q: Queryable,
  core: Pick<Core, 'clock' | 'ids'>,
  e: EventInput,
): Promise<string> {
  const event = newEvent(core, e);
  await insertEvent(q, event);
  return event.id;
}
