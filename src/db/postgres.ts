import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, Queryable } from './db.js';
import { asCallerError, classifyDatabaseError } from './transient.js';

// int8 (bigint) columns hold minor units and counters, all within 2^53: read them as numbers.
pg.types.setTypeParser(20, (value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value out of safe range: ${value}`);
  return n;
});

/**
 * How long the gateway waits on PostgreSQL before answering a retryable 503 instead of
 * hanging with it (README: JUHE_DB_*). Every value is in milliseconds; 0 disables one.
 */
export interface PostgresOptions {
  /** Connections in this node's pool. */
  poolSize?: number;
  /** Waiting for a connection: a new one's handshake, or a free one of a busy pool. */
  connectTimeoutMs?: number;
  /** A statement running longer is cancelled by the server (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** Waiting longer for a row or table lock is given up by the server (55P03). */
  lockTimeoutMs?: number;
  /** A transaction left open and idle this long is ended by the server (a leaked client). */
  idleInTransactionTimeoutMs?: number;
  /**
   * Prepare parameterised statements once per connection under a name. Off behind a pooler
   * that hands each transaction a different server connection and does not track names
   * (PgBouncer before 1.21 in transaction mode, or without `max_prepared_statements`).
   */
  namedStatements?: boolean;
}

export const POSTGRES_DEFAULTS: Required<PostgresOptions> = {
  poolSize: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 10_000,
  lockTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 30_000,
  namedStatements: true,
};

/**
 * The server enforces statement_timeout only while it runs; a frozen or unreachable server
 * enforces nothing. The client then gives up this long after the server should have.
 */
const CLIENT_READ_MARGIN_MS = 2_000;

export function openPostgres(connectionString: string, options: PostgresOptions | number = {}): Db {
  const settings = {
    ...POSTGRES_DEFAULTS,
    ...(typeof options === 'number' ? { poolSize: options } : options),
  };
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs || undefined,
    // Session settings, sent in the startup packet of every connection.
    statement_timeout: settings.statementTimeoutMs || undefined,
    lock_timeout: settings.lockTimeoutMs || undefined,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs || undefined,
    query_timeout: settings.statementTimeoutMs
      ? settings.statementTimeoutMs + CLIENT_READ_MARGIN_MS
      : undefined,
    // A peer that vanished without a FIN (host down, network cut) is noticed, not waited on forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
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
  const run = async (client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) =>
    params && params.length > 0
      ? (
          await client.query(
            settings.namedStatements
              ? { name: nameOf(sql), text: sql, values: params as unknown[] }
              : { text: sql, values: params as unknown[] },
          )
        ).rows
      : (await client.query(sql)).rows;

  return {
    engine: 'postgres',
    // pool.query releases a failed client with its error, so the pool destroys it.
    async query(sql, params) {
      try {
        return await run(pool, sql, params);
      } catch (error) {
        throw asCallerError(error);
      }
    },
    async tx(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw asCallerError(error);
      }
      // The connection died or stopped answering: it must be destroyed, not reused, and
      // ROLLBACK on it would only wait for another timeout (the server rolls back anyway).
      let broken: unknown = null;
      // Without a listener, a connection that drops while checked out (a restart's 57P01)
      // is an unhandled 'error' event that ends the process.
      const onError = (error: unknown) => (broken ??= error);
      client.on('error', onError);
      const queryable: Queryable = {
        async query(sql, params) {
          try {
            return await run(client, sql, params);
          } catch (error) {
            if (classifyDatabaseError(error) === 'unavailable') broken ??= error;
            throw asCallerError(error);
          }
        },
      };
      try {
        await queryable.query('BEGIN');
        const result = await fn(queryable);
        await queryable.query('COMMIT');
        return result;
      } catch (error) {
        if (!broken) await client.query('ROLLBACK').catch((rollbackFailed) => (broken = rollbackFailed));
        throw asCallerError(error);
      } finally {
        client.off('error', onError);
        client.release(broken ? (broken as Error) : undefined);
      }
    },
    async exec(sql) {
      try {
        await pool.query(sql);
      } catch (error) {
        throw asCallerError(error);
      }
    },
    async close() {
      if (pool.ended) return;
      await pool.end();
    },
  };
}
