import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Core } from '../core/context.js';
import type { Clock } from '../domain/clock.js';
import { handBackDeliveries } from '../db/deliveries.js';
import {
  AttemptRecorder,
  type AttemptOutcome,
  type ClaimedDelivery,
  type DeliveryEngineOptions,
  attemptDelivery,
  claimDeliveries,
} from './deliver.js';
import { dispatchAndLease } from './dispatch.js';
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
  /** How long a claimed delivery stays ours; at least 3 * timeoutMs + 1 s (queue wait + exchange). */
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
  outboxBatchSize: 200,
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
  private sending = 0;
  /** Claimed, leased, not yet started. */
  private ready: ClaimedDelivery[] = [];
  /** Per target: queued + sending, what the claim's per-target limit counts. */
  private readonly held = new Map<string, number>();
  private closing = false;
  /** Deliveries the last fan-out created but could not lease here: left for a claim. */
  lastUnleased = 0;

  constructor(
    readonly core: Core,
    options: NotifyWorkerOptions = {},
  ) {
    const allowPrivateTargets = options.allowPrivateTargets ?? defaultAllowPrivateTargets();
    this.ownsDispatcher = !options.dispatcher;
    const timeoutMs = options.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs;
    const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.options = {
      clock: options.clock ?? core.clock,
      workerId,
      recorder: new AttemptRecorder(
        core,
        workerId,
        undefined,
        () => this.sending === 0 && this.ready.length === 0,
      ),
      dispatcher: options.dispatcher ?? deliveryAgent(allowPrivateTargets),
      allowPrivateTargets,
      timeoutMs,
      // A claimed delivery may wait in the local queue before its exchange: the lease covers
      // two exchanges' worth of waiting and its own, plus a margin. One whose lease would not
      // cover its exchange any more is handed back unsent (pump).
      leaseMs: Math.max(options.leaseMs ?? NOTIFY_DEFAULTS.leaseMs, 3 * timeoutMs + 1_000),
      logLimit: options.logLimit ?? NOTIFY_DEFAULTS.logLimit,
      failingThreshold: options.failingThreshold ?? NOTIFY_DEFAULTS.failingThreshold,
      concurrency: options.concurrency ?? NOTIFY_DEFAULTS.concurrency,
      perTargetConcurrency: options.perTargetConcurrency ?? NOTIFY_DEFAULTS.perTargetConcurrency,
      outboxBatchSize: options.outboxBatchSize ?? NOTIFY_DEFAULTS.outboxBatchSize,
      pollIntervalMs: options.pollIntervalMs ?? NOTIFY_DEFAULTS.pollIntervalMs,
    };
  }

  /** HTTP exchanges in flight on this node (what the concurrency limits bound). */
  get inFlight(): number {
    return this.sending;
  }

  /** How many more deliveries this node would take on now (queued + sending up to QUEUE_ROUNDS x concurrency). */
  get leaseRoom(): number {
    return this.closing
      ? 0
      : Math.max(0, QUEUE_ROUNDS * this.options.concurrency - this.sending - this.ready.length);
  }

  /** Claimed deliveries waiting for a slot. */
  get queued(): number {
    return this.ready.length;
  }

  /**
   * Fans out one batch of due outbox rows; returns how many rows it processed. New
   * deliveries this node has room for are leased to it in the same transaction and
   * started at once (their first attempt needs no claim).
   */
  async dispatch(batchSize = this.options.outboxBatchSize): Promise<number> {
    const { perTargetConcurrency } = this.options;
    let room = this.leaseRoom;
    const taken = new Map<string, number>();
    const { processed, created, leased } = await dispatchAndLease(this.core, {
      batchSize,
      now: this.options.clock.now(),
      lease: {
        workerId: this.options.workerId,
        leaseMs: this.options.leaseMs,
        take: (key) => {
          const used = (this.held.get(key) ?? 0) + (taken.get(key) ?? 0);
          if (room <= 0 || used >= QUEUE_ROUNDS * perTargetConcurrency) return false;
          room -= 1;
          taken.set(key, (taken.get(key) ?? 0) + 1);
          return true;
        },
      },
    });
    this.enqueue(leased);
    this.lastUnleased = created - leased.length;
    return processed;
  }

  private enqueue(deliveries: ClaimedDelivery[]): void {
    for (const d of deliveries) {
      this.held.set(d.targetKey, (this.held.get(d.targetKey) ?? 0) + 1);
      this.ready.push(d);
    }
    this.pump();
  }

  /**
   * Worth a claim now: the local queue is below one round of `concurrency` (so a claim
   * brings a batch, not a handful) and the database keeps up with recording outcomes.
   */
  get wantsMore(): boolean {
    const recording = this.inflight.size - this.sending;
    return (
      !this.closing &&
      recording <= MAX_RECORD_BACKLOG &&
      this.ready.length < this.options.concurrency &&
      this.leaseRoom > 0
    );
  }

  /**
   * Claims due deliveries and starts as many as the limits allow; returns how many it
   * claimed. More are claimed ahead into a local queue (up to QUEUE_ROUNDS x `concurrency` in
   * all), so a freed slot starts the next delivery at once instead of waiting for a claim
   * round trip, and each claim or fan-out brings a large batch.
   */
  async claimAndStart(): Promise<number> {
    // Backpressure: when the database falls behind in recording outcomes, stop claiming.
    const recording = this.inflight.size - this.sending;
    const { concurrency, perTargetConcurrency } = this.options;
    const room =
      recording > MAX_RECORD_BACKLOG ? 0 : QUEUE_ROUNDS * concurrency - this.sending - this.ready.length;
    if (room <= 0 || this.closing) return 0;
    const claimed = await claimDeliveries(this.core, this.options, room, {
      limit: QUEUE_ROUNDS * perTargetConcurrency,
      busy: this.held,
    });
    this.enqueue(claimed);
    return claimed.length;
  }

  /**
   * Starts queued deliveries while there is a free slot, globally and for their target. A
   * delivery whose lease would run out before its exchange could (slow receivers ahead of it
   * in the queue) is not sent but handed back: past its lease another node may take it, and
   * two nodes never send one notification at once.
   */
  private pump(): void {
    const expiring: ClaimedDelivery[] = [];
    const latestStart = this.options.clock.now().getTime() + this.options.timeoutMs + LEASE_MARGIN_MS;
    for (let i = 0; i < this.ready.length && this.sending < this.options.concurrency;) {
      const d = this.ready[i];
      if (d.leasedUntil.getTime() < latestStart) {
        this.ready.splice(i, 1);
        decrement(this.held, d.targetKey);
        expiring.push(d);
        continue;
      }
      if ((this.perTarget.get(d.targetKey) ?? 0) >= this.options.perTargetConcurrency) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.start(d);
    }
    if (expiring.length > 0) {
      // Tracked with the attempts in flight, so that runDue and close wait for it.
      const handing: Promise<null> = this.handBack(expiring)
        .then(() => null)
        .catch((error: unknown) => {
          // Not handed back: the leases run out on their own and another attempt follows.
          this.core.log.error({ err: error }, 'expiring notification leases could not be handed back');
          return null;
        })
        .finally(() => {
          this.inflight.delete(handing);
          this.notify();
        });
      this.inflight.add(handing);
    }
  }

  /** Clears this worker's leases on deliveries it will not send, so any node claims them at once. */
  private async handBack(deliveries: ClaimedDelivery[]): Promise<void> {
    await handBackDeliveries(
      this.core.db,
      deliveries.map((d) => d.id),
      this.options.workerId,
    );
  }

  /**
   * A delivery holds its concurrency slots (global and per target) while its HTTP exchange
   * runs; recording the outcome happens after the slots are free, batched with others.
   */
  private start(d: ClaimedDelivery): void {
    this.perTarget.set(d.targetKey, (this.perTarget.get(d.targetKey) ?? 0) + 1);
    this.sending += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.sending -= 1;
      decrement(this.perTarget, d.targetKey);
      decrement(this.held, d.targetKey);
      this.pump();
      this.notify();
    };
    const run = attemptDelivery(this.core, this.options, d, release)
      .catch((error: unknown) => {
        // A database outage while recording: the lease runs out and another attempt follows.
        this.core.log.error({ err: error, delivery: d.id }, 'notification attempt could not be recorded');
        return null;
      })
      .finally(() => {
        this.inflight.delete(run);
        this.notify();
      });
    this.inflight.add(run);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves once `holds()` is true, checked now and whenever a delivery makes progress, or
   * after `ms`. One timer per wait, not one per delivery finished meanwhile.
   */
  waitUntil(holds: () => boolean, ms: number): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (holds()) done();
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(check);
    });
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
      if (claimed === 0 && this.inflight.size === 0 && this.ready.length === 0) {
        // Attempts may have raised events (endpoint.failing): fan those out too.
        if ((await this.dispatch()) === 0) return { dispatched, started };
        continue;
      }
      if (claimed === 0) await this.waitForProgress(1_000);
    }
  }

  /**
   * Graceful: claims nothing more, hands queued deliveries back (their leases are cleared
   * so another node takes them at once), and waits for the ones in flight.
   */
  async close(): Promise<void> {
    this.closing = true;
    const queued = this.ready.splice(0);
    for (const d of queued) decrement(this.held, d.targetKey);
    if (queued.length > 0) await this.handBack(queued);
    await this.settle();
    if (this.ownsDispatcher) await (this.options.dispatcher as Dispatcher).close();
  }
}

