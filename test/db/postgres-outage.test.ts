import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.js';
import { databaseAnswers } from '../../src/db/health.js';
import { openPostgres } from '../../src/db/postgres.js';
import { JuheError } from '../../src/domain/errors.js';
import { engines, freshDb, type TestDb } from '../support/db.js';
import { PgProxy } from '../support/pg-proxy.js';

/**
 * The storage seam over a connection that restarts, freezes and refuses (a TCP proxy in
 * front of the shared server, which is never touched). Only PostgreSQL has connections to
 * lose; embedded PGlite runs in the process.
 */
describe.skipIf(!engines().includes('postgres'))('PostgreSQL outages through the storage seam', () => {
  let test: TestDb;
  let proxy: PgProxy;
  let db: Db;

  beforeAll(async () => {
    test = await freshDb('postgres');
    proxy = await PgProxy.start(test.url!);
    db = openPostgres(proxy.via(test.url!), {
      poolSize: 4,
      connectTimeoutMs: 500,
      statementTimeoutMs: 500,
      lockTimeoutMs: 300,
      idleInTransactionTimeoutMs: 5_000,
    });
  });
  afterEach(async () => {
    proxy.thaw();
    if (!proxy.connections && !(await databaseAnswers(db, 100))) await proxy.accept().catch(() => undefined);
  });
  afterAll(async () => {
    await db.close();
    await proxy.close();
    await test.drop();
  });

  const expectUnavailable = (error: unknown) => {
    expect(error).toBeInstanceOf(JuheError);
    expect((error as JuheError).code).toBe('database_unavailable');
  };

  it('a restart (every connection cut) fails the transaction in flight with database_unavailable; the next one works', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    let resume!: () => void;
    const cutDone = new Promise<void>((resolve) => (resume = resolve));
    const inFlight = db
      .tx(async (q) => {
        await q.query('SELECT 1');
        inside();
        await cutDone;
        return q.query('SELECT 2');
      })
      .catch((error: unknown) => error);
    await entered;
    proxy.cut();
    await new Promise((r) => setTimeout(r, 50));
    resume();
    expectUnavailable(await inFlight);
    // Idle pool connections were cut too: the pool replaces them without an error surfacing.
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await db.tx((q) => q.query('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
  });

  it("pg_terminate_backend (a restart's 57P01) on a checked-out client is caught, and the client is destroyed", async () => {
    const admin = new pg.Client({ connectionString: test.url! });
    await admin.connect();
    try {
      const failure = await db
        .tx(async (q) => {
          const [{ pid }] = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          // The server's 57P01 arrives while no query runs: only the 'error' listener sees it.
          await new Promise((r) => setTimeout(r, 200));
          return q.query('SELECT 1');
        })
        .catch((error: unknown) => error);
      expectUnavailable(failure);
      // Every later transaction runs on a live connection: the dead one never came back.
      for (let i = 0; i < 8; i++)
        expect(await db.tx((q) => q.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
    }
  });

  it('a frozen database answers database_unavailable within the timeouts, /readyz within 800 ms; thawed, it serves again', async () => {
    await db.query('SELECT 1');
    proxy.freeze();
    const started = Date.now();
    const [readiness, query, transaction] = await Promise.all([
      databaseAnswers(db, 800).then((ok) => ({ ok, ms: Date.now() - started })),
      db.query('SELECT 1').catch((error: unknown) => error),
      db.tx((q) => q.query('SELECT 1')).catch((error: unknown) => error),
    ]);
    const waited = Date.now() - started;
    expect(readiness.ok).toBe(false);
    expect(readiness.ms).toBeLessThan(1_000);
    expectUnavailable(query);
    expectUnavailable(transaction);
    // statement timeout 500 ms + the client's 2 s margin, plus scheduling slack.
    expect(waited).toBeLessThan(4_000);
    proxy.thaw();
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('a statement on a connection that stopped answering ends at the client read timeout; the connection is not reused', async () => {
    await db.tx((q) => q.query('SELECT 1'));
    proxy.freeze();
    const started = Date.now();
    expectUnavailable(await db.tx((q) => q.query('SELECT 1')).catch((error: unknown) => error));
    const waited = Date.now() - started;
    // Either the idle connection's read timeout (500 ms + 2 s) or a new one's connect timeout.
    expect(waited).toBeLessThan(4_000);
    proxy.thaw();
    for (let i = 0; i < 6; i++) expect(await db.tx((q) => q.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('a database that refuses connections answers database_unavailable at once; back, it serves again', async () => {
    await proxy.refuse();
    const started = Date.now();
    expectUnavailable(await db.query('SELECT 1').catch((error: unknown) => error));
    expectUnavailable(await db.tx((q) => q.query('SELECT 1')).catch((error: unknown) => error));
    expect(Date.now() - started).toBeLessThan(2_000);
    await proxy.accept();
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('a row lock held too long gives up at lock_timeout with database_unavailable, not a hang', async () => {
    await db.exec(
      'CREATE TABLE IF NOT EXISTS outage_locks (id int PRIMARY KEY); INSERT INTO outage_locks VALUES (1) ON CONFLICT DO NOTHING',
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.tx(async (q) => {
      await q.query('SELECT * FROM outage_locks WHERE id = 1 FOR UPDATE');
      locked();
      await held;
    });
    await isLocked;
    const started = Date.now();
    const waiter = await db
      .tx((q) => q.query('SELECT * FROM outage_locks WHERE id = 1 FOR UPDATE'))
      .catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(2_000);
    expectUnavailable(waiter);
    release();
    await holder;
  });
});
