import { type ExpressionBuilder, type Selectable, sql as raw } from 'kysely';
import { type Queryable, isUniqueViolation } from './db.js';
import type { DB, StoreOrders } from './schema.js';
import { firstRow, rows, sql } from './sql.js';

/**
 * The store order book (migration 0300_store.sql): one row per payment (ord_type 1) or
 * refund (ord_type 2) made through the `store` dialect, holding what its document returns
 * that core objects do not have (pay tag, serial numbers, custom tender name, tag, remark).
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
  scrId: string | null;
  scrTrueName: string | null;
  tmlNo: string | null;
  createdAt: Date;
}

/** What the client sent beside the order; absent is null. */
export interface StoreOrderDetails {
  diyPmtName: string | null;
  ordName: string | null;
  remark: string | null;
  tag: string | null;
  tradeAccount: string | null;
  tradeNo: string | null;
  /** The cashier (number and name) and terminal the order was made at (migration 0416). */
  scrId?: string | null;
  scrTrueName?: string | null;
  tmlNo?: string | null;
}

export function toStoreOrderRow(r: Selectable<StoreOrders>): StoreOrderRow {
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
    scrId: r.scr_id,
    scrTrueName: r.scr_true_name,
    tmlNo: r.tml_no,
    createdAt: r.created_at,
  };
}

const detailColumns = (d: StoreOrderDetails) => ({
  diy_pmt_name: d.diyPmtName,
  ord_name: d.ordName,
  remark: d.remark,
  tag: d.tag,
  trade_account: d.tradeAccount,
  trade_no: d.tradeNo,
  scr_id: d.scrId ?? null,
  scr_true_name: d.scrTrueName ?? null,
  tml_no: d.tmlNo ?? null,
});

/** The sequence of a serial scope (migration 0310): serial_merchant_<id>, serial_store_<id>. */
export function serialSequence(scope: 'merchant' | 'store', id: string): string {
  if (!/^[a-z0-9_]+$/.test(id)) throw new Error(`not an id: ${id}`);
  return `serial_${scope}_${id}`;
}

