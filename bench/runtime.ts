import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../test/support/build.js';
import { type Engine, freshDb } from '../test/support/db.js';
import {
  type GatewayProcess,
  type Runtime,
  freePort,
  startGateway,
  waitForExit,
} from '../test/support/process.js';
import { load } from './support.js';

/**
 * What running the gateway costs, on each engine: time from spawning `juhe start` to its
 * first 200 from /readyz on an existing database (and the CPU it spent getting there, which
 * a loaded machine does not inflate), resident memory at idle, and resident memory under
 * the admin API's create-charge load (the demo's WeChat Pay QR charge, through its
 * simulator). `compiled` is what `npm start` runs (`node bin/juhe.js start`); `tsx` is the
 * TypeScript start production used before, the "before" row. Figures only, no targets.
 */
export interface RuntimeFigures {
  engine: Engine;
  runtime: Runtime;
  readyMs: number;
  /** CPU (user + system) the process spent until ready. */
  readyCpuMs: number;
  idleMb: number;
  /** The highest resident memory sampled while the load ran. */
  loadMb: number;
  loadRps: number;
}

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const ENGINES = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',') as Engine[];
const RUNTIMES: Runtime[] = ['tsx', 'compiled'];

export async function runRuntimeBench(): Promise<RuntimeFigures[]> {
  await ensureBuilt();
  const figures: RuntimeFigures[] = [];
  for (const engine of ENGINES) {
    const database = await existingDatabase(engine);
    try {
      for (const runtime of RUNTIMES) figures.push(await measure(engine, runtime, database.env));
    } finally {
      await database.drop();
    }
  }
  printTable(figures);
  return figures;
}

/** A migrated, seeded database, as a gateway that has run before leaves it. */
async function existingDatabase(engine: Engine) {
  const home = mkdtempSync(join(tmpdir(), 'juhe-bench-runtime-'));
  const env: Record<string, string> = { JUHE_HOME: home };
  let dropServer = async () => {};
  if (engine === 'postgres') {
    const fresh = await freshDb('postgres');
    env.DATABASE_URL = fresh.url!;
    dropServer = fresh.drop;
  }
  await stop(await startGateway(env, await freePort()));
  return {
    env,
    drop: async () => {
      await dropServer();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function measure(
  engine: Engine,
  runtime: Runtime,
  env: Record<string, string>,
): Promise<RuntimeFigures> {
  const gateway = await startGateway(env, await freePort(), runtime);
  try {
    const pid = gateway.child.pid!;
    const readyCpuMs = cpuMs(pid);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idleMb = rssMb(pid);
    let loadMb = 0;
    const sampler = setInterval(() => (loadMb = Math.max(loadMb, rssMb(pid))), 250);
    const demo = JSON.parse(readFileSync(join(env.JUHE_HOME!, 'demo.json'), 'utf8'));
    const created = await load({
      url: `${gateway.url}/api/v1/charges`,
      method: 'POST',
      headers: { authorization: `Bearer ${demo.console.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        app: demo.ids.app,
        order_no: `bench-${runtime}-[<id>]`,
        channel: 'wechatpay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'bench',
      }),
      seconds: LOAD_SECONDS,
    }).finally(() => clearInterval(sampler));
    return { engine, runtime, readyMs: gateway.readyMs, readyCpuMs, idleMb, loadMb, loadRps: created.rps };
  } finally {
    await stop(gateway);
  }
}

async function stop(gateway: GatewayProcess) {
  gateway.child.kill('SIGTERM');
  await waitForExit(gateway.child);
}

/** Resident set size from /proc (Linux), MB. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const TICKS_PER_SECOND = 100; // USER_HZ

/** User + system CPU a process has spent, from /proc/<pid>/stat (utime, stime), ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function printTable(figures: RuntimeFigures[]) {
  console.log(
    `runtime (ready on an existing database; RSS ${IDLE_SECONDS} s idle, and peak under ` +
      `${LOAD_SECONDS} s of admin create-charge load at 16 connections):`,
  );
  for (const f of figures) {
    console.log(
      `  ${f.engine.padEnd(8)} ${f.runtime.padEnd(8)} ready ${(f.readyMs / 1000).toFixed(2)} s ` +
        `(cpu ${(f.readyCpuMs / 1000).toFixed(2)} s)  idle ${f.idleMb.toFixed(0)} MB  ` +
        `load ${f.loadMb.toFixed(0)} MB (${f.loadRps.toFixed(0)} creates/s)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runRuntimeBench();
}
