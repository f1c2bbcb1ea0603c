import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';
import type { Json } from './schema.js';

/** A due outbox row's event and, for a per-order dialect's charge, where to notify it. */
export interface DueEventRow {
  outbox_id: number;
  id: string;
  app_id: string | null;
  livemode: boolean;
  type: string;
  object_type: string;
  object_id: string;
  data: Json;
  created_at: Date;
  charge_dialect: string | null;
  charge_notify_url: string | null;
}

/**
 * Claims due outbox rows (SKIP LOCKED) with their events and, for charge and refund events,
 * the per-order notify URL of the charge when its dialect is one of `perOrderDialects`. The
 * rows are picked in the order of the partial index on due rows, so the scan stops after the
 * batch (a sort would read every due row first) and, being a plain index scan, marks the
 * entries of processed rows dead for the next fan-out.
 */
export function claimDueEvents(
  q: Queryable,
  now: Date,
  batchSize: number,
  perOrderDialects: readonly string[],
) {
  return rawRows<DueEventRow>(
    q,
    raw`WITH o AS (
       SELECT id, event_id, available_at FROM outbox
       WHERE processed_at IS NULL AND available_at <= ${now}
       ORDER BY available_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
     )
     SELECT o.id AS outbox_id, e.id, e.app_id, e.livemode, e.type, e.object_type, e.object_id, e.data, e.created_at,
       c.dialect AS charge_dialect, c.notify_url AS charge_notify_url
     FROM o JOIN events e ON e.id = o.event_id
     LEFT JOIN charges c ON c.id = CASE
         WHEN e.object_type = 'charge' THEN e.object_id
         WHEN e.object_type = 'refund' AND jsonb_typeof(e.data -> 'charge') = 'string' THEN e.data ->> 'charge'
       END
       AND c.notify_url IS NOT NULL AND c.notify_url <> ''
       AND c.dialect IN (SELECT jsonb_array_elements_text(${JSON.stringify(perOrderDialects)}::jsonb))
     ORDER BY o.available_at, o.id`,
  );
}

/** A delivery the fan-out planned, as the deliveries table stores it. */
export interface PlannedDeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  app_id: string | null;
  livemode: boolean;
  endpoint_id: string | null;
  target_key: string;
  format: string;
  url: string;
  schedule: unknown;
  claimed_by: string | null;
  claimed_until: string | null;
}

/**
 * Inserts the planned deliveries (one per event and target: a row planned twice, by two
 * nodes racing on a replayed outbox row, is skipped) and marks the outbox rows processed, in
 * one statement. Returns the ids inserted.
 */
export async function insertDeliveriesAndMarkProcessed(
  q: Queryable,
  planned: PlannedDeliveryRow[],
  outboxIds: string[],
  now: Date,
): Promise<string[]> {
  const at = raw`${now}::timestamptz`;
  const inserted = await rawRows<{ id: string }>(
    q,
    raw`WITH p AS (
       SELECT * FROM jsonb_to_recordset(${JSON.stringify(planned)}::jsonb) AS p(
         id text, event_id text, event_type text, app_id text, livemode boolean, endpoint_id text, target_key text,
         format text, url text, schedule jsonb, claimed_by text, claimed_until timestamptz)
     ), done AS (
       UPDATE outbox SET processed_at = ${at}, attempts = attempts + 1
       -- an array, so that each row is looked up through the primary key
       WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(${JSON.stringify(outboxIds)}::jsonb))::bigint))
     )
     INSERT INTO deliveries (id, event_id, event_type, app_id, livemode, endpoint_id, target_key, format, url,
       schedule, status, next_attempt_at, created_at, updated_at, claimed_by, claimed_until)
     SELECT id, event_id, event_type, app_id, livemode, endpoint_id, target_key, format, url,
       schedule, 'pending', ${at}, ${at}, ${at}, claimed_by, claimed_until
     FROM p
     ON CONFLICT (event_id, target_key) DO NOTHING RETURNING id`,
  );
  return inserted.map((r) => r.id);
}
