import { toCharge } from '../../db/charges.js';
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

/** WHERE clause and arguments for the filters list and count share. */
function chargeFilters(p: ChargeListParams): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (p.appId) add('app_id = ?', p.appId);
  if (p.storeId) add('store_id = ?', p.storeId);
  if (p.status) add('status = ANY(?)', Array.isArray(p.status) ? p.status : [p.status]);
  if (p.channel) add('channel = ANY(?)', Array.isArray(p.channel) ? p.channel : [p.channel]);
  if (p.method) add('method = ?', p.method);
  if (p.orderNo) add('order_no = ?', p.orderNo);
  if (p.livemode !== undefined) add('livemode = ?', p.livemode);
  if (p.dialect) add('dialect = ?', p.dialect);
  if (p.refunded !== undefined) where.push(p.refunded ? 'amount_refunded > 0' : 'amount_refunded = 0');
  if (p.createdGte) add('created_at >= ?', p.createdGte);
  if (p.createdLte) add('created_at <= ?', p.createdLte);
  return { where, args };
}

const whereSql = (where: string[]) => (where.length ? 'WHERE ' + where.join(' AND ') : '');

/**
 * Keyset pagination over (created_at, id): stable under concurrent inserts and as fast on
 * page 1000 as on page 1. The cursor is base64url("<iso time>|<id>") of the last row.
 */
export async function listCharges(q: Queryable, p: ChargeListParams): Promise<ChargePage> {
  const limit = Math.min(Math.max(p.limit ?? 20, 1), 1000);
  const order = p.order ?? 'desc';
  const { where, args } = chargeFilters(p);
  if (p.cursor && p.sort === 'amount') {
    throw new JuheError('invalid_parameter', 'A cursor pages by creation time only', 'cursor');
  }
  if (p.cursor) {
    const [time, id] = decodeCursor(p.cursor);
    args.push(time, id);
    where.push(`(created_at, id) ${order === 'desc' ? '<' : '>'} ($${args.length - 1}, $${args.length})`);
  }
  args.push(limit + 1);
  const amountFirst = p.sort === 'amount' ? `amount ${order}, ` : '';
  let sql = `SELECT * FROM charges ${whereSql(where)} ORDER BY ${amountFirst}created_at ${order}, id ${order} LIMIT $${args.length}`;
  if (p.offset) {
    args.push(p.offset);
    sql += ` OFFSET $${args.length}`;
  }
  const rows = (await q.query(sql, args)).map(toCharge);
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
