import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';

/**
 * Row lookups through indexes, however small the tables were when a statement was first
 * prepared. A prepared statement keeps the generic plan made on its sixth run; made while
 * `deliveries` or `outbox` was small (a fresh install, a quiet night), that plan reads the
 * whole table for every batch, on that connection until the next ANALYZE: the engine's main
 * cost once the table has grown. Run first in a transaction; it is local to it, so nothing
 * else on the connection is affected.
 */
export async function preferIndexLookups(q: Queryable): Promise<void> {
  await rawRows(q, raw`SELECT set_config('enable_seqscan', 'off', true)`);
}
