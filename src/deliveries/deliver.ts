import type { Dispatcher } from 'undici';
import type { Core } from '../core/context.js';
import { appendEvent } from '../core/events/append-event.js';
import type { Queryable } from '../db/db.js';
import {
  type AttemptRecord,
  cancelHeldDelivery,
  claimDueDeliveries,
  recordAttemptRows,
} from '../db/deliveries.js';
import { preferIndexLookups } from '../db/plans.js';
import { countEndpointFailure, resetEndpointHealth } from '../db/webhook-endpoints.js';
import type { Clock } from '../domain/clock.js';
import type { OutgoingRequest, RetrySchedule, StoredEvent, Target } from './format.js';
import { findFormat } from './formats/index.js';
import { type EndpointColumns, type WebhookEndpoint, effectiveSchedule, toEndpoint } from './endpoints.js';
import { toStoredEvent } from './dispatch.js';
import { nextAttemptAt } from './schedule.js';
import { type SendResult, sendRequest } from './send.js';
import { serializeEndpoint } from './serialize.js';

export type { AttemptRecord };

export interface DeliveryEngineOptions {
  clock: Clock;
  workerId: string;
  dispatcher: Dispatcher;
  allowPrivateTargets: boolean;
  timeoutMs: number;
  leaseMs: number;
  logLimit: number;
  failingThreshold: number;
  /** Batches the attempt records of successful deliveries. */
  recorder: AttemptRecorder;
}

/** A claimed delivery with what sending it needs, loaded in the claim's own query. */
export interface ClaimedDelivery {
  id: string;
  targetKey: string;
  format: string;
  url: string;
  schedule: RetrySchedule;
  attempts: number;
  roundAttempts: number;
  roundStartedAt: Date | null;
  event: StoredEvent;
  endpoint: WebhookEndpoint | null;
  secrets: string[];
  /** This worker's lease on the row ends here; past it, another worker may take the row. */
  leasedUntil: Date;
}

/**
 * Claims up to `limit` due deliveries for this worker in one statement: candidate rows are
 * locked with SKIP LOCKED (no two nodes pick the same row), at most `perTarget.limit` minus
 * what this node already has in flight per target are picked, and the picked rows are leased
 * until now + leaseMs. A row whose lease ran out (its worker died mid-delivery) is due
 * again; its lost attempt is logged as `abandoned` and counted.
 */
export async function claimDeliveries(
  core: Core,
  options: DeliveryEngineOptions,
  limit: number,
  perTarget: { limit: number; busy: ReadonlyMap<string, number> } = { limit: 1_000_000, busy: new Map() },
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const now = options.clock.now();
  const rows = await claimDueDeliveries(core.db, {
    now,
    candidates: Math.min(limit * 3, 500),
    busy: Object.fromEntries(perTarget.busy),
    perTargetLimit: perTarget.limit,
    limit,
    workerId: options.workerId,
    leasedUntil: new Date(now.getTime() + options.leaseMs),
  });
  return rows.map((r) => ({
    id: r.id,
    targetKey: r.target_key,
    format: r.format,
    url: r.url,
    schedule: r.schedule as unknown as RetrySchedule,
    attempts: r.attempts,
    roundAttempts: r.round_attempts,
    roundStartedAt: r.round_started_at ? new Date(r.round_started_at) : null,
    event: toStoredEvent({
      id: r.e_id,
      app_id: r.e_app_id,
      livemode: r.e_livemode,
      type: r.e_type,
      object_type: r.e_object_type,
      object_id: r.e_object_id,
      data: r.e_data,
      created_at: r.e_created_at,
    }),
    endpoint: r.endpoint ? toEndpoint(r.endpoint as unknown as EndpointColumns) : null,
    secrets: (r.secrets ?? []).map((sealed) => core.box.open(sealed)),
    leasedUntil: new Date(r.claimed_until),
  }));
}

export interface AttemptOutcome {
  deliveryId: string;
  outcome: 'succeeded' | 'failed' | 'canceled' | 'lost';
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  nextAttemptAt: Date | null;
  responseStatus: number | null;
  error: string | null;
}

/** The target a delivery goes to now: an endpoint's current URL, headers and secrets. */
export function targetOf(d: Pick<ClaimedDelivery, 'format' | 'url' | 'endpoint' | 'secrets'>): Target {
  return {
    format: d.format as Target['format'],
    url: d.endpoint?.url ?? d.url,
    endpointId: d.endpoint?.id ?? null,
    headers: d.endpoint?.headers ?? {},
    secrets: d.secrets,
  };
}

