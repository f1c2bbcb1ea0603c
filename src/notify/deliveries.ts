import type { Core } from '../core/context.js';
import type { Queryable } from '../db/db.js';
import { JuheError } from '../domain/errors.js';

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

/** WHERE clause over `deliveries d` for a filter; parameters numbered from `offset + 1`. */
function where(filter: DeliveryFilter, offset = 0): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${offset + params.length}`));
  };
  if (filter.app) add('d.app_id = ?', filter.app);
  if (filter.event) add('d.event_id = ?', filter.event);
  if (filter.eventType) add('d.event_type = ?', filter.eventType);
  if (filter.endpoint) add('d.endpoint_id = ?', filter.endpoint);
  if (filter.status) add('d.status = ?', filter.status);
  if (filter.livemode !== undefined) add('d.livemode = ?', filter.livemode);
  if (filter.since) add('d.created_at >= ?', filter.since);
  if (filter.until) add('d.created_at < ?', filter.until);
  return { sql: clauses.length ? clauses.join(' AND ') : 'true', params };
}

/**
 * Newest first, cursor-paginated: `startingAfter` is the last delivery id of the previous
 * page (its created_at, id pair continues the order).
 */
export async function listDeliveries(
  q: Queryable,
  filter: DeliveryFilter,
  page: { limit: number; startingAfter?: string },
): Promise<{ rows: Record<string, any>[]; hasMore: boolean }> {
  const w = where(filter);
  const params = [...w.params];
  let cursor = '';
  if (page.startingAfter) {
    const [after] = await q.query('SELECT created_at, id FROM deliveries WHERE id = $1', [
      page.startingAfter,
    ]);
    if (!after)
      throw new JuheError('invalid_parameter', 'starting_after is not a delivery id', 'starting_after');
    params.push(after.created_at, after.id);
    cursor = ` AND (d.created_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(page.limit + 1);
  const rows = await q.query(
    `SELECT d.* FROM deliveries d WHERE ${w.sql}${cursor} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export async function findDelivery(q: Queryable, id: string): Promise<Record<string, any> | undefined> {
  const [row] = await q.query('SELECT * FROM deliveries WHERE id = $1', [id]);
  return row;
}

export async function listAttempts(q: Queryable, deliveryId: string): Promise<Record<string, any>[]> {
  return q.query('SELECT * FROM delivery_attempts WHERE delivery_id = $1 ORDER BY number', [deliveryId]);
}

/**
 * A replay starts a new round for the same notification (same id, so the receiver can
 * deduplicate): due now, attempts counted afresh against the schedule. A worker still
 * holding the old lease loses it; its late answer is logged but decides nothing.
 */
const REPLAY_SET = `status = 'pending', round_attempts = 0, round_started_at = NULL, next_attempt_at = $1,
  completed_at = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = $1`;

/** Deliveries to a deleted endpoint cannot be replayed: there is nowhere to send them. */
const REPLAYABLE = `(d.endpoint_id IS NULL OR EXISTS (
  SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id AND w.deleted_at IS NULL AND w.enabled))`;

export async function replayDelivery(q: Queryable, core: Core, id: string): Promise<Record<string, any>> {
  const [row] = await q.query(
    `UPDATE deliveries AS d SET ${REPLAY_SET} WHERE d.id = $2 AND ${REPLAYABLE} RETURNING d.*`,
    [core.clock.now(), id],
  );
  if (row) return row;
  if (!(await findDelivery(q, id))) throw new JuheError('not_found', 'No such delivery.', 'id');
  throw new JuheError('invalid_request', 'The endpoint of this delivery was deleted or disabled.');
}

/** Replays every delivery matching the filter; returns how many. */
export async function replayDeliveries(q: Queryable, core: Core, filter: DeliveryFilter): Promise<number> {
  const w = where(filter, 1);
  const rows = await q.query(
    `UPDATE deliveries SET ${REPLAY_SET}
     WHERE id IN (SELECT d.id FROM deliveries d WHERE ${w.sql} AND ${REPLAYABLE}) RETURNING id`,
    [core.clock.now(), ...w.params],
  );
  return rows.length;
}
