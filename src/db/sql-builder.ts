import {
  type Compilable,
  DummyDriver,
  type InferResult,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import type { Queryable } from './db.js';

/**
 * kysely as a typed SQL builder only: queries are compiled here and executed through the
 * storage seam (`Queryable`), so one statement runs unchanged on PGlite or PostgreSQL, inside
 * or outside a transaction, and keeps the seam's prepared-statement cache (named by SQL text).
 */
export function sqlBuilder<Schema>(): Kysely<Schema> {
  return new Kysely<Schema>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** Runs a built query on `q` and returns its rows, typed by the query. */
export async function rows<Q extends Compilable<unknown>>(q: Queryable, query: Q): Promise<InferResult<Q>> {
  const compiled = query.compile();
  return (await q.query(compiled.sql, compiled.parameters)) as InferResult<Q>;
}

/** The first row of a built query, or undefined. */
export async function firstRow<Q extends Compilable<unknown>>(
  q: Queryable,
  query: Q,
): Promise<InferResult<Q>[number] | undefined> {
  return ((await rows(q, query)) as unknown[])[0] as InferResult<Q>[number] | undefined;
}
