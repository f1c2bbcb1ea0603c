import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Core } from '../core/context.js';
import type { Clock } from '../domain/clock.js';
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  type DeliveryEngineOptions,
  attemptDelivery,
  claimDeliveries,
} from './deliver.js';
import { dispatchOutbox } from './dispatch.js';
import { deliveryAgent } from './send.js';
import { defaultAllowPrivateTargets } from './ssrf.js';

export interface NotifyWorkerOptions {
  /** Defaults to core.clock; tests pass a manual clock to drive schedules. */
  clock?: Clock;
  /** Names this worker in leases and the attempt log. Default: host:pid:random. */
  workerId?: string;
  /** Deliveries in flight on this node at once. */
  concurrency?: number;
  /** In flight to one target (endpoint or per-order URL) on this node at once. */
  perTargetConcurrency?: number;
  /** Outbox rows fanned out per transaction. */
  outboxBatchSize?: number;
  /** Sleep between polls when nothing is due. */
  pollIntervalMs?: number;
  /** How long a claimed delivery stays ours; must exceed timeoutMs. */
  leaseMs?: number;
  /** Whole HTTP exchange. */
  timeoutMs?: number;
  /** Response body bytes kept in the log. */
  logLimit?: number;
  /** Failed attempts in a row that mark an endpoint failing. */
  failingThreshold?: number;
  /** SSRF guard off. Default: JUHE_ALLOW_PRIVATE_TARGETS, else allowed unless NODE_ENV=production. */
  allowPrivateTargets?: boolean;
  /** An undici dispatcher; by default a keep-alive agent behind the SSRF guard. */
  dispatcher?: Dispatcher;
}

export const NOTIFY_DEFAULTS = {
  concurrency: 32,
  perTargetConcurrency: 8,
  outboxBatchSize: 100,
  pollIntervalMs: 500,
  leaseMs: 60_000,
  timeoutMs: 10_000,
  logLimit: 4096,
  failingThreshold: 10,
} as const;

/**
 * The notification engine of one node: fans the outbox out into deliveries and sends due
 * deliveries, within a global and a per-target concurrency limit. Every step is safe to
 * run on any number of nodes at once (SKIP LOCKED claims, leases, conditional updates).
 */
