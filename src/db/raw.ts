import type { RawBuilder } from 'kysely';
import type { Queryable } from './db.js';
import { sql } from './sql.js';

/**
 * Runs a statement written with kysely's `sql` template (for the few hot-path statements the
 * builder cannot spell, e.g. jsonb_to_recordset batches): each interpolated value becomes a
 * parameter numbered by kysely, so the text is stable per shape and stays prepared.
 */
export async function rawRows<T>(q: Queryable, query: RawBuilder<T>): Promise<T[]> {
  const compiled = query.compile(sql);
  return (await q.query(compiled.sql, compiled.parameters)) as T[];
}
