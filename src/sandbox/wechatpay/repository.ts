import { sql } from 'kysely';
import type { Queryable } from '../../db/db.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';
import type { WxsimOrders, WxsimRefunds } from '../_kit/schema.js';
import type { Selectable, Insertable } from 'kysely';

/**
 * Every SQL statement of the WeChat Pay simulator's tables (wxsim_orders, wxsim_refunds,
 * wxsim_callbacks), built with `simSql`. Callers pass `q`: the database or the transaction.
 */
export type OrderRow = Selectable<WxsimOrders>;
export type RefundRow = Selectable<WxsimRefunds>;
export type NewOrder = Insertable<WxsimOrders>;
export type NewRefund = Insertable<WxsimRefunds>;

/** The order keys a merchant may name it by. */
export type OrderKey = { outTradeNo: string } | { transactionId: string };

export function findOrder(q: Queryable, mchid: string, key: OrderKey, lock = false) {
  let query = simSql.selectFrom('wxsim_orders').selectAll().where('mchid', '=', mchid);
  query =
    'outTradeNo' in key
      ? query.where('out_trade_no', '=', key.outTradeNo)
      : query.where('transaction_id', '=', key.transactionId);
  return firstRow(q, lock ? query.forUpdate() : query);
}

/** v2 reverse names the order by either number in one field. */
export const findOrderByEitherNo = (q: Queryable, mchid: string, no: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('wxsim_orders')
      .selectAll()
      .where('mchid', '=', mchid)
      .where((w) => w.or([w('out_trade_no', '=', no), w('transaction_id', '=', no)]))
      .forUpdate(),
  );

/** The payer's view: an order by out_trade_no of any merchant, by its payer code or prepay_id. */
export const findOrderAnyMerchant = (
  q: Queryable,
  by: { outTradeNo: string } | { payCode: string } | { prepayId: string },
) => {
  const query = simSql.selectFrom('wxsim_orders').selectAll();
  return firstRow(
    q,
    'outTradeNo' in by
      ? query.where('out_trade_no', '=', by.outTradeNo)
      : 'payCode' in by
        ? query.where('pay_code', '=', by.payCode)
        : query.where('prepay_id', '=', by.prepayId),
  );
};

export const insertOrder = (q: Queryable, row: NewOrder) =>
  firstRow(q, simSql.insertInto('wxsim_orders').values(row).returningAll()) as Promise<OrderRow>;

export const updateOrder = (
  q: Queryable,
  mchid: string,
  outTradeNo: string,
  set: Partial<Omit<NewOrder, 'mchid' | 'out_trade_no'>>,
) =>
  firstRow(
    q,
    simSql
      .updateTable('wxsim_orders')
      .set(set)
      .where('mchid', '=', mchid)
      .where('out_trade_no', '=', outTradeNo)
      .returningAll(),
  ) as Promise<OrderRow>;

/** The sum of an order's refunds in the given states, in fen. */
export async function refundedSum(
  q: Queryable,
  mchid: string,
  outTradeNo: string,
  states: string[],
): Promise<number> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('wxsim_refunds')
      .select(sql<string | number>`COALESCE(SUM(refund), 0)`.as('sum'))
      .where('mchid', '=', mchid)
      .where('out_trade_no', '=', outTradeNo)
      .where('status', 'in', states),
  );
  return Number(row?.sum ?? 0);
}

export const findRefund = (q: Queryable, mchid: string, outRefundNo: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('wxsim_refunds')
      .selectAll()
      .where('mchid', '=', mchid)
      .where('out_refund_no', '=', outRefundNo),
  );

export const insertRefund = (q: Queryable, row: NewRefund) =>
  firstRow(q, simSql.insertInto('wxsim_refunds').values(row).returningAll()) as Promise<RefundRow>;

/** Refunds whose settling time has come, oldest first. */
export const dueRefundIds = async (q: Queryable, now: Date) =>
  (
    await rows(
      q,
      simSql
        .selectFrom('wxsim_refunds')
        .select('refund_id')
        .where('status', '=', 'PROCESSING')
        .where('settle_at', '<=', now)
        .orderBy('created_at'),
    )
  ).map((r) => r.refund_id);

export const lockProcessingRefund = (q: Queryable, refundId: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('wxsim_refunds')
      .selectAll()
      .where('refund_id', '=', refundId)
      .where('status', '=', 'PROCESSING')
      .forUpdate(),
  );

export const settleRefund = (q: Queryable, refundId: string, status: string, successTime: Date | null) =>
  firstRow(
    q,
    simSql
      .updateTable('wxsim_refunds')
      .set({ status, success_time: successTime })
      .where('refund_id', '=', refundId)
      .returningAll(),
  ) as Promise<RefundRow>;

export const insertCallback = (
  q: Queryable,
  row: {
    id: string;
    mchid: string;
    event_type: string;
    notify_url: string;
    body: string;
    status: string;
    next_at: Date | null;
    flags: string;
    created_at: Date;
  },
) => rows(q, simSql.insertInto('wxsim_callbacks').values(row));

/** The orders paid on [start, end) by success time, for the bills. */
export const ordersPaidBetween = (q: Queryable, mchid: string, start: Date, end: Date) =>
  rows(
    q,
    simSql
      .selectFrom('wxsim_orders')
      .selectAll()
      .where('mchid', '=', mchid)
      .where('trade_state', '=', 'SUCCESS')
      .where('success_time', '>=', start)
      .where('success_time', '<', end)
      .orderBy('success_time')
      .orderBy('out_trade_no'),
  );

/** The refunds settled SUCCESS on [start, end), with what the bills show of their order. */
export const refundsSettledBetween = (q: Queryable, mchid: string, start: Date, end: Date) =>
  rows(
    q,
    simSql
      .selectFrom('wxsim_refunds as r')
      .innerJoin('wxsim_orders as o', (j) =>
        j.onRef('o.mchid', '=', 'r.mchid').onRef('o.out_trade_no', '=', 'r.out_trade_no'),
      )
      .selectAll('r')
      .select([
        'o.appid',
        'o.payer_openid',
        'o.trade_type',
        'o.description',
        'o.attach',
        'o.total as order_total',
      ])
      .where('r.mchid', '=', mchid)
      .where('r.status', '=', 'SUCCESS')
      .where('r.success_time', '>=', start)
      .where('r.success_time', '<', end)
      .orderBy('r.success_time')
      .orderBy('r.refund_id'),
  );
