import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/core/events/append-event.js';
import { secretBox } from '../../src/core/secret-box.js';
import { openPostgres } from '../../src/db/postgres.js';
import { systemClock } from '../../src/domain/clock.js';
import { updateEndpoint } from '../../src/deliveries/endpoints.js';
import { startNotifyWorkers } from '../../src/deliveries/worker.js';
import { type TestCore, testCore } from '../support/core.js';
import { paidCharge, seedApp } from '../support/fixtures.js';
import {
  type Receiver,
  answer,
  attemptRows,
  deliveryRows,
  endpoint,
  independentlyVerified,
  receiver,
} from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// These need PostgreSQL by nature: separate processes and separate connection pools
// sharing one database (PGlite is a single in-process connection).
describe('notification nodes on one PostgreSQL', () => {
  let core: TestCore;
  let appId: string;
  const masterKey = randomBytes(32);
  const receivers: Receiver[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    core = await testCore('postgres');
    core.box = secretBox(masterKey);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(receivers.map((r) => r.close()));
    await core.drop();
  });

  function node(workerId: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/deliveries/worker-process.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: core.dbUrl!,
        JUHE_MASTER_KEY: masterKey.toString('hex'),
        WORKER_ID: workerId,
        TIMEOUT_MS: '1000',
        LEASE_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stderr!.on('data', (c) => (output += c));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (c) => {
        if (String(c).includes('ready')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker ${workerId} exited (${code}): ${output}`)));
    });
  }

  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null)
        resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });

  it('a worker killed mid-delivery: after restart the notification is delivered, with the same id', async () => {
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const r = await receiver(systemClock, () => arrived()); // holds the request open: never answers
    receivers.push(r);
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.succeeded'] });
    await paidCharge(core, appId);

    const first = await node('node-a');
    await firstArrived;
    first.kill('SIGKILL');
    expect(await exited(first)).toEqual({ code: null, signal: 'SIGKILL' });
    const [inFlight] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(inFlight).toMatchObject({ status: 'pending', claimed_by: 'node-a', attempts: 0 });

    r.handler = answer(200, 'ok');
    const second = await node('node-b');
    const [done] = await waitFor('the delivery to succeed', async () => {
      const rows = await deliveryRows(core, "d.endpoint_id = $1 AND d.status = 'succeeded'", [e.id]);
      return rows.length ? rows : undefined;
    });
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });

    expect(r.requests).toHaveLength(2);
    const [lost, delivered] = r.requests;
    expect(lost.headers['juhe-notification-id']).toBe(done.id);
    expect(delivered.headers['juhe-notification-id']).toBe(done.id);
    expect(delivered.headers['juhe-event-id']).toBe(lost.headers['juhe-event-id']);
    expect(JSON.parse(delivered.body)).toEqual(JSON.parse(lost.body));
    expect(
      independentlyVerified(
        String(delivered.headers['juhe-signature']),
        delivered.body,
        [e.secret!],
        Date.now() / 1000,
      ),
    ).toEqual([0]);
    const attempts = await attemptRows(core, done.id);
    expect(attempts.map((a) => [a.number, a.outcome, a.worker])).toEqual([
      [1, 'abandoned', 'node-a'],
      [2, 'succeeded', 'node-b'],
    ]);
    expect(done).toMatchObject({ attempts: 2, claimed_by: null, claimed_until: null });
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('two nodes: every notification delivered, none by both', async () => {
    const r = await receiver(systemClock, (_req, res) => {
      setTimeout(() => res.end('ok'), Math.floor(Math.random() * 4));
    });
    receivers.push(r);
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.created'] });
    const count = 300;
    await core.db.tx(async (q) => {
      for (let i = 0; i < count; i++) {
        await appendEvent(q, core, {
          appId,
          livemode: false,
          type: 'charge.created',
          objectType: 'charge',
          objectId: `ch_${i}`,
          data: { i },
        });
      }
    });
    const nodes = ['node-1', 'node-2'].map((workerId) => {
      const db = openPostgres(core.dbUrl!, 5);
      const nodeCore = { ...core, db, clock: systemClock, log: pino({ level: 'silent' }) };
      return {
        db,
        workers: startNotifyWorkers(nodeCore, { workerId, pollIntervalMs: 20, allowPrivateTargets: true }),
      };
    });
    await waitFor('all deliveries', async () => {
      const [row] = await core.db.query(
        "SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status = 'succeeded'",
        [e.id],
      );
      return row.n === count;
    });
    for (const n of nodes) {
      await n.workers.stop();
      await n.db.close();
    }
    const ids = r.requests.map((req) => String(req.headers['juhe-notification-id']));
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    const events = new Set(r.requests.map((req) => JSON.parse(req.body).data.object.i));
    expect(events.size).toBe(count);
    const attempts = await core.db.query(
      `SELECT a.worker, count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE d.endpoint_id = $1 GROUP BY a.worker ORDER BY a.worker`,
      [e.id],
    );
    expect(attempts.reduce((sum, a) => sum + a.n, 0)).toBe(count);
    // Both nodes took part.
    expect(attempts.map((a) => a.worker)).toEqual(['node-1', 'node-2']);
    const [dupes] = await core.db.query(
      `SELECT count(*)::int AS n FROM (SELECT a.delivery_id FROM delivery_attempts a
         JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1
         GROUP BY a.delivery_id HAVING count(*) > 1) x`,
      [e.id],
    );
    expect(dupes.n).toBe(0);
  });
});