/** Finished attempts waiting to be written before this node stops claiming more. */
const MAX_RECORD_BACKLOG = 1000;

/**
 * Local queue depth, in rounds of `concurrency` (claimed or leased, not yet sent): deep
 * enough that each fan-out or claim brings a large batch (a round trip to the database costs
 * about as much as writing a row) and the queue never runs dry while one is on its way. Safe at any
 * depth: a delivery is sent only while its lease covers the whole exchange (pump).
 */
const QUEUE_ROUNDS = 8;

/** Lease time left beyond the exchange's own timeout for a delivery to be started. */
const LEASE_MARGIN_MS = 1_000;

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left > 0) map.set(key, left);
  else map.delete(key);
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
  const { pollIntervalMs, concurrency, outboxBatchSize } = engine.options;
  let stopping = false;
  const sleepers = new Set<() => void>();

  /** Sleeps `ms`, or until woken (stop, or new deliveries from the fan-out). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  const wakeAll = () => [...sleepers].forEach((wake) => wake());

  // Two loops, so that a slow fan-out transaction never stalls sending and vice versa.
  const fanOut = (async () => {
    while (!stopping) {
      try {
        // Fans out only what this node has room to lease (at least one round of
        // `concurrency`): leased as they are created, new deliveries need no claim, so the
        // database writes each one twice (created, finished) instead of three times. What this
        // node has no room for stays in the outbox for any node's fan-out.
        const enough = Math.min(concurrency, outboxBatchSize);
        if (engine.leaseRoom < enough) {
          await engine.waitUntil(() => stopping || engine.leaseRoom >= enough, pollIntervalMs);
          continue;
        }
        const room = engine.leaseRoom;
        const batch = Math.min(outboxBatchSize, room);
        const n = await engine.dispatch(batch);
        // Deliveries this node could not lease (a target at its limit) are left for a claim.
        if (engine.lastUnleased > 0) wakeAll();
        // A full batch means more is waiting: go again at once.
        if (n < batch) await sleep(pollIntervalMs);
      } catch (error) {
        core.log.error({ err: error }, 'notification fan-out error');
        await sleep(pollIntervalMs);
      }
    }
  })();

  // One claim loop: first attempts are leased by the fan-out; claims bring retries, leftovers
  // and expired leases, a batch at a time when the local queue runs low.
  const deliver = async () => {
    while (!stopping) {
      try {
        if (!engine.wantsMore) {
          // The queue holds a round of work: claim again when it runs low, not per delivery.
          await engine.waitUntil(() => stopping || engine.wantsMore, pollIntervalMs);
          continue;
        }
        const claimed = await engine.claimAndStart();
        if (stopping) break;
        // Nothing due: wait for the poll, or for the fan-out to leave deliveries unleased.
        if (claimed === 0) await sleep(pollIntervalMs);
      } catch (error) {
        core.log.error({ err: error }, 'notification delivery loop error');
        await sleep(pollIntervalMs);
      }
    }
  };
  const deliverers = [deliver()];

  return {
    engine,
    async stop() {
      stopping = true;
      wakeAll();
      await Promise.all([fanOut, ...deliverers]);
      await engine.close();
    },
  };
}
