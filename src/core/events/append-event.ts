import type { Queryable } from '../../db/db.js';
import type { EventType } from '../../domain/events.js';
import type { Core } from '../context.js';

export interface EventInput {
  appId: string | null;
  livemode: boolean;
  type: EventType;
  objectType: 'charge' | 'refund' | 'endpoint';
  objectId: string;
  data: Record<string, unknown>;
}

/**
 * The event and outbox inserts as data-modifying CTEs, numbered from `firstParam`, so a
 * caller can put them in the same statement as the change they record (one round trip,
 * atomic without an explicit transaction).
 */
export function eventCtes(
  core: Pick<Core, 'clock' | 'ids'>,
  e: EventInput,
  firstParam = 1,
): { id: string; ctes: string; params: unknown[] } {
  const id = core.ids.next('event');
  const at = (i: number) => `$${firstParam + i}`;
  return {
    id,
    ctes: `event_row AS (
       INSERT INTO events (id, app_id, livemode, type, object_type, object_id, data, created_at)
       VALUES (${at(0)}, ${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}) RETURNING id),
     outbox_row AS (
       INSERT INTO outbox (event_id, created_at, available_at) SELECT id, ${at(7)}, ${at(7)} FROM event_row)`,
    params: [
      id,
      e.appId,
      e.livemode,
      e.type,
      e.objectType,
      e.objectId,
      JSON.stringify(e.data),
      core.clock.now(),
    ],
  };
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
  const { id, ctes, params } = eventCtes(core, e);
  await q.query(`WITH ${ctes} SELECT 1`, params);
  return id;
}
