import type { Dispatcher } from 'undici';
import type { Core } from '../core/context.js';
import { appendEvent } from '../core/events/append-event.js';
import type { Queryable } from '../db/db.js';
import type { Clock } from '../domain/clock.js';
import type { OutgoingRequest, RetrySchedule, StoredEvent, Target } from './format.js';
import { findFormat } from './formats/index.js';
import { type WebhookEndpoint, effectiveSchedule, toEndpoint } from './endpoints.js';
import { toStoredEvent } from './dispatch.js';
import { nextAttemptAt } from './schedule.js';
import { type SendResult, sendRequest } from './send.js';
import { LOOKUP_BY_ID } from './plans.js';
import { serializeEndpoint } from './serialize.js';

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
 * Claims and attempt records commit without waiting for their WAL flush
 * (synchronous_commit off for that one statement's own transaction). Safe because delivery
 * is at-least-once anyway: if the server crashes and loses such a commit, the delivery is
 * simply due again and sent again under the same notification id. Fan-out commits stay
 * synchronous: losing one after its deliveries went out would re-create them with new ids.
 */
const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true) = 'off'`;

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
  const rows = await core.db.query(
    `WITH c AS (
       SELECT d.id, d.target_key, d.next_attempt_at, d.claimed_by AS previous_worker
       FROM deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
       ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE SKIP LOCKED
     ), ranked AS (
       SELECT c.*, row_number() OVER (PARTITION BY c.target_key ORDER BY c.next_attempt_at, c.id) AS rn FROM c
     ), pick AS (
       SELECT ranked.* FROM ranked LEFT JOIN jsonb_each_text($3::jsonb) busy ON busy.key = ranked.target_key
       WHERE ranked.rn <= $4::int - COALESCE(busy.value::int, 0)
       ORDER BY ranked.next_attempt_at, ranked.id LIMIT $5
     ), claimed AS (
       UPDATE deliveries d SET claimed_by = $6, claimed_until = $7,
         attempts = d.attempts + CASE WHEN pick.previous_worker IS NULL THEN 0 ELSE 1 END
       FROM pick WHERE d.id = pick.id
       RETURNING d.*, pick.previous_worker
     ), abandoned AS (
       INSERT INTO delivery_attempts (delivery_id, number, outcome, trigger, worker, error, started_at, completed_at)
       SELECT id, attempts, 'abandoned', 'schedule', previous_worker,
         'the worker lease expired before the attempt was reported', $1, $1
       FROM claimed WHERE previous_worker IS NOT NULL
     )
     SELECT claimed.id, claimed.target_key, claimed.format, claimed.url, claimed.schedule, claimed.attempts,
       claimed.claimed_until,
       claimed.round_attempts, claimed.round_started_at, claimed.endpoint_id, claimed.next_attempt_at,
       e.id AS e_id, e.app_id AS e_app_id, e.livemode AS e_livemode, e.type AS e_type,
       e.object_type AS e_object_type, e.object_id AS e_object_id, e.data AS e_data, e.created_at AS e_created_at,
       to_jsonb(w) AS endpoint,
       (SELECT jsonb_agg(s.secret_enc ORDER BY (s.expires_at IS NULL) DESC, s.created_at DESC, s.expires_at DESC)
        FROM webhook_endpoint_secrets s
        WHERE s.endpoint_id = claimed.endpoint_id AND (s.expires_at IS NULL OR s.expires_at > $1)) AS secrets
     FROM claimed JOIN events e ON e.id = claimed.event_id AND ${ASYNC_COMMIT}
     LEFT JOIN webhook_endpoints w ON w.id = claimed.endpoint_id
     ORDER BY claimed.next_attempt_at, claimed.id`,
    [
      now,
      Math.min(limit * 3, 500),
      JSON.stringify(Object.fromEntries(perTarget.busy)),
      perTarget.limit,
      limit,
      options.workerId,
      new Date(now.getTime() + options.leaseMs),
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    targetKey: r.target_key,
    format: r.format,
    url: r.url,
    schedule: r.schedule,
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
    endpoint: r.endpoint ? toEndpoint(r.endpoint) : null,
    secrets: ((r.secrets as string[] | null) ?? []).map((sealed) => core.box.open(sealed)),
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
  await core.db.query(
    `UPDATE deliveries SET status = 'canceled', last_error = $3, next_attempt_at = NULL, completed_at = $2,
       updated_at = $2, claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND claimed_by = $4 AND status = 'pending'`,
    [d.id, now, reason, options.workerId],
  );
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
    const [row] = ok
      ? await q.query(
          `WITH old AS (
             SELECT id, health FROM webhook_endpoints
             WHERE id = $1 AND (consecutive_failures <> 0 OR health <> 'active') FOR UPDATE)
           UPDATE webhook_endpoints w SET consecutive_failures = 0, health = 'active', failing_since = NULL
           FROM old WHERE w.id = old.id RETURNING old.health AS was, w.*`,
          [d.endpoint.id],
        )
      : await q.query(
          `WITH old AS (SELECT id, health FROM webhook_endpoints WHERE id = $1 FOR UPDATE)
           UPDATE webhook_endpoints w SET consecutive_failures = w.consecutive_failures + 1,
             health = CASE WHEN w.consecutive_failures + 1 >= $2 THEN 'failing' ELSE w.health END,
             failing_since = CASE WHEN w.health = 'active' AND w.consecutive_failures + 1 >= $2 THEN $3::timestamptz
                                  ELSE w.failing_since END
           FROM old WHERE w.id = old.id RETURNING old.health AS was, w.*`,
          [d.endpoint.id, options.failingThreshold, now],
        );
    if (row && row.was !== row.health) await raiseHealthEvent(q, core, options, toEndpoint(row));
    return outcome(true);
  });
}

/** One finished attempt: the delivery's next state and the attempt's log row. */
export interface AttemptRecord {
  id: string;
  status: string;
  attempts: number;
  round_started_at: string;
  next_attempt_at: string | null;
  url: string;
  completed_at: string | null;
  outcome: 'succeeded' | 'failed';
  trigger: 'schedule' | 'replay';
  request_method: string | null;
  request_url: string | null;
  request_headers: Record<string, string> | null;
  request_body: string | null;
  response_status: number | null;
  response_headers: Record<string, string>;
  response_body: string;
  response_truncated: boolean;
  error: string | null;
  latency_ms: number;
  started_at: string;
  finished_at: string;
}

/**
 * Records attempts in one statement: each delivery moves to its next state if this worker
 * still holds its lease, and each attempt is logged either way (a late one numbered after
 * whatever the new owner logged). Returns, per record, whether the lease was still ours.
 * Runs in the caller's transaction (see LOOKUP_BY_ID).
 */
export async function recordAttempts(
  q: Queryable,
  workerId: string,
  records: AttemptRecord[],
): Promise<boolean[]> {
  await q.query(LOOKUP_BY_ID);
  const rows = await q.query<{ id: string }>(
    `WITH x AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
         id text, status text, attempts int, round_started_at timestamptz, next_attempt_at timestamptz, url text,
         completed_at timestamptz, outcome text, trigger text, request_method text, request_url text,
         request_headers jsonb, request_body text, response_status int, response_headers jsonb, response_body text,
         response_truncated boolean, error text, latency_ms int, started_at timestamptz, finished_at timestamptz)
     ), upd AS (
       UPDATE deliveries d SET status = x.status, attempts = x.attempts, round_attempts = d.round_attempts + 1,
         round_started_at = x.round_started_at, last_attempt_at = x.started_at, next_attempt_at = x.next_attempt_at,
         last_response_status = x.response_status, last_error = x.error, url = x.url, updated_at = x.finished_at,
         completed_at = x.completed_at, claimed_by = NULL, claimed_until = NULL
       FROM x WHERE d.id = x.id AND d.claimed_by = $2
         -- the batch's rows looked up through the primary key (an array: no join to plan)
         AND d.id = ANY (ARRAY(SELECT id FROM x))
         -- = 'pending', spelled so that the planner does not scan the partial index of
         -- pending rows (and every dead entry in it) instead
         AND d.status NOT IN ('succeeded', 'failed', 'canceled')
       RETURNING d.id
     ), att AS (
       INSERT INTO delivery_attempts (delivery_id, number, outcome, trigger, worker, request_method, request_url,
         request_headers, request_body, response_status, response_headers, response_body, response_truncated, error,
         latency_ms, started_at, completed_at)
       SELECT x.id,
         CASE WHEN x.id IN (SELECT id FROM upd) THEN x.attempts
              ELSE (SELECT COALESCE(MAX(a.number), 0) + 1 FROM delivery_attempts a WHERE a.delivery_id = x.id) END,
         x.outcome, x.trigger, $2, x.request_method, x.request_url, x.request_headers, x.request_body,
         x.response_status, x.response_headers, x.response_body, x.response_truncated, x.error, x.latency_ms,
         x.started_at, x.finished_at
       FROM x
     )
     SELECT id FROM upd WHERE ${ASYNC_COMMIT}`,
    [JSON.stringify(records), workerId],
  );
  const held = new Set(rows.map((r) => r.id));
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
