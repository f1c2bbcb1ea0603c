import { type Insertable, sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import type { DB, Events } from './schema.js';
import { sql, sqlBuilder } from './sql.js';
import { columnsOf, prepared } from './prepared.js';

/** An event row as appended: the record of one state change, the source of its notifications. */
export interface EventRecord {
  id: string;
  appId: string | null;
  livemode: boolean;
  type: string;
  objectType: string;
  objectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const EVENT_COLUMNS = [
  'id',
  'app_id',
  'livemode',
  'type',
  'object_type',
  'object_id',
  'data',
  'created_at',
] as const;

/** An event's insert, by EVENT_COLUMNS (created_at a Date: the outbox row's times are bound to it). */
export type EventValues = Insertable<Events> &
  Record<(typeof EVENT_COLUMNS)[number], unknown> & { created_at: Date };

export function eventValues(e: EventRecord): EventValues {
  return {
    id: e.id,
    app_id: e.appId,
    livemode: e.livemode,
    type: e.type,
    object_type: e.objectType,
    object_id: e.objectId,
    data: JSON.stringify(e.data),
    created_at: e.createdAt,
  };
}

/** The event's insert, for a data-modifying CTE named `event_row`. */
export function eventInsert(values: Insertable<Events>) {
  return sql.insertInto('events').values(values).returning('id');
}

const afterEvent = sqlBuilder<DB & { event_row: { id: string } }>();

/** The outbox row of the event inserted by the `event_row` CTE beside it. */
export function outboxInsert(at: Date) {
  return afterEvent
    .insertInto('outbox')
    .columns(['event_id', 'created_at', 'available_at'])
    .expression((eb) =>
      eb
        .selectFrom('event_row')
        .select((s) => ['id', s.val(at).as('created_at'), s.val(at).as('available_at')]),
    );
}

const appendStatement = prepared<{ event: EventValues }>()((p) =>
  sql
    .with('event_row', () => eventInsert(columnsOf(p.event, EVENT_COLUMNS)))
    .with('outbox_row', () => outboxInsert(p.event.created_at))
    .selectNoFrom(raw<number>`1`.as('one')),
);

/** Appends an event and its outbox row in one statement (atomic without a transaction). */
export async function insertEvent(q: Queryable, e: EventRecord): Promise<void> {
  await appendStatement.run(q, { event: eventValues(e) });
}
