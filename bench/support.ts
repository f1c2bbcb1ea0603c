import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import pino from 'pino';
import { type ConnectorRegistry, connectorRegistry } from '../src/channels/registry.js';
import type { Core } from '../src/core/context.js';
import { secretBox } from '../src/core/secret-box.js';
import type { Db } from '../src/db/db.js';
import { systemClock } from '../src/domain/clock.js';
import { randomIds } from '../src/domain/ids.js';

const run = promisify(execFile);
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface Measured {
  rps: number;
  p99: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Request body; `[<id>]` is replaced by a fresh id per request (unique order numbers). */
  body?: string;
  connections?: number;
  seconds?: number;
  /** Offered load: requests per second over all connections (autocannon -R); unlimited when absent. */
  rate?: number;
}

/**
 * autocannon in its own process for a fixed time at a fixed concurrency, so the load
 * generator never shares an event loop with the server under test. Returns requests/s
 * (2xx only) and p99 ms; any non-2xx or error fails the benchmark.
 */
export async function load(o: LoadOptions): Promise<Measured> {
  const args = [AUTOCANNON, '--json', '-c', String(o.connections ?? 16), '-d', String(o.seconds ?? 5)];
  if (o.rate !== undefined) args.push('-R', String(o.rate));
  args.push('-m', o.method ?? 'GET');
  for (const [key, value] of Object.entries(o.headers ?? {})) args.push('-H', `${key}=${value}`);
  if (o.body !== undefined) args.push('-b', o.body, '--idReplacement');
  args.push(o.url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(stdout) as {
    '2xx': number;
    non2xx: number;
    errors: number;
    duration: number;
    latency: { p99: number };
  };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`benchmark saw ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  }
  return { rps: result['2xx'] / result.duration, p99: result.latency.p99 };
}

/** Runs `op` from `concurrency` loops for `seconds`; returns operations/s and p99 ms. */
export async function loop(
  op: (i: number) => Promise<unknown>,
  concurrency = 16,
  seconds = 5,
): Promise<Measured> {
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const started = performance.now();
        await op(n++);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

export function report(
  name: string,
  subject: Measured,
  baseline: Measured,
  baselineName: string,
  target: number,
) {
  const ratio = subject.rps / baseline.rps;
  console.log(
    `${name}: ${subject.rps.toFixed(0)}/s (p99 ${subject.p99.toFixed(1)} ms) vs ${baselineName} ` +
      `${baseline.rps.toFixed(0)}/s (p99 ${baseline.p99.toFixed(1)} ms): ratio ${ratio.toFixed(2)} ` +
      `(target >= ${target}) ${ratio >= target ? 'OK' : 'BELOW TARGET'}`,
  );
  return ratio;
}

/**
 * A Core for a benchmark: the system clock, fresh ids and master key, silent logs. Its
 * public URL is set once the server under test listens.
 */
export function benchCore(db: Db, connectors: ConnectorRegistry = connectorRegistry()): Core {
  return {
    db,
    clock: systemClock,
    ids: randomIds(),
    box: secretBox(randomBytes(32)),
    connectors,
    log: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1',
  };
}
