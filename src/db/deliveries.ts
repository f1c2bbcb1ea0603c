import { type ExpressionBuilder, type Selectable, sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';
import type { DB, Deliveries, DeliveryAttempts, Json } from './schema.js';
import { firstRow, rows, sql } from './sql.js';

/** The delivery log: one row per (event, target), each attempt logged as sent and answered. */
export type DeliveryRow = Selectable<Deliveries>;
export type DeliveryAttemptRow = Selectable<DeliveryAttempts>;
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface DeliveryFilter {
  app?: string;
  event?: string;
  eventType?: string;
  endpoint?: string;
  status?: DeliveryStatus;
  livemode?: boolean;
  /** created_at >= since */
  since?: Date;
  /** created_at < until */
  until?: Date;
}

type D = ExpressionBuilder<DB & { d: Deliveries }, 'd'>;

/** The filter as conditions over `deliveries d`. */
function matching(eb: D, f: DeliveryFilter) {
  const and = [];
  if (f.app) and.push(eb('d.app_id', '=', f.app));
  if (f.event) and.push(eb('d.event_id', '=', f.event));
  if (f.eventType) and.push(eb('d.event_type', '=', f.eventType));
  if (f.endpoint) and.push(eb('d.endpoint_id', '=', f.endpoint));
  if (f.status) and.push(eb('d.status', '=', f.status));
  if (f.livemode !== undefined) and.push(eb('d.livemode', '=', f.livemode));
  if (f.since) and.push(eb('d.created_at', '>=', f.since));
  if (f.until) and.push(eb('d.created_at', '<', f.until));
  return eb.and(and);
}

/** Deliveries to a deleted or disabled endpoint cannot be replayed: there is nowhere to send them. */
function replayable(eb: D) {
  return eb.or([
    eb('d.endpoint_id', 'is', null),
    eb.exists(
      eb
        .selectFrom('webhook_endpoints as w')
        .select(raw`1`.as('one'))
        .whereRef('w.id', '=', 'd.endpoint_id')
        .where('w.deleted_at', 'is', null)
        .where('w.enabled', '=', true),
    ),
  ]);
}

export function findDeliveryRow(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('deliveries').selectAll().where('id', '=', id));
}

/**
 * Newest first, from before the delivery `after` (its created_at, id pair continues the
 * order); `limit + 1` rows so the caller knows whether there is more.
 */
export function listDeliveryRows(
  q: Queryable,
  filter: DeliveryFilter,
  limit: number,
  after?: { created_at: Date; id: string },
) {
  let query = sql
    .selectFrom('deliveries as d')
    .selectAll('d')
    .where((eb) => matching(eb, filter));
  if (after) {
    query = query.where((eb) =>
      eb(eb.refTuple('d.created_at', 'd.id'), '<', eb.tuple(after.created_at, after.id)),
    );
  }
  return rows(
    q,
    query
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(limit + 1),
  );
}

export function findDeliveryCursor(q: Queryable, id: string) {
  return firstRow(q, sql.selectFrom('deliveries').select(['created_at', 'id']).where('id', '=', id));
}

export function listAttemptRows(q: Queryable, deliveryId: string) {
  return rows(
    q,
    sql.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('number'),
  );
}

/**
 * A new round for the same notification: due now, attempts counted afresh against the
 * schedule; a worker still holding the old lease loses it.
 */
const newRound = (now: Date) => ({
  status: 'pending',
  round_attempts: 0,
  round_started_at: null,
  next_attempt_at: now,
  completed_at: null,
  claimed_by: null,
  claimed_until: null,
  updated_at: now,
});

/** Replays one delivery if its target still exists; undefined otherwise. */
export function replayDeliveryRow(q: Queryable, id: string, now: Date) {
  return firstRow(
    q,
    sql
      .updateTable('deliveries as d')
      .set(newRound(now))
      .where('d.id', '=', id)
      .where((eb) => replayable(eb))
      .returningAll(),
  );
}