/** Builds the request a format sends for one event and target, with the endpoint's custom headers. */
export async function buildRequest(
  core: Core,
  event: StoredEvent,
  target: Target,
  notificationId: string,
  now: Date,
): Promise<OutgoingRequest | null> {
  const format = findFormat(target.format);
  if (!format) throw new Error(`format ${target.format} is not available`);
  const request = await format.build({ q: core.db, core, event, target, notificationId, now });
  if (!request) return null;
  return { ...request, headers: { ...target.headers, ...request.headers } };
}

/** Did the receiver acknowledge? A 2xx that the format accepts; a 3xx is never followed, so never success. */
export function acknowledged(formatName: string, result: SendResult): boolean {
  const format = findFormat(formatName);
  if (!format || result.status === null) return false;
  return result.status >= 200 && result.status < 300 && format.isSuccess(result.status, result.fullBody);
}

/**
 * One attempt of one claimed delivery: build, send, then record the attempt and the
 * delivery's next state in one transaction, provided this worker still holds the lease.
 */
export async function attemptDelivery(
  core: Core,
  options: DeliveryEngineOptions,
  d: ClaimedDelivery,
  /** Called once the HTTP exchange is over (or never started), before the outcome is recorded. */
  onSent: () => void = () => undefined,
): Promise<AttemptOutcome> {
  try {
    return await attempt(core, options, d, onSent);
  } finally {
    onSent();
  }
}

async function attempt(
  core: Core,
  options: DeliveryEngineOptions,
  d: ClaimedDelivery,
  onSent: () => void,
): Promise<AttemptOutcome> {
  const startedAt = options.clock.now();
  const endpointGone = d.endpoint === null && d.targetKey.startsWith('endpoint:');
  if (endpointGone || (d.endpoint && (d.endpoint.deletedAt || !d.endpoint.enabled))) {
    return cancel(
      core,
      options,
      d,
      endpointGone || d.endpoint?.deletedAt ? 'endpoint deleted' : 'endpoint disabled',
    );
  }
  const target = targetOf(d);
  let request: OutgoingRequest | null = null;
  let result: SendResult;
  try {
    request = await buildRequest(core, d.event, target, d.id, startedAt);
  } catch (error) {
    result = noResponse(`building the request failed: ${(error as Error).message}`);
  }
  if (request === null && result! === undefined) {
    return cancel(core, options, d, `the ${d.format} format has nothing to send for ${d.event.type}`);
  }
  if (request) {
    result = await sendRequest(request, {
      dispatcher: options.dispatcher,
      allowPrivateTargets: options.allowPrivateTargets,
      timeoutMs: options.timeoutMs,
      logLimit: options.logLimit,
    });
  }
  onSent();
  return finish(core, options, d, request, result!, startedAt);
}

function noResponse(error: string): SendResult {
  return { status: null, headers: {}, body: '', truncated: false, fullBody: '', error, latencyMs: 0 };
}

async function cancel(
  core: Core,
  options: DeliveryEngineOptions,
  d: ClaimedDelivery,
  reason: string,
): Promise<AttemptOutcome> {
  const now = options.clock.now();
  await cancelHeldDelivery(core.db, d.id, options.workerId, now, reason);
  return {
    deliveryId: d.id,
    outcome: 'canceled',
    status: 'canceled',
    nextAttemptAt: null,
    responseStatus: null,
    error: reason,
  };
}

