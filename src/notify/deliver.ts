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
}

/**
 * Claims up to `limit` due deliveries for this worker: rows are locked with SKIP LOCKED (no
 * two nodes pick the same row) and leased until now + leaseMs. A row whose lease ran out
 * (its worker died mid-delivery) is due again; its lost attempt is logged as `abandoned`.
 * `take` lets the caller enforce its per-target concurrency limit.
 */
export async function claimDeliveries(
  core: Core,
  options: DeliveryEngineOptions,
  limit: number,
  take: (targetKey: string) => boolean = () => true,
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  return core.db.tx(async (q) => {
    const now = options.clock.now();
    const candidates = await q.query(
      `SELECT d.id, d.target_key, d.format, d.url, d.schedule, d.attempts, d.round_attempts, d.round_started_at,
              d.claimed_by, d.endpoint_id,
              e.id AS e_id, e.app_id AS e_app_id, e.livemode AS e_livemode, e.type AS e_type,
              e.object_type AS e_object_type, e.object_id AS e_object_id, e.data AS e_data,
              e.created_at AS e_created_at
       FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
       ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
      [now, Math.min(limit * 3, 500)],
    );
    const picked = [];
    for (const row of candidates) {
      if (picked.length >= limit) break;
      if (take(row.target_key)) picked.push(row);
    }
    if (picked.length === 0) return [];
    const ids = JSON.stringify(picked.map((r) => r.id));
    await q.query(
      `UPDATE deliveries SET claimed_by = $1, claimed_until = $2
       WHERE id IN (SELECT jsonb_array_elements_text($3::jsonb))`,
      [options.workerId, new Date(now.getTime() + options.leaseMs), ids],
    );
    const lost = picked.filter((r) => r.claimed_by !== null);
    for (const row of lost) {
      row.attempts += 1;
      await q.query(
        `INSERT INTO delivery_attempts (delivery_id, number, outcome, trigger, worker, error, started_at, completed_at)
         VALUES ($1, $2, 'abandoned', 'schedule', $3, $4, $5, $5)`,
        [
          row.id,
          row.attempts,
          row.claimed_by,
          'the worker lease expired before the attempt was reported',
          now,
        ],
      );
      await q.query('UPDATE deliveries SET attempts = $2 WHERE id = $1', [row.id, row.attempts]);
    }
    const endpointIds = [...new Set(picked.map((r) => r.endpoint_id).filter((id) => id !== null))];
    const endpoints = new Map<string, WebhookEndpoint>();
    const secrets = new Map<string, string[]>();
    if (endpointIds.length > 0) {
      const list = JSON.stringify(endpointIds);
      for (const row of await q.query(
        'SELECT * FROM webhook_endpoints WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))',
        [list],
      )) {
        endpoints.set(row.id, toEndpoint(row));
      }
      for (const row of await q.query<{ endpoint_id: string; secret_enc: string }>(
        `SELECT endpoint_id, secret_enc FROM webhook_endpoint_secrets
         WHERE endpoint_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND (expires_at IS NULL OR expires_at > $2)
         ORDER BY (expires_at IS NULL) DESC, created_at DESC, expires_at DESC`,
        [list, now],
      )) {
        secrets.set(row.endpoint_id, [
          ...(secrets.get(row.endpoint_id) ?? []),
          core.box.open(row.secret_enc),
        ]);
      }
    }
    return picked.map((r) => ({
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
      endpoint: r.endpoint_id ? (endpoints.get(r.endpoint_id) ?? null) : null,
      secrets: r.endpoint_id ? (secrets.get(r.endpoint_id) ?? []) : [],
    }));
  });
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

  return core.db.tx(async (q) => {
    const now = options.clock.now();
    const [held] = await q.query(
      `UPDATE deliveries SET status = $3, attempts = $4, round_attempts = round_attempts + 1,
         round_started_at = $5, last_attempt_at = $6, next_attempt_at = $7, last_response_status = $8,
         last_error = $9, url = $10, updated_at = $11, completed_at = $12, claimed_by = NULL, claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2 AND status = 'pending' RETURNING id`,
      [
        d.id,
        options.workerId,
        status,
        number,
        roundStartedAt,
        startedAt,
        next,
        result.status,
        error,
        // The target, never the built request: a GET format's query must not pile up on retries.
        targetOf(d).url,
        now,
        status === 'pending' ? null : now,
      ],
    );
    // Our lease ran out and another worker took the row over: it owns the outcome. The
    // attempt still happened and is logged, so the receiver's view and ours agree.
    await q.query(
      `INSERT INTO delivery_attempts (delivery_id, number, outcome, trigger, worker, request_method, request_url,
         request_headers, request_body, response_status, response_headers, response_body, response_truncated, error,
         latency_ms, started_at, completed_at)
       VALUES ($1, COALESCE($2::int, (SELECT COALESCE(MAX(number), 0) + 1 FROM delivery_attempts WHERE delivery_id = $1)),
         $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        d.id,
        held ? number : null,
        ok ? 'succeeded' : 'failed',
        replay ? 'replay' : 'schedule',
        options.workerId,
        request?.method ?? null,
        request?.url ?? null,
        request ? JSON.stringify(request.headers) : null,
        request?.body ?? null,
        result.status,
        JSON.stringify(result.headers),
        result.body,
        result.truncated,
        error,
        result.latencyMs,
        startedAt,
        now,
      ],
    );
    if (!held) {
      return {
        deliveryId: d.id,
        outcome: 'lost',
        status: 'pending',
        nextAttemptAt: null,
        responseStatus: result.status,
        error,
      };
    }
    if (d.endpoint) await recordHealth(q, core, options, d.endpoint.id, ok);
    return {
      deliveryId: d.id,
      outcome: ok ? 'succeeded' : 'failed',
      status,
      nextAttemptAt: next,
      responseStatus: result.status,
      error,
    };
  });
}

/**
 * N failed attempts in a row mark an endpoint failing and raise `endpoint.failing`; the
 * next success marks it active again and raises `endpoint.recovered`. Both events go out
 * through the outbox like any other, to native endpoints that subscribe to them.
 */
async function recordHealth(
  q: Queryable,
  core: Core,
  options: DeliveryEngineOptions,
  endpointId: string,
  ok: boolean,
): Promise<void> {
  const now = options.clock.now();
  const rows = ok
    ? await q.query(
        `WITH old AS (SELECT id, health FROM webhook_endpoints WHERE id = $1 FOR UPDATE)
         UPDATE webhook_endpoints w SET consecutive_failures = 0, health = 'active', failing_since = NULL
         FROM old WHERE w.id = old.id AND (w.consecutive_failures <> 0 OR w.health <> 'active')
         RETURNING old.health AS was, w.*`,
        [endpointId],
      )
    : await q.query(
        `WITH old AS (SELECT id, health FROM webhook_endpoints WHERE id = $1 FOR UPDATE)
         UPDATE webhook_endpoints w SET consecutive_failures = w.consecutive_failures + 1,
           health = CASE WHEN w.consecutive_failures + 1 >= $2 THEN 'failing' ELSE w.health END,
           failing_since = CASE WHEN w.health = 'active' AND w.consecutive_failures + 1 >= $2 THEN $3::timestamptz
                                ELSE w.failing_since END
         FROM old WHERE w.id = old.id
         RETURNING old.health AS was, w.*`,
        [endpointId, options.failingThreshold, now],
      );
  const row = rows[0];
  if (!row || row.was === row.health) return;
  const endpoint = toEndpoint(row);
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
