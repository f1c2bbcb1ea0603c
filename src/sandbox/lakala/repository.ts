import type { Selectable } from 'kysely';
import type { Queryable } from '../../db/db.js';
import type { LklsimOrders, LklsimRefunds } from '../_kit/schema.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/** Every statement on the Lakala simulator's tables (lklsim_orders, lklsim_refunds, lklsim_notices). */
export type OrderRow = Selectable<LklsimOrders>;
export type RefundRow = Selectable<LklsimRefunds>;

/** An order by out_order_no or pay_order_no. */
export async function findOrder(
  q: Queryable,
  merchantNo: string,
  by: { out?: string; pay?: string },
  lock = false,
): Promise<OrderRow | undefined> {
  const query = simSql
    .selectFrom('lklsim_orders')
    .selectAll()
    .where('merchant_no', '=', merchantNo)
    .where(by.out !== undefined ? 'out_order_no' : 'pay_order_no', '=', (by.out ?? by.pay)!);
  return firstRow(q, lock ? query.forUpdate() : query);
}

export async function orderByPayCode(q: Queryable, payCode: string) {
  return firstRow(q, simSql.selectFrom('lklsim_orders').selectAll().where('pay_code', '=', payCode));
}

export async function insertOrder(
  q: Queryable,
  o: Omit<OrderRow, 'trade_no' | 'log_no' | 'acc_trade_no' | 'pay_mode' | 'trade_time' | 'order_status'>,
): Promise<OrderRow> {
  const [row] = await rows(
    q,
    simSql
      .insertInto('lklsim_orders')
      .values({ ...o, order_status: '0' })
      .returningAll(),
  );
  return row;
}

export async function setOrderStatus(q: Queryable, o: OrderRow, status: string, now: Date): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('lklsim_orders')
      .set({ order_status: status, updated_at: now })
      .where('merchant_no', '=', o.merchant_no)
      .where('out_order_no', '=', o.out_order_no),
  );
}

/** The payer's outcome on an order: paid (2) or failed (3), with Lakala's trade numbers. */
export async function payOrder(
  q: Queryable,
  o: OrderRow,
  p: {
    status: string;
    tradeNo: string;
    logNo: string;
    accTradeNo: string | null;
    payMode: string;
    now: Date;
  },
): Promise<OrderRow> {
  const [row] = await rows(
    q,
    simSql
      .updateTable('lklsim_orders')
      .set({
        order_status: p.status,
        trade_no: p.tradeNo,
        log_no: p.logNo,
        acc_trade_no: p.accTradeNo,
        pay_mode: p.payMode,
        trade_time: p.now,
        updated_at: p.now,
      })
      .where('merchant_no', '=', o.merchant_no)
      .where('out_order_no', '=', o.out_order_no)
      .returningAll(),
  );
  return row;
}

/** The order a refund names by any of its three keys, locked. */
export async function orderForRefund(
  q: Queryable,
  merchantNo: string,
  keys: { tradeNo?: string; outOrderNo?: string; logNo?: string },
): Promise<OrderRow | undefined> {
  return firstRow(
    q,
    simSql
      .selectFrom('lklsim_orders')
      .selectAll()
      .where('merchant_no', '=', merchantNo)
      .where((eb) =>
        eb.or([
          ...(keys.tradeNo ? [eb('trade_no', '=', keys.tradeNo)] : []),
          ...(keys.outOrderNo ? [eb('out_order_no', '=', keys.outOrderNo)] : []),
          ...(keys.logNo ? [eb('log_no', '=', keys.logNo)] : []),
        ]),
      )
      .forUpdate(),
  );
}

/** Fen refunded (SUCCESS), or refunded and being refunded (with DEAL), against an order. */
export async function refundedSum(q: Queryable, o: OrderRow, states: string[]): Promise<number> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('lklsim_refunds')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('refund_amount'), eb.lit(0)).as('sum'))
      .where('merchant_no', '=', o.merchant_no)
      .where('origin_out_order_no', '=', o.out_order_no)
      .where('trade_state', 'in', states),
  );
  return Number(row?.sum ?? 0);
}

export async function successfulRefunds(q: Queryable, o: OrderRow): Promise<RefundRow[]> {
  return rows(
    q,
    simSql
      .selectFrom('lklsim_refunds')
      .selectAll()
      .where('merchant_no', '=', o.merchant_no)
      .where('origin_out_order_no', '=', o.out_order_no)
      .where('trade_state', '=', 'SUCCESS')
      .orderBy('created_at', 'desc'),
  );
}

export async function findRefund(q: Queryable, merchantNo: string, outTradeNo: string) {
  return firstRow(
    q,
    simSql
      .selectFrom('lklsim_refunds')
      .selectAll()
      .where('merchant_no', '=', merchantNo)
      .where('out_trade_no', '=', outTradeNo),
  );
}

export async function insertRefund(q: Queryable, r: RefundRow): Promise<RefundRow> {
  const [row] = await rows(q, simSql.insertInto('lklsim_refunds').values(r).returningAll());
  return row;
}

/** Refunds answered as processing whose time has come take their outcome. */
export async function settleDueRefunds(q: Queryable, now: Date): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('lklsim_refunds')
      .set((eb) => ({ trade_state: eb.ref('outcome'), trade_time: now }))
      .where('trade_state', '=', 'DEAL')
      .where('settle_at', '<=', now),
  );
}

export async function insertNotice(
  q: Queryable,
  n: {
    id: string;
    merchantNo: string;
    outOrderNo: string;
    notifyUrl: string;
    body: string;
    status: string;
    nextAt: Date | null;
    flags: string;
    now: Date;
  },
): Promise<void> {
  await rows(
    q,
    simSql.insertInto('lklsim_notices').values({
      id: n.id,
      merchant_no: n.merchantNo,
      out_order_no: n.outOrderNo,
      notify_url: n.notifyUrl,
      body: n.body,
      status: n.status,
      next_at: n.nextAt,
      flags: n.flags,
      created_at: n.now,
    }),
  );
}