async function finish(
  core: Core,
  options: DeliveryEngineOptions,
  d: ClaimedDelivery,
  request: OutgoingRequest | null,
  result: SendResult,
  startedAt: Date,
): Promise<AttemptOutcome> {
  const ok = acknowledged(d.format, result);
  const error =
    result.error ??
    (ok
      ? null
      : result.status !== null && result.status >= 300 && result.status < 400
        ? `redirect (${result.status}) not followed`
        : `not acknowledged: HTTP ${result.status}${result.status && result.status < 300 ? ', body not accepted by the ' + d.format + ' format' : ''}`);
  const replay = d.roundAttempts === 0 && d.attempts > 0;
  const roundStartedAt = d.roundAttempts === 0 ? startedAt : (d.roundStartedAt ?? startedAt);
  const schedule = d.endpoint ? effectiveSchedule(d.endpoint) : d.schedule;
  const next = ok ? null : nextAttemptAt(schedule, d.roundAttempts + 1, startedAt, roundStartedAt);
  const status = ok ? 'succeeded' : next ? 'pending' : 'failed';
  const number = d.attempts + 1;

  const now = options.clock.now();
  const record: AttemptRecord = {
    id: d.id,
    status,
    attempts: number,
    round_started_at: roundStartedAt.toISOString(),
    next_attempt_at: next?.toISOString() ?? null,
    url: request?.url ?? targetOf(d).url,
    completed_at: status === 'pending' ? null : now.toISOString(),
    outcome: ok ? 'succeeded' : 'failed',
    trigger: replay ? 'replay' : 'schedule',
    request_method: request?.method ?? null,
    request_url: request?.url ?? null,
    request_headers: request?.headers ?? null,
    request_body: request?.body ?? null,
    response_status: result.status,
    response_headers: result.headers,
    response_body: result.body,
    response_truncated: result.truncated,
    error,
    latency_ms: result.latencyMs,
    started_at: startedAt.toISOString(),
    finished_at: now.toISOString(),
  };
  const outcome = (held: boolean): AttemptOutcome =>
    held
      ? {
          deliveryId: d.id,
          outcome: ok ? 'succeeded' : 'failed',
          status,
          nextAttemptAt: next,
          responseStatus: result.status,
          error,
        }
      : // Our lease ran out and another worker took the row over: it owns the outcome. The
        // attempt still happened and is logged, so the receiver's view and ours agree.
        {
          deliveryId: d.id,
          outcome: 'lost',
          status: 'pending',
          nextAttemptAt: null,
          responseStatus: result.status,
          error,
        };

  // A success on an endpoint that was healthy when claimed has no failure streak to reset:
  // no health update, no transaction, and the record joins a batch (one statement for all
  // attempts that finish together). A streak that began since the claim is reset by the
  // next success that sees it.
  const healthy =
    d.endpoint === null || (d.endpoint.consecutiveFailures === 0 && d.endpoint.health === 'active');
  if (ok && healthy) return outcome(await options.recorder.record(record));

  return core.db.tx(async (q) => {
    const [held] = await recordAttempts(q, options.workerId, [record]);
    if (!held || !d.endpoint) return outcome(held);
    const row = ok
      ? await resetEndpointHealth(q, d.endpoint.id)
      : await countEndpointFailure(q, d.endpoint.id, options.failingThreshold, now);
    if (row && row.was !== row.health) await raiseHealthEvent(q, core, options, toEndpoint(row));
    return outcome(true);
  });
}

/**
 * Records attempts in one statement: each delivery moves to its next state if this worker
 * still holds its lease, and each attempt is logged either way (a late one numbered after
 * whatever the new owner logged). Returns, per record, whether the lease was still ours.
 * Runs in the caller's transaction (see preferIndexLookups).
 */
export async function recordAttempts(
  q: Queryable,
  workerId: string,
  records: AttemptRecord[],
): Promise<boolean[]> {
  await preferIndexLookups(q);
  const held = await recordAttemptRows(q, workerId, records);
  return records.map((r) => held.has(r.id));
}

/**
 * Batches attempt records: a write goes out when 200 are waiting or 15 ms after the first
 * one, whichever comes first, or at once when nothing else is being sent (no more records are
 * coming to wait for), with at most two writes in flight. The database is then asked a few
 * large statements rather than many small ones (a round trip costs both sides about as much
 * as a row's writes); the delay is off the critical path (a delivery's concurrency slot is free as
 * soon as its HTTP exchange is over).
 */
export class AttemptRecorder {
  private queue: Array<{
    record: AttemptRecord;
    resolve: (held: boolean) => void;
    reject: (e: unknown) => void;
  }> = [];
  private flushing = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly core: Pick<Core, 'db'>,
    private readonly workerId: string,
    private readonly options = { batch: 200, delayMs: 15, parallel: 2 },
    /** True when no other attempt is under way, so none will join the batch soon. */
    private readonly nothingElseComing: () => boolean = () => false,
  ) {}

  record(record: AttemptRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (this.queue.length >= this.options.batch || this.nothingElseComing()) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.delayMs);
    });
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing < this.options.parallel && this.queue.length > 0) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing += 1;
    const batch = this.queue.splice(0, 500);
    try {
      const held = await this.core.db.tx((q) =>
        recordAttempts(
          q,
          this.workerId,
          batch.map((b) => b.record),
        ),
      );
      batch.forEach((b, i) => b.resolve(held[i]));
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
      this.flushing -= 1;
      // Whatever piled up meanwhile goes out now, or when its own timer fires.
      if (this.queue.length >= this.options.batch || (this.queue.length > 0 && !this.timer)) this.kick();
    }
  }
}

/**
 * N failed attempts in a row mark an endpoint failing and raise `endpoint.failing`; the
 * next success marks it active again and raises `endpoint.recovered`. Both events go out
 * through the outbox like any other, to native endpoints that subscribe to them.
 */
async function raiseHealthEvent(
  q: Queryable,
  core: Core,
  options: DeliveryEngineOptions,
  endpoint: WebhookEndpoint,
): Promise<void> {
  await appendEvent(
    q,
    { clock: options.clock, ids: core.ids },
    {
      appId: endpoint.appId,
      livemode: endpoint.livemode,
      type: endpoint.health === 'failing' ? 'endpoint.failing' : 'endpoint.recovered',
      objectType: 'endpoint',
      objectId: endpoint.id,
      data: serializeEndpoint(endpoint),
    },
  );
}
