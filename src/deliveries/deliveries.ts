import type { Core } from '../core/context.js';
import type { Queryable } from '../db/db.js';
import * as repo from '../db/deliveries.js';
import type { DeliveryAttemptRow, DeliveryFilter, DeliveryRow } from '../db/deliveries.js';
import { JuheError } from '../domain/errors.js';

export type { DeliveryFilter, DeliveryStatus } from '../db/deliveries.js';

/**
 * Newest first, cursor-paginated: `startingAfter` is the last delivery id of the previous
 * page (its created_at, id pair continues the order).
 */
export async function listDeliveries(
  q: Queryable,
  filter: DeliveryFilter,
  page: { limit: number; startingAfter?: string },
): Promise<{ rows: DeliveryRow[]; hasMore: boolean }> {
  let after: { created_at: Date; id: string } | undefined;
  if (page.startingAfter) {
    after = await repo.findDeliveryCursor(q, page.startingAfter);
    if (!after)
      throw new JuheError('invalid_parameter', 'starting_after is not a delivery id', 'starting_after');
  }
  const rows = await repo.listDeliveryRows(q, filter, page.limit, after);
  return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export const findDelivery = (q: Queryable, id: string): Promise<DeliveryRow | undefined> =>
  repo.findDeliveryRow(q, id);

export const listAttempts = (q: Queryable, deliveryId: string): Promise<DeliveryAttemptRow[]> =>
  repo.listAttemptRows(q, deliveryId);

/**
 * A replay starts a new round for the same notification (same id, so the receiver can
 * deduplicate): due now, attempts counted afresh against the schedule. A worker still
 * holding the old lease loses it; its late answer is logged but decides nothing.
 * Deliveries to a deleted or disabled endpoint cannot be replayed: there is nowhere to send them.
 */
export async function replayDelivery(q: Queryable, core: Core, id: string): Promise<DeliveryRow> {
  const row = await repo.replayDeliveryRow(q, id, core.clock.now());
  if (row) return row;
  if (!(await findDelivery(q, id))) throw new JuheError('not_found', 'No such delivery.', 'id');
  throw new JuheError('invalid_request', 'The endpoint of this delivery was deleted or disabled.');
}

/** Replays every delivery matching the filter; returns how many. */
/** At most this many deliveries per bulk replay: the rest wait for the next call. */
export const BULK_REPLAY_LIMIT = 1000;

export function replayDeliveries(
  q: Queryable,
  core: Core,
  filter: DeliveryFilter,
  limit = BULK_REPLAY_LIMIT,
): Promise<number> {
  return repo.replayMatchingDeliveries(q, filter, core.clock.now(), limit);
}