/** Creates the serial sequences of a merchant and a store if they do not exist yet. */
export async function ensureSerialSequences(
  q: Queryable,
  merchantId: string,
  storeId: string,
): Promise<void> {
  for (const name of [serialSequence('merchant', merchantId), serialSequence('store', storeId)]) {
    try {
      // DDL takes no parameters; the name is checked to be [a-z0-9_] above.
      await q.query(`CREATE SEQUENCE IF NOT EXISTS ${name}`);
    } catch (error) {
      // Two first orders at once: the other one created it (pg_class unique key).
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/** Whether an error is a first order meeting no serial sequence yet (undefined_table). */
export const isMissingSequence = (error: unknown) => (error as { code?: string }).code === '42P01';

/** The next merchant-wide and store-wide serials, merchant first (a fixed order: no deadlock). */
export async function nextSerials(
  q: Queryable,
  merchantId: string,
  storeId: string,
): Promise<[number, number]> {
  const row = await firstRow(
    q,
    sql.selectNoFrom([
      nextval(serialSequence('merchant', merchantId)).as('m'),
      nextval(serialSequence('store', storeId)).as('s'),
    ]),
  );
  return [Number(row!.m), Number(row!.s)];
}

const nextval = (sequence: string) => raw<string>`nextval(${sequence}::regclass)`;

/** A payment's order book entry, written with its charge (no ord_no: the charge's order_sn is it). */
export interface PaymentEntry extends StoreOrderDetails {
  storeId: string;
  merchantId: string;
  outNo: string;
  chargeId: string;
  pmtTag: string;
  createdAt: Date;
}

export const PAYMENT_ENTRY_COLUMNS = [
  'store_id',
  'out_no',
  'charge_id',
  'merchant_sequence',
  'store_sequence',
  'pmt_tag',
  'diy_pmt_name',
  'ord_name',
  'remark',
  'tag',
  'trade_account',
  'trade_no',
  'scr_id',
  'scr_true_name',
  'tml_no',
  'created_at',
] as const;
type PaymentEntryColumn = (typeof PAYMENT_ENTRY_COLUMNS)[number];

/** The values of a payment entry's insert, by PAYMENT_ENTRY_COLUMNS (the sequences by name). */
export function paymentEntryValues(e: PaymentEntry): Record<PaymentEntryColumn, unknown> {
  return {
    store_id: e.storeId,
    out_no: e.outNo,
    charge_id: e.chargeId,
    merchant_sequence: serialSequence('merchant', e.merchantId),
    store_sequence: serialSequence('store', e.storeId),
    pmt_tag: e.pmtTag,
    ...detailColumns(e),
    created_at: e.createdAt,
  };
}

/**
 * The payment entry's insert, for a data-modifying CTE in the charge's own statement
 * (db/charge-create.ts, which binds the values as placeholders of prepared()): the serials come from
 * sequences (no row locks); a refused create skips them, as an auto-increment column would.
 */
export function paymentEntryInsert(v: Record<PaymentEntryColumn, never>) {
  return sql
    .insertInto('store_orders')
    .values({
      store_id: v.store_id,
      out_no: v.out_no,
      ord_type: raw<number>`1`,
      charge_id: v.charge_id,
      ord_mct_id: nextval(v.merchant_sequence),
      ord_shop_id: nextval(v.store_sequence),
      pmt_tag: v.pmt_tag,
      diy_pmt_name: v.diy_pmt_name,
      ord_name: v.ord_name,
      remark: v.remark,
      tag: v.tag,
      trade_account: v.trade_account,
      trade_no: v.trade_no,
      scr_id: v.scr_id,
      scr_true_name: v.scr_true_name,
      tml_no: v.tml_no,
      created_at: v.created_at,
    })
    .returning(['ord_mct_id', 'ord_shop_id']);
}

/** The entry holding out_no in the store, locked, and whether its charge or refund never came to be. */
export async function lockEntry(
  q: Queryable,
  storeId: string,
  outNo: string,
  refundNo: string,
): Promise<{ createdAt: Date; orphan: boolean } | undefined> {
  const row = await firstRow(
    q,
    sql
      .selectFrom('store_orders as so')
      .select((eb) => [
        'so.created_at',
        eb
          .case()
          .when('so.ord_type', '=', 1)
          .then(
            eb.not(
              eb.exists(
                eb
                  .selectFrom('charges as c')
                  .select(raw`1`.as('one'))
                  .whereRef('c.id', '=', 'so.charge_id'),
              ),
            ),
          )
          .else(
            eb.and([
              eb('so.refund_id', 'is', null),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('refunds as rf')
                    .select(raw`1`.as('one'))
                    .whereRef('rf.charge_id', '=', 'so.charge_id')
                    .where('rf.refund_no', '=', refundNo),
                ),
              ),
            ]),
          )
          .end()
          .as('orphan'),
      ])
      .where('so.store_id', '=', storeId)
      .where('so.out_no', '=', outNo)
      .forUpdate(),
  );
  return row ? { createdAt: new Date(row.created_at), orphan: row.orphan === true } : undefined;
}

export async function deleteEntry(q: Queryable, storeId: string, outNo: string): Promise<void> {
  await rows(q, sql.deleteFrom('store_orders').where('store_id', '=', storeId).where('out_no', '=', outNo));
}

/** A reservation: an entry written before its refund (or, after a crash remnant, its charge) exists. */
export interface Reservation extends StoreOrderDetails {
  storeId: string;
  outNo: string;
  ordType: 1 | 2;
  chargeId: string;
  ordNo: string | null;
  ordMctId: number;
  ordShopId: number;
  pmtTag: string;
  createdAt: Date;
}

export async function insertReservation(q: Queryable, r: Reservation): Promise<StoreOrderRow> {
  const row = await firstRow(
    q,
    sql
      .insertInto('store_orders')
      .values({
        store_id: r.storeId,
        out_no: r.outNo,
        ord_type: r.ordType,
        charge_id: r.chargeId,
        ord_no: r.ordNo,
        ord_mct_id: r.ordMctId,
        ord_shop_id: r.ordShopId,
        pmt_tag: r.pmtTag,
        ...detailColumns(r),
        created_at: r.createdAt,
      })
      .returningAll(),
  );
  return toStoreOrderRow(row!);
}

/** Whether out_no is held by a payment entry whose charge never came to be (a crash remnant). */
export async function isOrphanPaymentEntry(q: Queryable, storeId: string, outNo: string): Promise<boolean> {
  const row = await firstRow(
    q,
    sql
      .selectFrom('store_orders as so')
      .select((eb) =>
        eb
          .and([
            eb('so.ord_type', '=', 1),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('charges as c')
                  .select(raw`1`.as('one'))
                  .whereRef('c.id', '=', 'so.charge_id'),
              ),
            ),
          ])
          .as('orphan'),
      )
      .where('so.store_id', '=', storeId)
      .where('so.out_no', '=', outNo),
  );
  return row?.orphan === true;
}

