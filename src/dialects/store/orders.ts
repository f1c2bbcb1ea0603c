import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import type { ChargeCreateParams } from '../../core/payments/create-charge.js';
import { toCharge, toRefund } from '../../db/charges.js';
import { isUniqueViolation, type Queryable } from '../../db/db.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { StoreError } from './errors.js';

/**
 * The store order book (migration 0300_store.sql): one row per payment (ord_type 1) or
 * refund (ord_type 2) made through /mct1, reserving its out_no in the store before the
 * charge or refund is created, and holding what the document returns that core objects
 * do not have (pay tag, serial numbers, custom tender name, tag, remark).
 */
export interface StoreOrderRow {
  storeId: string;
  outNo: string;
  ordType: 1 | 2;
  chargeId: string;
  refundId: string | null;
  ordNo: string | null;
  ordMctId: number;
  ordShopId: number;
  pmtTag: string;
  diyPmtName: string | null;
  ordName: string | null;
  remark: string | null;
  tag: string | null;
  tradeAccount: string | null;
  tradeNo: string | null;
  createdAt: Date;
}

/** A store order with its core objects: the charge (for a refund, the charge refunded) and the refund. */
export interface StoreOrder {
  row: StoreOrderRow;
  charge: Charge;
  refund: Refund | null;
}

function toRow(r: Record<string, any>): StoreOrderRow {
  return {
    storeId: r.store_id,
    outNo: r.out_no,
    ordType: Number(r.ord_type) as 1 | 2,
    chargeId: r.charge_id,
    refundId: r.refund_id,
    ordNo: r.ord_no,
    ordMctId: Number(r.ord_mct_id),
    ordShopId: Number(r.ord_shop_id),
    pmtTag: r.pmt_tag,
    diyPmtName: r.diy_pmt_name,
    ordName: r.ord_name,
    remark: r.remark,
    tag: r.tag,
    tradeAccount: r.trade_account,
    tradeNo: r.trade_no,
    createdAt: r.created_at,
  };
}

export interface OrderReservation {
  outNo: string;
  ordType: 1 | 2;
  chargeId: string;
  pmtTag: string;
  diyPmtName?: string | null;
  ordName?: string | null;
  remark?: string | null;
  tag?: string | null;
  tradeAccount?: string | null;
  tradeNo?: string | null;
}

/** What the client sent beside the order (absent: null), in the column order of DETAIL_COLUMNS. */
function orderDetails(r: OrderReservation) {
  return {
    diyPmtName: r.diyPmtName ?? null,
    ordName: r.ordName ?? null,
    remark: r.remark ?? null,
    tag: r.tag ?? null,
    tradeAccount: r.tradeAccount ?? null,
    tradeNo: r.tradeNo ?? null,
  };
}

const DETAIL_COLUMNS = 'diy_pmt_name, ord_name, remark, tag, trade_account, trade_no';
const detailParams = (r: OrderReservation) => Object.values(orderDetails(r));

/** A reservation this old without its charge or refund is a crash remnant, not a request in flight. */
const ORPHAN_AFTER_MS = 60_000;

/**
 * The core refund number of a store refund order: refund numbers are unique per app,
 * refund_out_no per store, so the store's id scopes it ("sto_...:RF1").
 */
export const refundNoOf = (storeId: string, refundOutNo: string) => `${storeId}:${refundOutNo}`;

/** The sequence of a serial scope (migration 0310): serial_merchant_<id>, serial_store_<id>. */
export function serialSequence(scope: 'merchant' | 'store', id: string): string {
  if (!/^[a-z0-9_]+$/.test(id)) throw new Error(`not an id: ${id}`);
  return `serial_${scope}_${id}`;
}