export class NotifyEngine {
  readonly options: DeliveryEngineOptions & {
    concurrency: number;
    perTargetConcurrency: number;
    outboxBatchSize: number;
    pollIntervalMs: number;
  };
  private readonly ownsDispatcher: boolean;
  private readonly perTarget = new Map<string, number>();
  private readonly inflight = new Set<Promise<AttemptOutcome | null>>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly core: Core,
    options: NotifyWorkerOptions = {},
  ) {
    const allowPrivateTargets = options.allowPrivateTargets ?? defaultAllowPrivateTargets();
    this.ownsDispatcher = !options.dispatcher;
    const timeoutMs = options.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs;
    this.options = {
      clock: options.clock ?? core.clock,
      workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      dispatcher: options.dispatcher ?? deliveryAgent(allowPrivateTargets),
      allowPrivateTargets,
      timeoutMs,
      leaseMs: Math.max(options.leaseMs ?? NOTIFY_DEFAULTS.leaseMs, timeoutMs + 1_000),
      logLimit: options.logLimit ?? NOTIFY_DEFAULTS.logLimit,
      failingThreshold: options.failingThreshold ?? NOTIFY_DEFAULTS.failingThreshold,
      concurrency: options.concurrency ?? NOTIFY_DEFAULTS.concurrency,
      perTargetConcurrency: options.perTargetConcurrency ?? NOTIFY_DEFAULTS.perTargetConcurrency,
      outboxBatchSize: options.outboxBatchSize ?? NOTIFY_DEFAULTS.outboxBatchSize,
      pollIntervalMs: options.pollIntervalMs ?? NOTIFY_DEFAULTS.pollIntervalMs,
    };
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Fans out one batch of due outbox rows; returns how many rows it processed. */
  dispatch(): Promise<number> {
    return dispatchOutbox(this.core, {
      batchSize: this.options.outboxBatchSize,
      now: this.options.clock.now(),
    });
  }

  /** Claims as many due deliveries as there is room for and starts them; returns how many. */
  async claimAndStart(): Promise<number> {
    const room = this.options.concurrency - this.inflight.size;
    if (room <= 0) return 0;
    const reserved = new Map<string, number>();
    const claimed = await claimDeliveries(this.core, this.options, room, (key) => {
      const used = (this.perTarget.get(key) ?? 0) + (reserved.get(key) ?? 0);
      if (used >= this.options.perTargetConcurrency) return false;
      reserved.set(key, (reserved.get(key) ?? 0) + 1);
      return true;
    });
    for (const d of claimed) this.start(d);
    return claimed.length;
  }

  private start(d: ClaimedDelivery): void {
    this.perTarget.set(d.targetKey, (this.perTarget.get(d.targetKey) ?? 0) + 1);
    const run = attemptDelivery(this.core, this.options, d)
      .catch((error: unknown) => {
        // A database outage while recording: the lease runs out and another attempt follows.
        this.core.log.error({ err: error, delivery: d.id }, 'notification attempt could not be recorded');
        return null;
      })
      .finally(() => {
        const left = (this.perTarget.get(d.targetKey) ?? 1) - 1;
        if (left > 0) this.perTarget.set(d.targetKey, left);
        else this.perTarget.delete(d.targetKey);
        this.inflight.delete(run);
        for (const listener of [...this.listeners]) listener();
      });
    this.inflight.add(run);
  }

  /** Resolves when any in-flight delivery settles, or after `ms`. */
  waitForProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }

  /** Waits for every in-flight delivery. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Runs everything due at the clock's current time to completion: fans out the whole
   * outbox, then sends until no delivery is due. What tests call after moving the clock.
   */
  async runDue(): Promise<{ dispatched: number; started: number }> {
    let dispatched = 0;
    let started = 0;
    for (;;) {
      for (let n = await this.dispatch(); n > 0; n = await this.dispatch()) dispatched += n;
      const claimed = await this.claimAndStart();
      started += claimed;
      if (claimed === 0 && this.inflight.size === 0) {
        // Attempts may have raised events (endpoint.failing): fan those out too.
        if ((await this.dispatch()) === 0) return { dispatched, started };
        continue;
      }
      if (claimed === 0) await this.waitForProgress(1_000);
    }
  }

  async close(): Promise<void> {
    await this.settle();
    if (this.ownsDispatcher) await (this.options.dispatcher as Dispatcher).close();
  }
}

export interface NotifyWorkers {
  engine: NotifyEngine;
  /** Graceful: stops claiming, finishes every in-flight delivery, then resolves. */
  stop(): Promise<void>;
}

/**
 * Starts this node's notification loop. Any number of nodes may run it against one
 * database. The loop keeps `concurrency` deliveries in flight while work is due, and polls
 * every `pollIntervalMs` when idle.
 */
export function startNotifyWorkers(core: Core, options: NotifyWorkerOptions = {}): NotifyWorkers {
  const engine = new NotifyEngine(core, options);
  const { pollIntervalMs, concurrency } = engine.options;
  let stopping = false;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    let lastDispatch = 0;
    while (!stopping) {
      try {
        let busy = false;
        // Fan out when idle or at most every 50 ms while busy, so a flood of deliveries
        // does not starve new events, and fan-out queries do not starve deliveries.
        if (engine.inFlight === 0 || Date.now() - lastDispatch >= 50) {
          lastDispatch = Date.now();
          busy = (await engine.dispatch()) > 0;
        }
        if (stopping) break;
        busy = (await engine.claimAndStart()) > 0 || busy;
        if (engine.inFlight >= Math.max(1, concurrency / 2)) {
          // Saturated: wait for a slot, then let a few more settle before the next claim.
          await engine.waitForProgress(pollIntervalMs);
          await new Promise((resolve) => setImmediate(resolve));
        } else if (!busy) {
          await Promise.race([sleep(pollIntervalMs), engine.waitForProgress(pollIntervalMs)]);
        }
      } catch (error) {
        core.log.error({ err: error }, 'notification loop error');
        await sleep(pollIntervalMs);
      }
    }
    await engine.close();
  })();

  return {
    engine,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
