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
 * Appends an event and its outbox row. Always called inside the transaction that made
 * the state change, so a change and its notification are committed together or not at all.
 */
export async function appendEvent(
  q: Queryable,
  core: Pick<Core, 'clock' | 'ids'>,
  e: EventInput,
): Promise<string> {
  const id = core.ids.next('event');
  const now = core.clock.now();
  // One round trip for both rows: the event and the outbox row that will announce it.
  await q.query(
    `WITH event AS (
       INSERT INTO events (id, app_id, livemode, type, object_type, object_id, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id)
     INSERT INTO outbox (event_id, created_at, available_at) SELECT id, $8, $8 FROM event`,
    [id, e.appId, e.livemode, e.type, e.objectType, e.objectId, JSON.stringify(e.data), now],
  );
  return id;
}