/** Creates the serial sequences of a merchant and a store if they do not exist yet. */
async function ensureSequences(q: Queryable, merchantId: string, storeId: string): Promise<void> {
  for (const name of [serialSequence('merchant', merchantId), serialSequence('store', storeId)]) {
    try {
      await q.query(`CREATE SEQUENCE IF NOT EXISTS ${name}`);
    } catch (error) {
      // Two first orders at once: the other one created it (pg_class unique key).
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

async function nextSerials(q: Queryable, merchantId: string, storeId: string): Promise<[number, number]> {
  const [row] = await q.query<{ m: string; s: string }>(
    'SELECT nextval($1::regclass) AS m, nextval($2::regclass) AS s',
    [serialSequence('merchant', merchantId), serialSequence('store', storeId)],
  );
  return [Number(row!.m), Number(row!.s)];
}

/**
 * Reserves `outNo` in the store and numbers the order, in one transaction: a taken out_no
 * (by a payment or a refund) throws `out_no_exists` for payments, `refund_no_exists` for
 * refunds, and consumes no serial. Serials are taken merchant first, then store, always
 * in that order, so concurrent reservations cannot deadlock.
 */
export async function reserveOrder(
  core: Core,
  store: StoreWithKey,
  r: OrderReservation,
): Promise<StoreOrderRow> {
  const duplicate = r.ordType === 1 ? 'out_no_exists' : 'refund_no_exists';
  // Outside the transaction: a failed statement would end it.
  await ensureSequences(core.db, store.merchantId, store.id);
  try {
    return await core.db.tx(async (q) => {
      const [taken] = await q.query<{ created_at: Date; orphan: boolean }>(
        `SELECT so.created_at,
                CASE WHEN so.ord_type = 1 THEN NOT EXISTS (SELECT 1 FROM charges c WHERE c.id = so.charge_id)
                     ELSE so.refund_id IS NULL AND NOT EXISTS (
                       SELECT 1 FROM refunds rf WHERE rf.charge_id = so.charge_id AND rf.refund_no = $3)
                END AS orphan
         FROM store_orders so WHERE so.store_id = $1 AND so.out_no = $2 FOR UPDATE`,
        [store.id, r.outNo, refundNoOf(store.id, r.outNo)],
      );
      const now = core.clock.now();
      if (taken) {
        // A reservation whose charge or refund never came to be (the process died between
        // the two steps) holds the out_no for no order: reclaim it once it is clearly not in flight.
        const stale = now.getTime() - new Date(taken.created_at).getTime() > ORPHAN_AFTER_MS;
        if (!(taken.orphan && stale)) throw new StoreError(duplicate, `${r.outNo}`);
        await q.query('DELETE FROM store_orders WHERE store_id = $1 AND out_no = $2', [store.id, r.outNo]);
      }
      const [ordMctId, ordShopId] = await nextSerials(q, store.merchantId, store.id);
      const ordNo = r.ordType === 2 ? await freshOrdNo(q, core, now) : null;
      const [row] = await q.query(
        `INSERT INTO store_orders (store_id, out_no, ord_type, charge_id, ord_no, ord_mct_id, ord_shop_id, pmt_tag,
           ${DETAIL_COLUMNS}, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *`,
        [
          store.id,
          r.outNo,
          r.ordType,
          r.chargeId,
          ordNo,
          ordMctId,
          ordShopId,
          r.pmtTag,
          ...detailParams(r),
          now,
        ],
      );
      return toRow(row!);
    });
  } catch (error) {
    // Two requests racing for one out_no: the loser's insert hits the primary key.
    if (isUniqueViolation(error, 'store_orders_pkey')) throw new StoreError(duplicate, `${r.outNo}`);
    throw error;
  }
}

/** The columns a payment's order book entry writes, in the order PaymentOrderEntry.sql gives them. */
const PAYMENT_ENTRY_COLUMNS = `store_id, out_no, ord_type, charge_id, ord_mct_id, ord_shop_id, pmt_tag,
  ${DETAIL_COLUMNS}, created_at`;

/**
 * A payment's order book entry, written in the charge's own statement (createCharge
 * `alsoInsert`): entry, charge, event and outbox row commit together or not at all, so a
 * crash leaves no reservation without its charge. The serials come from sequences (no row
 * locks) inside that statement; a refused create skips them, as an auto-increment column
 * would. `row()` holds the entry once the create has written it. (A class, not closures:
 * this is built on every payment, and each closure made per request costs its own name.)
 */
export class PaymentOrderEntry implements NonNullable<ChargeCreateParams['alsoInsert']> {
  readonly params: unknown[];
  private written: StoreOrderRow | undefined;

  constructor(
    private readonly store: StoreWithKey,
    private readonly order: OrderReservation,
    private readonly now: Date,
  ) {
    this.params = [
      store.id,
      order.outNo,
      order.chargeId,
      serialSequence('merchant', store.merchantId),
      serialSequence('store', store.id),
      order.pmtTag,
      ...detailParams(order),
      now,
    ];
  }

  sql(first: number): string {
    const at: string[] = [];
    for (let i = 0; i < this.params.length; i++) at.push(`$${first + i}`);
    return `INSERT INTO store_orders (${PAYMENT_ENTRY_COLUMNS})
      VALUES (${at[0]}, ${at[1]}, 1, ${at[2]}, nextval(${at[3]}::regclass), nextval(${at[4]}::regclass),
              ${at.slice(5).join(', ')})
      RETURNING ord_mct_id, ord_shop_id`;
  }

  /** Only the serials are new; the rest is what was sent (no need to read it back). */
  inserted(serials: Record<string, unknown>): void {
    this.written = {
      storeId: this.store.id,
      outNo: this.order.outNo,
      ordType: 1,
      chargeId: this.order.chargeId,
      refundId: null,
      ordNo: null,
      ordMctId: Number(serials.ord_mct_id),
      ordShopId: Number(serials.ord_shop_id),
      pmtTag: this.order.pmtTag,
      ...orderDetails(this.order),
      createdAt: this.now,
    };
  }

  row(): StoreOrderRow {
    if (!this.written) throw new Error('the order book entry was not written with its charge');
    return this.written;
  }
}

/** Whether an error is a first order meeting no serial sequence yet (undefined_table). */
export const isMissingSequence = (error: unknown) => (error as { code?: string }).code === '42P01';

/** Creates the serial sequences a store's orders draw from (its first order, or its merchant's). */
export async function prepareSerials(core: Core, store: StoreWithKey): Promise<void> {
  await ensureSequences(core.db, store.merchantId, store.id);
}

/** Whether out_no is held by a reservation whose charge never came to be (a crash remnant). */
export async function isOrphanReservation(q: Queryable, storeId: string, outNo: string): Promise<boolean> {
  const [row] = await q.query<{ orphan: boolean }>(
    `SELECT so.ord_type = 1 AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.id = so.charge_id) AS orphan
     FROM store_orders so WHERE so.store_id = $1 AND so.out_no = $2`,
    [storeId, outNo],
  );
  return row?.orphan === true;
}

/** A refund order's system number: same shape as a charge's, and never one a charge has. */
async function freshOrdNo(q: Queryable, core: Core, now: Date): Promise<string> {
  for (;;) {
    const candidate = core.ids.orderSn(now);
    const [used] = await q.query(
      `SELECT 1 FROM charges WHERE order_sn = $1 UNION ALL SELECT 1 FROM store_orders WHERE ord_no = $1`,
      [candidate],
    );
    if (!used) return candidate;
  }
}

/** Gives a reservation back; only the one this request made (its charge id), never a successor's. */
export async function releaseOrder(
  q: Queryable,
  storeId: string,
  outNo: string,
  chargeId: string,
): Promise<void> {
  await q.query(
    'DELETE FROM store_orders WHERE store_id = $1 AND out_no = $2 AND charge_id = $3 AND refund_id IS NULL',
    [storeId, outNo, chargeId],
  );
}

export async function linkRefund(
  q: Queryable,
  storeId: string,
  outNo: string,
  refundId: string,
): Promise<void> {
  await q.query('UPDATE store_orders SET refund_id = $3 WHERE store_id = $1 AND out_no = $2', [
    storeId,
    outNo,
    refundId,
  ]);
}

/** Orders whose charge (payments) or refund (refunds) exists; in-flight reservations are invisible. */
async function hydrate(q: Queryable, rows: StoreOrderRow[]): Promise<StoreOrder[]> {
  if (rows.length === 0) return [];
  const chargeIds = [...new Set(rows.map((r) => r.chargeId))];
  const refundIds = rows.map((r) => r.refundId).filter((id): id is string => id !== null);
  const charges = new Map(
    (await q.query('SELECT * FROM charges WHERE id = ANY($1)', [chargeIds])).map((r) => [r.id, toCharge(r)]),
  );
  const refunds = new Map(
    refundIds.length
      ? (await q.query('SELECT * FROM refunds WHERE id = ANY($1)', [refundIds])).map((r) => [
          r.id,
          toRefund(r),
        ])
      : [],
  );
  for (const row of rows) {
    if (row.ordType !== 2 || row.refundId !== null) continue;
    // A refund created but never linked (the process died in between): link it now.
    const [made] = await q.query('SELECT * FROM refunds WHERE charge_id = $1 AND refund_no = $2', [
      row.chargeId,
      refundNoOf(row.storeId, row.outNo),
    ]);
    if (made) {
      await linkRefund(q, row.storeId, row.outNo, made.id);
      row.refundId = made.id;
      refunds.set(made.id, toRefund(made));
    }
  }
  const orders: StoreOrder[] = [];
  for (const row of rows) {
    const charge = charges.get(row.chargeId);
    const refund = row.refundId ? (refunds.get(row.refundId) ?? null) : null;
    if (!charge || (row.ordType === 2 && !refund)) continue;
    orders.push({ row, charge, refund });
  }
  return orders;
}

export async function findOrderByOutNo(
  q: Queryable,
  storeId: string,
  outNo: string,
): Promise<StoreOrder | undefined> {
  const rows = await q.query('SELECT * FROM store_orders WHERE store_id = $1 AND out_no = $2', [
    storeId,
    outNo,
  ]);
  return (await hydrate(q, rows.map(toRow)))[0];
}

export async function findOrderByOrdNo(
  q: Queryable,
  storeId: string,
  ordNo: string,
): Promise<StoreOrder | undefined> {
  // A payment's ord_no is its charge's order_sn; a refund's is its own column. Both unique.
  const rows = await q.query(
    // A payment's entry is keyed by its charge's store and order number (out_no).
    `SELECT so.* FROM charges c
       JOIN store_orders so ON so.store_id = c.store_id AND so.out_no = c.order_no AND so.charge_id = c.id
       WHERE c.order_sn = $2 AND c.store_id = $1 AND so.ord_type = 1
     UNION ALL
     SELECT * FROM store_orders WHERE store_id = $1 AND ord_no = $2`,
    [storeId, ordNo],
  );
  return (await hydrate(q, rows.map(toRow)))[0];
}

export interface OrderFilters {
  outNo?: string;
  ordNo?: string;
  tradeNo?: string;
  pmtTag?: string;
  ordType?: 1 | 2;
  status?: 1 | 2 | 4 | 9;
  from: Date;
  to: Date;
}

/**
 * The document's status of an order, in SQL (views.ts statusOf is the same mapping in
 * TypeScript): payments 1 paid, 2 unpaid, 9 payer confirming, 4 ended unpaid (canceled,
 * closed, failed); refunds 1 refunded, 2 in progress, 4 failed.
 */
const STATUS_SQL = `CASE WHEN so.ord_type = 1 THEN
    CASE c.status WHEN 'succeeded' THEN 1 WHEN 'pending' THEN 2 WHEN 'user_paying' THEN 9 ELSE 4 END
  ELSE CASE r.status WHEN 'succeeded' THEN 1 WHEN 'failed' THEN 4 ELSE 2 END END`;

function filterSql(storeId: string, f: OrderFilters): { sql: string; args: unknown[] } {
  const args: unknown[] = [storeId, f.from, f.to];
  const where = [
    'so.store_id = $1',
    'so.created_at >= $2',
    'so.created_at <= $3',
    '(so.ord_type = 1 OR so.refund_id IS NOT NULL)',
  ];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replaceAll('?', `$${args.length}`));
  };
  if (f.outNo !== undefined) add('so.out_no = ?', f.outNo);
  if (f.ordNo !== undefined)
    add('(CASE WHEN so.ord_type = 1 THEN c.order_sn ELSE so.ord_no END) = ?', f.ordNo);
  if (f.tradeNo !== undefined) {
    add(
      '(CASE WHEN so.ord_type = 1 THEN COALESCE(c.transaction_no, so.trade_no) ELSE r.transaction_no END) = ?',
      f.tradeNo,
    );
  }
  if (f.pmtTag !== undefined) add('so.pmt_tag = ?', f.pmtTag);
  if (f.ordType !== undefined) add('so.ord_type = ?', f.ordType);
  if (f.status !== undefined) add(`(${STATUS_SQL}) = ?`, f.status);
  return {
    sql: `FROM store_orders so JOIN charges c ON c.id = so.charge_id LEFT JOIN refunds r ON r.id = so.refund_id
          WHERE ${where.join(' AND ')}`,
    args,
  };
}

/** Newest first; page by offset (the document pages by number). */
export async function listOrders(
  q: Queryable,
  storeId: string,
  f: OrderFilters,
  limit: number,
  offset: number,
): Promise<StoreOrder[]> {
  const { sql, args } = filterSql(storeId, f);
  const rows = await q.query(
    `SELECT so.* ${sql} ORDER BY so.created_at DESC, so.out_no DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
    [...args, limit, offset],
  );
  return hydrate(q, rows.map(toRow));
}

export async function countOrders(q: Queryable, storeId: string, f: OrderFilters): Promise<number> {
  const { sql, args } = filterSql(storeId, f);
  const [row] = await q.query<{ n: number }>(`SELECT count(*)::int AS n ${sql}`, args);
  return Number(row!.n);
}

/**
 * Net takings of the app on one provider in a day: payments made minus refunds asked
 * (pending or done), the base of the document's 8040 rule. Payments are found through
 * created_at (indexed) with a week's margin, since a charge paid today was created before.
 */
export async function netTakings(
  q: Queryable,
  p: { appId: string; livemode: boolean; provider: string; dayStart: Date; dayEnd: Date },
): Promise<number> {
  const weekBefore = new Date(p.dayStart.getTime() - 7 * 24 * 3600 * 1000);
  const [row] = await q.query<{ paid: number | string; refunded: number | string }>(
    `SELECT
       (SELECT COALESCE(SUM(amount), 0) FROM charges
         WHERE app_id = $1 AND livemode = $2 AND channel = $3 AND status = 'succeeded'
           AND created_at >= $6 AND paid_at >= $4 AND paid_at < $5)::bigint AS paid,
       (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r JOIN charges c ON c.id = r.charge_id
         WHERE r.app_id = $1 AND r.livemode = $2 AND c.channel = $3 AND r.status IN ('pending', 'succeeded')
           AND r.created_at >= $4 AND r.created_at < $5)::bigint AS refunded`,
    [p.appId, p.livemode, p.provider, p.dayStart, p.dayEnd, weekBefore],
  );
  return Number(row!.paid) - Number(row!.refunded);
}