/** Whether a system order number is taken, by a charge or a refund order. */
export async function isOrdNoTaken(q: Queryable, ordNo: string): Promise<boolean> {
  const row = await firstRow(
    q,
    sql
      .selectFrom('charges')
      .select(raw`1`.as('one'))
      .where('order_sn', '=', ordNo)
      .unionAll(
        sql
          .selectFrom('store_orders')
          .select(raw`1`.as('one'))
          .where('ord_no', '=', ordNo),
      ),
  );
  return row !== undefined;
}

/** Gives a reservation back; only the one this request made (its charge id), never a successor's. */
export async function releaseEntry(
  q: Queryable,
  storeId: string,
  outNo: string,
  chargeId: string,
): Promise<void> {
  await rows(
    q,
    sql
      .deleteFrom('store_orders')
      .where('store_id', '=', storeId)
      .where('out_no', '=', outNo)
      .where('charge_id', '=', chargeId)
      .where('refund_id', 'is', null),
  );
}

export async function linkEntryRefund(
  q: Queryable,
  storeId: string,
  outNo: string,
  refundId: string,
): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('store_orders')
      .set({ refund_id: refundId })
      .where('store_id', '=', storeId)
      .where('out_no', '=', outNo),
  );
}

export async function entryByOutNo(q: Queryable, storeId: string, outNo: string): Promise<StoreOrderRow[]> {
  const found = await rows(
    q,
    sql.selectFrom('store_orders').selectAll().where('store_id', '=', storeId).where('out_no', '=', outNo),
  );
  return found.map(toStoreOrderRow);
}

/**
 * The entry of a system order number: a payment's ord_no is its charge's order_sn (the
 * entry is keyed by the charge's store and order number), a refund's its own column.
 */
export async function entryByOrdNo(q: Queryable, storeId: string, ordNo: string): Promise<StoreOrderRow[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('charges as c')
      .innerJoin('store_orders as so', (join) =>
        join
          .onRef('so.store_id', '=', 'c.store_id')
          .onRef('so.out_no', '=', 'c.order_no')
          .onRef('so.charge_id', '=', 'c.id'),
      )
      .selectAll('so')
      .where('c.order_sn', '=', ordNo)
      .where('c.store_id', '=', storeId)
      .where('so.ord_type', '=', 1)
      .unionAll(
        sql
          .selectFrom('store_orders')
          .selectAll()
          .where('store_id', '=', storeId)
          .where('ord_no', '=', ordNo),
      ),
  );
  return found.map(toStoreOrderRow);
}

/** Charges and refunds by id, for entries being shown with their core objects. */
export async function chargeRowsByIds(q: Queryable, ids: readonly string[]) {
  return rows(
    q,
    sql
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', (eb) => eb.fn.any(eb.val([...ids]))),
  );
}

export async function refundRowsByIds(q: Queryable, ids: readonly string[]) {
  return rows(
    q,
    sql
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', (eb) => eb.fn.any(eb.val([...ids]))),
  );
}

/** The refund a store refund order made, by its core refund number (charge, refund_no). */
export async function refundRowByNumber(q: Queryable, chargeId: string, refundNo: string) {
  return firstRow(
    q,
    sql.selectFrom('refunds').selectAll().where('charge_id', '=', chargeId).where('refund_no', '=', refundNo),
  );
}

export interface EntryFilters {
  outNo?: string;
  ordNo?: string;
  tradeNo?: string;
  pmtTag?: string;
  ordType?: 1 | 2;
  status?: 1 | 2 | 4 | 9;
  from: Date;
  to: Date;
}

type ListTables = DB & { so: StoreOrders } & { c: DB['charges'] } & { r: DB['refunds'] };
type ListBuilder = ExpressionBuilder<ListTables, 'so' | 'c' | 'r'>;

/**
 * The document's status of an order, in SQL (dialects/store/views.ts statusOf is the same
 * mapping in TypeScript): payments 1 paid, 2 unpaid, 9 payer confirming, 4 ended unpaid
 * (canceled, closed, failed); refunds 1 refunded, 2 in progress, 4 failed.
 */
const statusOf = (eb: ListBuilder) =>
  eb
    .case()
    .when('so.ord_type', '=', 1)
    .then(
      eb
        .case('c.status')
        .when('succeeded')
        .then(1)
        .when('pending')
        .then(2)
        .when('user_paying')
        .then(9)
        .else(4)
        .end(),
    )
    .else(eb.case('r.status').when('succeeded').then(1).when('failed').then(4).else(2).end())
    .end();

