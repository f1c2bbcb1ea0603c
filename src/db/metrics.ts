import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** What the Prometheus scrape reads from the database: the same truth on every node. */
export function countChargesByChannelAndStatus(q: Queryable) {
  return rows(
    q,
    sql
      .selectFrom('charges')
      .select(['channel', 'status', raw<number>`count(*)::int`.as('n')])
      .groupBy(['channel', 'status']),
  );
}

/** Unprocessed outbox rows and the age in seconds of the oldest (null when none) at `now`. */
export async function outboxBacklog(q: Queryable, now: Date): Promise<{ lag: number | null; n: number }> {
  const row = await firstRow(
    q,
    sql
      .selectFrom('outbox')
      .select([
        raw<number | null>`EXTRACT(EPOCH FROM (${now}::timestamptz - min(available_at)))::float8`.as('lag'),
        raw<number>`count(*)::int`.as('n'),
      ])
      .where('processed_at', 'is', null),
  );
  return row ?? { lag: null, n: 0 };
}
