import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import {
  BenchAbort,
  type ClientSpec,
  type Prepared,
  type Subject,
  buildSubject,
  fail,
} from './dialect-clients.js';
import { type Measured, loop } from './support.js';

/**
 * The load generator of the dialect benchmark, in its own thread: the merchant's client
 * (bench/dialect-clients.ts) over undici's connection pool, `concurrency` requests in
 * flight. It shares the machine with the server, as autocannon does in the admin
 * benchmark, but not the server's event loop. (fetch cost this machine more CPU per
 * request than the gateway's whole create.) Driven by messages from bench/load.ts.
 */

export interface LoadWorkerData {
  url: string;
  spec: ClientSpec;
  concurrency: number;
}

export type LoadCommand =
  | {
      type: 'run';
      seconds: number;
      warmupSeconds: number;
      firstIndex: number;
      prebuilt?: number;
      /** Requests per second to offer (at most `concurrency` in flight); as fast as it goes when absent. */
      rate?: number;
    }
  | { type: 'cost'; rounds: number }
  /** The CPU window is closed: check the answers held back during the run. */
  | { type: 'check' };

export type LoadReply =
  | { type: 'measuring' }
  /** The measured window is over; the answers are checked once the parent says `check`. */
  | { type: 'measured' }
  | { type: 'result'; rps: number; p99: number; requests: number; clientUsPerRequest: number }
  | { type: 'cost'; usPerRequest: number }
  | { type: 'error'; message: string };

const { url, spec, concurrency } = workerData as LoadWorkerData;
const subject = buildSubject(spec);
const pool = new Pool(url, { connections: concurrency });
const name = spec.kind;

interface Answer {
  status: number;
  text: string;
}

/**
 * Answers wait here to be checked after the measured window: the merchant's own checking
 * (a signature, a decryption) is client work, like building the requests, and on this
 * shared machine it would otherwise take the gateway's CPU. Every answer is still checked
 * before the run's result is given.
 */
let unchecked: Answer[] = [];

async function send(prepared: Prepared): Promise<void> {
  const response = await pool.request({ method: 'POST', ...prepared });
  unchecked.push({ status: response.statusCode, text: await response.body.text() });
}

function checkAnswers(): void {
  const answers = unchecked;
  unchecked = [];
  for (const { status, text } of answers) {
    try {
      subject.check(status, text);
    } catch (error) {
      if (error instanceof BenchAbort) throw error;
      fail(name, status, text, `unreadable answer: ${(error as Error).message}`);
    }
  }
}

/**
 * The same client's requests, built (signed, encrypted) before the clock starts, so the
 * measured time is the server's and the sending; past the pool it builds on the fly.
 */
function prebuilt(count: number, firstIndex: number): Subject {
  const ready = Array.from({ length: count }, (_, i) => subject.prepare(firstIndex + i));
  let next = 0;
  return {
    prepare: (n) => ready[next++] ?? subject.prepare(n),
    check: subject.check,
  };
}

/**
 * Offers `rate` requests per second for `seconds`, in 10 ms ticks, never more than
 * `concurrency` in flight; returns the rate achieved and the p99 latency.
 */
async function paced(once: () => Promise<void>, rate: number, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  let offered = 0;
  let inFlight = 0;
  let failure: unknown = null;
  while (performance.now() < end && failure === null) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; offered < due && inFlight < concurrency; offered++) {
      inFlight++;
      const at = performance.now();
      once().then(
        () => {
          inFlight--;
          latencies.push(performance.now() - at);
        },
        (error) => {
          failure = error;
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  while (inFlight > 0 && failure === null) await new Promise((resolve) => setTimeout(resolve, 5));
  if (failure !== null) throw failure;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

async function run(command: Extract<LoadCommand, { type: 'run' }>): Promise<LoadReply> {
  const source = command.prebuilt ? prebuilt(command.prebuilt, command.firstIndex) : subject;
  let n = command.firstIndex;
  const once = () => send(source.prepare(n++));
  const drive = (seconds: number) =>
    command.rate ? paced(once, command.rate, seconds) : loop(once, concurrency, seconds);
  // One request alone first, so a misconfigured subject fails with its own answer.
  await once();
  checkAnswers();
  await drive(command.warmupSeconds);
  checkAnswers();
  parentPort!.postMessage({ type: 'measuring' } satisfies LoadReply);
  const before = performance.eventLoopUtilization();
  const measured = await drive(command.seconds);
  const used = performance.eventLoopUtilization(before);
  const checkNow = new Promise<void>((resolve) => (checkRequested = resolve));
  parentPort!.postMessage({ type: 'measured' } satisfies LoadReply);
  await checkNow;
  checkAnswers();
  const requests = Math.round(measured.rps * command.seconds);
  return {
    type: 'result',
    rps: measured.rps,
    p99: measured.p99,
    requests,
    clientUsPerRequest: (used.active * 1000) / Math.max(requests, 1),
  };
}

function cost(rounds: number): LoadReply {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) subject.prepare(2_000_000_000 + i);
  return { type: 'cost', usPerRequest: ((performance.now() - started) * 1000) / rounds };
}

/** Resolved when the parent has closed its CPU window (the `check` command). */
let checkRequested: (() => void) | null = null;

parentPort!.on('message', (command: LoadCommand) => {
  if (command.type === 'check') {
    checkRequested?.();
    return;
  }
  const reply = command.type === 'run' ? run(command) : Promise.resolve(cost(command.rounds));
  reply.then(
    (message) => parentPort!.postMessage(message),
    (error: Error) => parentPort!.postMessage({ type: 'error', message: error.message } satisfies LoadReply),
  );
});