/** Entries of a store matching the filters, with their charge and refund joined (refunds in flight left out). */
function filteredEntries(storeId: string, f: EntryFilters) {
  let query = sql
    .selectFrom('store_orders as so')
    .innerJoin('charges as c', 'c.id', 'so.charge_id')
    .leftJoin('refunds as r', 'r.id', 'so.refund_id')
    .where('so.store_id', '=', storeId)
    .where('so.created_at', '>=', f.from)
    .where('so.created_at', '<=', f.to)
    .where((eb) => eb.or([eb('so.ord_type', '=', 1), eb('so.refund_id', 'is not', null)]));
  if (f.outNo !== undefined) query = query.where('so.out_no', '=', f.outNo);
  if (f.ordNo !== undefined) {
    const ordNo = f.ordNo;
    query = query.where((eb) =>
      eb(
        eb.case().when('so.ord_type', '=', 1).then(eb.ref('c.order_sn')).else(eb.ref('so.ord_no')).end(),
        '=',
        ordNo,
      ),
    );
  }
  if (f.tradeNo !== undefined) {
    const tradeNo = f.tradeNo;
    query = query.where((eb) =>
      eb(
        eb
          .case()
          .when('so.ord_type', '=', 1)
          .then(eb.fn.coalesce('c.transaction_no', 'so.trade_no'))
          .else(eb.ref('r.transaction_no'))
          .end(),
        '=',
        tradeNo,
      ),
    );
  }
  if (f.pmtTag !== undefined) query = query.where('so.pmt_tag', '=', f.pmtTag);
  if (f.ordType !== undefined) query = query.where('so.ord_type', '=', f.ordType);
  if (f.status !== undefined) {
    const status = f.status;
    query = query.where((eb) => eb(statusOf(eb as unknown as ListBuilder), '=', status));
  }
  return query;
}

/** Newest first; paged by offset (the document pages by number). */
export async function listEntries(
  q: Queryable,
  storeId: string,
  f: EntryFilters,
  limit: number,
  offset: number,
): Promise<StoreOrderRow[]> {
  const found = await rows(
    q,
    filteredEntries(storeId, f)
      .selectAll('so')
      .orderBy('so.created_at', 'desc')
      .orderBy('so.out_no', 'desc')
      .limit(limit)
      .offset(offset),
  );
  return found.map(toStoreOrderRow);
}

export async function countEntries(q: Queryable, storeId: string, f: EntryFilters): Promise<number> {
  const row = await firstRow(
    q,
    filteredEntries(storeId, f).select((eb) => eb.fn.countAll<number>().as('n')),
  );
  return Number(row!.n);
}

/**
 * Net takings of an app on one provider in a day: payments made minus refunds asked
 * (pending or done). Payments are found through created_at (indexed) with a week's
 * margin, since a charge paid today was created before.
 */
export async function netTakings(
  q: Queryable,
  p: { appId: string; livemode: boolean; provider: string; dayStart: Date; dayEnd: Date },
): Promise<number> {
  const weekBefore = new Date(p.dayStart.getTime() - 7 * 24 * 3600 * 1000);
  const row = await firstRow(
    q,
    sql.selectNoFrom((eb) => [
      eb
        .selectFrom('charges')
        .select(raw<string>`COALESCE(SUM(amount), 0)::bigint`.as('paid'))
        .where('app_id', '=', p.appId)
        .where('livemode', '=', p.livemode)
        .where('channel', '=', p.provider)
        .where('status', '=', 'succeeded')
        .where('created_at', '>=', weekBefore)
        .where('paid_at', '>=', p.dayStart)
        .where('paid_at', '<', p.dayEnd)
        .as('paid'),
      eb
        .selectFrom('refunds as r')
        .innerJoin('charges as c', 'c.id', 'r.charge_id')
        .select(raw<string>`COALESCE(SUM(r.amount), 0)::bigint`.as('refunded'))
        .where('r.app_id', '=', p.appId)
        .where('r.livemode', '=', p.livemode)
        .where('c.channel', '=', p.provider)
        .where('r.status', 'in', ['pending', 'succeeded'])
        .where('r.created_at', '>=', p.dayStart)
        .where('r.created_at', '<', p.dayEnd)
        .as('refunded'),
    ]),
  );
  return Number(row!.paid) - Number(row!.refunded);
}
