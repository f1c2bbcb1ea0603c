import { listChargeRows } from '../../db/charges.js';
import type { Queryable } from '../../db/db.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { ChargeStatus } from '../../domain/status.js';

export interface ChargeListParams {
  appId?: string;
  storeId?: string;
  status?: ChargeStatus | ChargeStatus[];
  channel?: string | string[];
  method?: string;
  orderNo?: string;
  livemode?: boolean;
  /** Only charges created through this merchant API (maxpay records lists its own bills). */
  dialect?: string;
  /** true: some amount refunded; false: nothing refunded (maxpay `refund` vs `success`). */
  refunded?: boolean;
  refundState?: 'none' | 'partial' | 'full';
  amountGte?: number;
  amountLte?: number;
  anyOrderNo?: string;
  createdGte?: Date;
  createdLte?: Date;
  /** Newest first by default. */
  order?: 'asc' | 'desc';
  /** Sort key; `amount` (then created_at, id) only with offset paging, not with a cursor. */
  sort?: 'created' | 'amount';
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Offset paging, for dialects that page by skip/limit or page number (maxpay, store). */
  offset?: number;
}

export interface ChargePage {
  data: Charge[];
  hasMore: boolean;
  nextCursor: string | null;
}

/**
 * Keyset pagination over (created_at, id): stable under concurrent inserts and as fast on
 * page 1000 as on page 1. The cursor is base64url("<iso time>|<id>") of the last row.
 */
export async function listCharges(q: Queryable, p: ChargeListParams): Promise<ChargePage> {
  const limit = Math.min(Math.max(p.limit ?? 20, 1), 1000);
  const order = p.order ?? 'desc';
  if (p.cursor && p.sort === 'amount') {
    throw new JuheError('invalid_parameter', 'A cursor pages by creation time only', 'cursor');
  }
  const after = p.cursor ? decodeCursor(p.cursor) : undefined;
  const asList = (v: string | string[] | undefined) =>
    v === undefined ? undefined : Array.isArray(v) ? v : [v];
  const rows = await listChargeRows(
    q,
    {
      appId: p.appId,
      storeId: p.storeId,
      statuses: p.status ? asList(p.status) : undefined,
      channels: p.channel ? asList(p.channel) : undefined,
      method: p.method,
      orderNo: p.orderNo,
      livemode: p.livemode,
      dialect: p.dialect,
      refunded: p.refunded,
      refundState: p.refundState,
      amountGte: p.amountGte,
      amountLte: p.amountLte,
      anyOrderNo: p.anyOrderNo,
      createdGte: p.createdGte,
      createdLte: p.createdLte,
    },
    {
      direction: order,
      byAmount: p.sort === 'amount',
      after: after && { createdAt: after[0], id: after[1] },
      limit: limit + 1,
      offset: p.offset,
    },
  );
  const hasMore = rows.length > limit;
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, hasMore, nextCursor: hasMore && last ? encodeCursor(last) : null };
}

export function encodeCursor(c: Pick<Charge, 'createdAt' | 'id'>): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(cursor: string): [Date, string] {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(time ?? '');
  if (!id || Number.isNaN(date.getTime()))
    throw new JuheError('invalid_parameter', 'Malformed cursor', 'cursor');
  return [date, id];
}
