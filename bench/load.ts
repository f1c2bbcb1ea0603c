import { Worker } from 'node:worker_threads';
import type { ClientSpec } from './dialect-clients.js';
import { type CpuMark, cpuNow, cpuSince } from './cpu.js';
import type { LoadCommand, LoadReply, LoadWorkerData } from './load-worker.js';
import type { Measured } from './support.js';

export interface LoadResult extends Measured {
  requests: number;
  /** Client thread time per request in the measured window (sending; building past the prebuilt pool), microseconds. */
  clientUs: number;
  /** CPU per request over the measured window: this process (all threads) and PostgreSQL. */
  cpuUs: { process: number; postgres: number; total: number };
}

export interface LoadGenerator {
  run(options: {
    seconds: number;
    warmupSeconds: number;
    prebuilt?: number;
    rate?: number;
  }): Promise<LoadResult>;
  /** Average time the client takes to build (sign, encrypt) one request, microseconds. */
  prepareCost(rounds?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Request numbers are handed out in blocks, so order numbers never repeat across runs. */
let nextBlock = 1;
const BLOCK = 10_000_000;

/** A load worker (bench/load-worker.ts) for one client, kept for all of its runs. */
export function loadGenerator(url: string, spec: ClientSpec, concurrency: number): LoadGenerator {
  const workerData: LoadWorkerData & { entry: string } = {
    entry: new URL('./load-worker.ts', import.meta.url).href,
    url,
    spec,
    concurrency,
  };
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData });
  let pending: { onReply: (reply: LoadReply) => void; reject: (error: Error) => void } | null = null;
  worker.on('message', (reply: LoadReply) => pending?.onReply(reply));
  worker.on('error', (error) => pending?.reject(error));

  function ask<T>(command: LoadCommand, onReply: (reply: LoadReply, done: (value: T) => void) => void) {
    return new Promise<T>((resolve, reject) => {
      pending = {
        reject,
        onReply: (reply) => {
          if (reply.type === 'error') reject(new Error(reply.message));
          else onReply(reply, resolve);
        },
      };
      worker.postMessage(command);
    });
  }

  return {
    run({ seconds, warmupSeconds, prebuilt, rate }) {
      let start: CpuMark | null = null;
      let used: ReturnType<typeof cpuSince> | null = null;
      const firstIndex = nextBlock++ * BLOCK;
      return ask<LoadResult>(
        { type: 'run', seconds, warmupSeconds, firstIndex, prebuilt, rate },
        (reply, done) => {
          if (reply.type === 'measuring') start = cpuNow();
          if (reply.type === 'measured' && start) {
            // The window closes before the worker checks the answers it held back.
            used = cpuSince(start);
            worker.postMessage({ type: 'check' } satisfies LoadCommand);
          }
          if (reply.type !== 'result' || !used) return;
          const per = (us: number) => us / Math.max(reply.requests, 1);
          done({
            rps: reply.rps,
            p99: reply.p99,
            requests: reply.requests,
            clientUs: reply.clientUsPerRequest,
            cpuUs: {
              process: per(used.process),
              postgres: per(used.postgres),
              total: per(used.process + used.postgres),
            },
          });
        },
      );
    },
    prepareCost(rounds = 200) {
      return ask<number>({ type: 'cost', rounds }, (reply, done) => {
        if (reply.type === 'cost') done(reply.usPerRequest);
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