/** Replays every replayable delivery matching the filter; returns how many. */
/** Replays at most `limit` matching deliveries, oldest first, so one call's transaction stays bounded. */
export async function replayMatchingDeliveries(
  q: Queryable,
  filter: DeliveryFilter,
  now: Date,
  limit: number,
): Promise<number> {
  const replayed = await rows(
    q,
    sql
      .updateTable('deliveries')
      .set(newRound(now))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('deliveries as d')
          .select('d.id')
          .where((d) => d.and([matching(d, filter), replayable(d)]))
          .orderBy('d.created_at')
          .limit(limit),
      )
      .returning('id'),
  );
  return replayed.length;
}

const canceled = (now: Date, reason: string) => ({
  status: 'canceled',
  last_error: reason,
  next_attempt_at: null,
  completed_at: now,
  updated_at: now,
  claimed_by: null,
  claimed_until: null,
});

/** Cancels the endpoint's pending deliveries (deleted, disabled, switched mode). */
export async function cancelPendingOfEndpoint(q: Queryable, endpointId: string, now: Date, reason: string) {
  await rows(
    q,
    sql
      .updateTable('deliveries')
      .set(canceled(now, reason))
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending'),
  );
}

/** Cancels one pending delivery this worker holds. */
export async function cancelHeldDelivery(
  q: Queryable,
  id: string,
  workerId: string,
  now: Date,
  reason: string,
) {
  await rows(
    q,
    sql
      .updateTable('deliveries')
      .set(canceled(now, reason))
      .where('id', '=', id)
      .where('claimed_by', '=', workerId)
      .where('status', '=', 'pending'),
  );
}

/** Clears this worker's leases on deliveries it will not send, so any node claims them at once. */
export async function handBackDeliveries(q: Queryable, ids: string[], workerId: string): Promise<void> {
  await rawRows(
    q,
    raw`UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL
       WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
         AND claimed_by = ${workerId} AND status = 'pending'`,
  );
}

/**
 * Claims and attempt records commit without waiting for their WAL flush
 * (synchronous_commit off for that one statement's own transaction). Safe because delivery
 * is at-least-once anyway: if the server crashes and loses such a commit, the delivery is
 * simply due again and sent again under the same notification id. Fan-out commits stay
 * synchronous: losing one after its deliveries went out would re-create them with new ids.
 */
const ASYNC_COMMIT = raw`set_config('synchronous_commit', 'off', true) = 'off'`;

/** A claimed row with what sending it needs: its event, its endpoint (as JSON) and sealed secrets. */
export interface ClaimedRow {
  id: string;
  target_key: string;
  format: string;
  url: string;
  schedule: Json;
  attempts: number;
  claimed_until: Date;
  round_attempts: number;
  round_started_at: Date | null;
  endpoint_id: string | null;
  next_attempt_at: Date;
  e_id: string;
  e_app_id: string | null;
  e_livemode: boolean;
  e_type: string;
  e_object_type: string;
  e_object_id: string;
  e_data: Json;
  e_created_at: Date;
  /** The endpoint row as JSON (times as strings), or null. */
  endpoint: Record<string, unknown> | null;
  secrets: string[] | null;
}

/**
 * Claims up to `limit` due deliveries for `workerId` in one statement: candidate rows
 * (`candidates` of them) are locked with SKIP LOCKED (no two nodes pick the same row), at most
 * `perTargetLimit` minus what this node already has in flight (`busy`) are picked per target,
 * and the picked rows are leased until `leasedUntil`. A row whose lease ran out (its worker
 * died mid-delivery) is due again; its lost attempt is logged as `abandoned` and counted.
 */
