import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, Queryable } from './db.js';

// int8 (bigint) columns hold minor units and counters, all within 2^53: read them as numbers.
pg.types.setTypeParser(20, (value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value out of safe range: ${value}`);
  return n;
});

export function openPostgres(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Parameterised statements are prepared once per connection (named by a hash of their
  // text): PostgreSQL then skips parse and plan on every later call, the hot paths' main cost.
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (!name) names.set(sql, (name = 'j' + createHash('sha1').update(sql).digest('hex').slice(0, 20)));
    return name;
  };
  const queryable = (client: pg.Pool | pg.PoolClient): Queryable => ({
    query: async (sql, params) =>
      params && params.length > 0
        ? (await client.query({ name: nameOf(sql), text: sql, values: params as unknown[] })).rows
        : (await client.query(sql)).rows,
  });
  return {
    engine: 'postgres',
    ...queryable(pool),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      if (pool.ended) return;
      await pool.end();
    },
  };
}
