import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { appendEvent } from '../src/core/events/append-event.js';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/postgres.js';
import { createEndpoint } from '../src/deliveries/endpoints.js';
import { signatureHeader } from '../src/deliveries/formats/native.js';
import { deliveryAgent } from '../src/deliveries/send.js';
import { startNotifyWorkers } from '../src/deliveries/worker.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore } from './support.js';

const CONCURRENCY = 32;
// Rounds long enough (3000 deliveries) that a round's fixed costs (workers starting, the
// last batch of records, the 20 ms completion poll) and the bare loop's noise stay small.
const DELIVERIES = Number(process.env.NOTIFY_BENCH_N ?? 15000);
const ROUNDS = 5;
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
 * body at the same concurrency, measured in this run in interleaved rounds. Prints and
 * returns the median ratio.
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
  const core = benchCore(db);
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

    const agent = new Agent({ keepAliveTimeout: 4_000, pipelining: 1 });
    // The engine's own kind of agent (SSRF-guarded lookup), kept across rounds like the bare
    // loop's: a running node keeps its connections to a busy receiver open.
    const engineAgent = deliveryAgent(true);
    const body = JSON.stringify({
      id: 'evt_0',
      object: 'event',
      type: 'charge.created',
      data: { object: data },
    });

    /** Per operation: rate, and this process's CPU time (user + system, µs) for it. */
    interface Measured {
      rate: number;
      cpuUs: number;
    }

    /** Baseline: the same signed JSON POST, straight through undici, at the same concurrency. */
    const baseline = async (n: number): Promise<Measured> => {
      let sent = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < n) {
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
      const used = process.cpuUsage(cpu);
      return { rate: n / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / n };
    };

    /** The engine: n events in the outbox, then the clock starts with the workers. */
    const engine = async (n: number): Promise<Measured> => {
      for (let i = 0; i < n; i += 500) {
        await db.tx(async (q) => {
          for (let j = i; j < Math.min(i + 500, n); j++) {
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
      const cpu = process.cpuUsage();
      const started = performance.now();
      const workers = startNotifyWorkers(core, {
        concurrency: CONCURRENCY,
        perTargetConcurrency: CONCURRENCY,
        pollIntervalMs: 20,
        allowPrivateTargets: true,
        dispatcher: engineAgent,
      });
      // Done when nothing is left to fan out or to deliver (cheap: both are partial indexes).
      for (;;) {
        const [row] = await db.query<{ busy: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM outbox WHERE processed_at IS NULL)
               OR EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending') AS busy`,
        );
        if (!row.busy) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const rate = n / ((performance.now() - started) / 1000);
      const used = process.cpuUsage(cpu);
      await workers.stop();
      return { rate, cpuUs: (used.user + used.system) / n };
    };

    // Interleaved rounds: on a shared machine the load changes by the second, and both
    // sides should see the same weather. The ratio is the median of the rounds' ratios.
    // Warm-up (JIT, connections, caches) on both sides; not counted.
    await baseline(1000);
    await engine(1000);
    const rounds: Array<{ engine: Measured; baseline: Measured; ratio: number }> = [];
    const perRound = Math.ceil(DELIVERIES / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      const b = await baseline(perRound);
      const e = await engine(perRound);
      rounds.push({ engine: e, baseline: b, ratio: e.rate / b.rate });
    }
    await agent.close();
    await engineAgent.close();
    const [failed] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status <> 'succeeded'",
      [endpoint.id],
    );
    if (failed.n > 0) throw new Error(`${failed.n} deliveries did not succeed`);

    const sorted = rounds.map((r) => r.ratio).sort((a, b) => a - b);
    const ratio = sorted[Math.floor(sorted.length / 2)];
    for (const [i, r] of rounds.entries()) {
      console.log(
        `notify round ${i + 1}: ${r.engine.rate.toFixed(0)} deliveries/s vs bare undici POST ${r.baseline.rate.toFixed(0)}/s: ` +
          `ratio ${r.ratio.toFixed(2)} (CPU of this process: ${r.engine.cpuUs.toFixed(0)} µs per delivery, ` +
          `${r.baseline.cpuUs.toFixed(0)} µs per bare POST; PostgreSQL's own comes on top of the engine's)`,
      );
    }
    console.log(
      `notify: median ratio ${ratio.toFixed(2)} over ${ROUNDS} rounds of ${perRound} deliveries ` +
        `(concurrency ${CONCURRENCY}, target >= ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`,
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