export function claimDueDeliveries(
  q: Queryable,
  c: {
    now: Date;
    candidates: number;
    busy: Record<string, number>;
    perTargetLimit: number;
    limit: number;
    workerId: string;
    leasedUntil: Date;
  },
) {
  const now = raw`${c.now}::timestamptz`;
  return rawRows<ClaimedRow>(
    q,
    raw`WITH c AS (
       SELECT d.id, d.target_key, d.next_attempt_at, d.claimed_by AS previous_worker
       FROM deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at <= ${now} AND (d.claimed_until IS NULL OR d.claimed_until <= ${now})
       ORDER BY d.next_attempt_at, d.id LIMIT ${c.candidates} FOR UPDATE SKIP LOCKED
     ), ranked AS (
       SELECT c.*, row_number() OVER (PARTITION BY c.target_key ORDER BY c.next_attempt_at, c.id) AS rn FROM c
     ), pick AS (
       SELECT ranked.* FROM ranked LEFT JOIN jsonb_each_text(${JSON.stringify(c.busy)}::jsonb) busy ON busy.key = ranked.target_key
       WHERE ranked.rn <= ${c.perTargetLimit}::int - COALESCE(busy.value::int, 0)
       ORDER BY ranked.next_attempt_at, ranked.id LIMIT ${c.limit}
     ), claimed AS (
       UPDATE deliveries d SET claimed_by = ${c.workerId}, claimed_until = ${c.leasedUntil},
         attempts = d.attempts + CASE WHEN pick.previous_worker IS NULL THEN 0 ELSE 1 END
       FROM pick WHERE d.id = pick.id
       RETURNING d.*, pick.previous_worker
     ), abandoned AS (
       INSERT INTO delivery_attempts (delivery_id, number, outcome, trigger, worker, error, started_at, completed_at)
       SELECT id, attempts, 'abandoned', 'schedule', previous_worker,
         'the worker lease expired before the attempt was reported', ${now}, ${now}
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
        WHERE s.endpoint_id = claimed.endpoint_id AND (s.expires_at IS NULL OR s.expires_at > ${now})) AS secrets
     FROM claimed JOIN events e ON e.id = claimed.event_id AND ${ASYNC_COMMIT}
     LEFT JOIN webhook_endpoints w ON w.id = claimed.endpoint_id
     ORDER BY claimed.next_attempt_at, claimed.id`,
  );
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
 * Records attempts in one statement: each delivery moves to its next state if `workerId`
 * still holds its lease, and each attempt is logged either way (a late one numbered after
 * whatever the new owner logged). Returns the ids whose lease was still held.
 */
export async function recordAttemptRows(q: Queryable, workerId: string, records: AttemptRecord[]) {
  const worker = raw`${workerId}::text`;
  const held = await rawRows<{ id: string }>(
    q,
    raw`WITH x AS (
       SELECT * FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x(
         id text, status text, attempts int, round_started_at timestamptz, next_attempt_at timestamptz, url text,
         completed_at timestamptz, outcome text, trigger text, request_method text, request_url text,
         request_headers jsonb, request_body text, response_status int, response_headers jsonb, response_body text,
         response_truncated boolean, error text, latency_ms int, started_at timestamptz, finished_at timestamptz)
     ), upd AS (
       UPDATE deliveries d SET status = x.status, attempts = x.attempts, round_attempts = d.round_attempts + 1,
         round_started_at = x.round_started_at, last_attempt_at = x.started_at, next_attempt_at = x.next_attempt_at,
         last_response_status = x.response_status, last_error = x.error, url = x.url, updated_at = x.finished_at,
         completed_at = x.completed_at, claimed_by = NULL, claimed_until = NULL
       FROM x WHERE d.id = x.id AND d.claimed_by = ${worker}
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
         x.outcome, x.trigger, ${worker}, x.request_method, x.request_url, x.request_headers, x.request_body,
         x.response_status, x.response_headers, x.response_body, x.response_truncated, x.error, x.latency_ms,
         x.started_at, x.finished_at
       FROM x
     )
     SELECT id FROM upd WHERE ${ASYNC_COMMIT}`,
  );
  return new Set(held.map((r) => r.id));
}
