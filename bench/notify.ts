import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { Agent, request } from 'undici';
import { connectorRegistry } from '../src/channels/registry.js';
import type { Core } from '../src/core/context.js';
import { appendEvent } from '../src/core/events/append-event.js';
import { secretBox } from '../src/core/secret-box.js';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/postgres.js';
import { systemClock } from '../src/domain/clock.js';
import { randomIds } from '../src/domain/ids.js';
import { createEndpoint } from '../src/notify/endpoints.js';
import { signatureHeader } from '../src/notify/formats/native.js';
import { startNotifyWorkers } from '../src/notify/worker.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';

const CONCURRENCY = 32;
const DELIVERIES = Number(process.env.NOTIFY_BENCH_N ?? 4000);
const TARGET = 0.5;

/** The receiver runs in its own process, so neither side of the comparison pays for it. */
async function startReceiver(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const http = require('node:http');
       const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
       server.keepAliveTimeout = 30000;
       server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (c) => resolve(String(c).trim())),
  );
  return { url: `http://127.0.0.1:${port}/hook`, child };
}

/**
 * Deliveries per second of the whole engine (outbox fan-out, claim, sign, POST, attempt log,
 * endpoint health) to a local receiver, against a bare undici POST loop of the same signed
 * body at the same concurrency, measured in this run. Prints and returns the ratio.
 */
export async function runNotifyBench(): Promise<number> {
  let db: Db;
  let drop: () => Promise<void>;
  if (process.env.DATABASE_URL) {
    db = openPostgres(process.env.DATABASE_URL, 20);
    await migrate(db);
    drop = () => db.close();
  } else {
    ({ db, drop } = await freshDb('postgres'));
  }
  const core: Core = {
    db,
    clock: systemClock,
    ids: randomIds(),
    box: secretBox(randomBytes(32)),
    connectors: connectorRegistry(),
    log: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1',
  };
  const receiver = await startReceiver();
  try {
    const { app } = await seedApp(core);
    const { endpoint, secret } = await createEndpoint(
      db,
      core,
      { appId: app.id, url: receiver.url, format: 'native', livemode: false, events: ['charge.created'] },
      { allowPrivateTargets: true },
    );
    const data = {
      id: 'ch_0',
      object: 'charge',
      amount: 1000,
      currency: 'CNY',
      status: 'pending',
      subject: 'Coffee',
    };

    // Baseline: the same signed JSON POST, straight through undici, at the same concurrency.
    const agent = new Agent({ keepAliveTimeout: 4_000, pipelining: 1 });
    const body = JSON.stringify({
      id: 'evt_0',
      object: 'event',
      type: 'charge.created',
      data: { object: data },
    });
    let sent = 0;
    const baselineStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < DELIVERIES) {
          sent++;
          const res = await request(receiver.url, {
            method: 'POST',
            dispatcher: agent,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'juhe-signature': signatureHeader([secret!], Math.floor(Date.now() / 1000), body),
            },
            body,
          });
          await res.body.text();
          if (res.statusCode !== 200) throw new Error(`baseline got HTTP ${res.statusCode}`);
        }
      }),
    );
    const baselineRate = DELIVERIES / ((performance.now() - baselineStart) / 1000);
    await agent.close();

    // The engine: DELIVERIES events in the outbox, then the clock starts with the workers.
    for (let i = 0; i < DELIVERIES; i += 500) {
      await db.tx(async (q) => {
        for (let j = i; j < Math.min(i + 500, DELIVERIES); j++) {
          await appendEvent(q, core, {
            appId: app.id,
            livemode: false,
            type: 'charge.created',
            objectType: 'charge',
            objectId: `ch_${j}`,
            data: { ...data, id: `ch_${j}` },
          });
        }
      });
    }
    const engineStart = performance.now();
    const workers = startNotifyWorkers(core, {
      concurrency: CONCURRENCY,
      perTargetConcurrency: CONCURRENCY,
      pollIntervalMs: 20,
      allowPrivateTargets: true,
    });
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status = 'succeeded'",
        [endpoint.id],
      );
      if (row.n >= DELIVERIES) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const engineRate = DELIVERIES / ((performance.now() - engineStart) / 1000);
    await workers.stop();
    const [failed] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status <> 'succeeded'",
      [endpoint.id],
    );
    if (failed.n > 0) throw new Error(`${failed.n} deliveries did not succeed`);

    const ratio = engineRate / baselineRate;
    console.log(
      `notify: ${engineRate.toFixed(0)} deliveries/s vs bare undici POST ${baselineRate.toFixed(0)}/s ` +
        `(${DELIVERIES} each, concurrency ${CONCURRENCY}): ratio ${ratio.toFixed(2)} ` +
        `(target >= ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`,
    );
    return ratio;
  } finally {
    receiver.child.kill();
    await drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runNotifyBench();
}
