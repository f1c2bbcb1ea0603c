import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';

export type Engine = 'pglite' | 'postgres';

/**
 * Every DB-touching suite runs on both engines: `describe.each(engines())`.
 * JUHE_TEST_ENGINES=pglite (or postgres) narrows it for a quick local loop.
 * PostgreSQL is never skipped silently: if it is down, those suites fail.
 */
export function engines(): Engine[] {
  const only = process.env.JUHE_TEST_ENGINES;
  if (!only) return ['pglite', 'postgres'];
  return only.split(',').map((e) => e.trim()) as Engine[];
}

export const PG_ADMIN_URL = process.env.JUHE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  db: Db;
  /** Connection string of the throwaway database (postgres only), for servers started by a test. */
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated database: in-memory PGlite, or a throwaway PostgreSQL database. */
export async function freshDb(engine: Engine): Promise<TestDb> {
  if (engine === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return { db, url: null, drop: () => db.close() };
  }
  const name = `juhe_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), 20);
  await migrate(db);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
