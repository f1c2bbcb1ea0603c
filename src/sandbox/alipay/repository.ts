import { sql } from 'kysely';
import type { Queryable } from '../../db/db.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/**
 * Every SQL statement of the Alipay simulator's tables (alipay_sandbox_*), built with
 * `simSql` and run through the storage seam, inside a transaction when given one.
 */

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface Trade {
  tradeNo: string;
  appId: string;
  outTradeNo: string;
  apiMethod: string;
  productCode: string | null;
  totalAmount: number;
  subject: string;
  fingerprint: string;
  status: TradeStatus;
  buyerId: string | null;
  buyerLogonId: string | null;
  authCode: string | null;
  notifyUrl: string | null;
  returnUrl: string | null;
  expiresAt: Date;
  visible: boolean;
  refunded: number;
  createdAt: Date;
  paidAt: Date | null;
  closedAt: Date | null;
}

type TradeRow = NonNullable<Awaited<ReturnType<typeof tradeRow>>>;
const tradeRow = (q: Queryable, tradeNo: string) =>
  firstRow(q, simSql.selectFrom('alipay_sandbox_trades').selectAll().where('trade_no', '=', tradeNo));

const date = (v: Date | string) => new Date(v);

function toTrade(r: TradeRow): Trade {
  return {
    tradeNo: r.trade_no,
    appId: r.app_id,
    outTradeNo: r.out_trade_no,
    apiMethod: r.api_method,
    productCode: r.product_code,
    totalAmount: Number(r.total_amount),
    subject: r.subject,
    fingerprint: r.fingerprint,
    status: r.status as TradeStatus,
    buyerId: r.buyer_id,
    buyerLogonId: r.buyer_logon_id,
    authCode: r.auth_code,
    notifyUrl: r.notify_url,
    returnUrl: r.return_url,
    expiresAt: date(r.expires_at),
    visible: r.visible,
    refunded: Number(r.refunded),
    createdAt: date(r.created_at),
    paidAt: r.paid_at ? date(r.paid_at) : null,
    closedAt: r.closed_at ? date(r.closed_at) : null,
  };
}

// ------------------------------------------------------------------ apps

export interface AppRow {
  app_id: string;
  is_default: boolean;
  app_public_key: string;
  app_private_key_enc: string | null;
  alipay_private_key_enc: string;
  alipay_public_key: string;
}

export const appRow = (q: Queryable, appId: string): Promise<AppRow | undefined> =>
  firstRow(q, simSql.selectFrom('alipay_sandbox_apps').selectAll().where('app_id', '=', appId));

export const defaultAppRow = (q: Queryable): Promise<AppRow | undefined> =>
  firstRow(q, simSql.selectFrom('alipay_sandbox_apps').selectAll().where('is_default', '=', true));

/** Inserts an app; false when one with its id (or a second default) exists. */
export async function insertApp(q: Queryable, row: AppRow & { created_at: Date }): Promise<boolean> {
  const inserted = await rows(
    q,
    simSql
      .insertInto('alipay_sandbox_apps')
      .values(row)
      .onConflict((c) => c.doNothing())
      .returning('app_id'),
  );
  return inserted.length > 0;
}

// ------------------------------------------------------------------ trades

export async function tradeByNo(q: Queryable, tradeNo: string): Promise<Trade | undefined> {
  const row = await tradeRow(q, tradeNo);
  return row ? toTrade(row) : undefined;
}

export async function tradeByNoForUpdate(q: Queryable, tradeNo: string): Promise<Trade> {
  const row = await firstRow(
    q,
    simSql.selectFrom('alipay_sandbox_trades').selectAll().where('trade_no', '=', tradeNo).forUpdate(),
  );
  return toTrade(row!);
}

export async function tradeByOutTradeNo(
  q: Queryable,
  appId: string,
  outTradeNo: string,
): Promise<Trade | undefined> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('alipay_sandbox_trades')
      .selectAll()
      .where('app_id', '=', appId)
      .where('out_trade_no', '=', outTradeNo),
  );
  return row ? toTrade(row) : undefined;
}

/** The latest trade_no opened for a merchant order number (or a trade_no itself), any app. */
export async function latestTradeNo(
  q: Queryable,
  ref: string,
  alsoTradeNo = false,
): Promise<string | undefined> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('alipay_sandbox_trades')
      .select('trade_no')
      .where((eb) =>
        alsoTradeNo
          ? eb.or([eb('trade_no', '=', ref), eb('out_trade_no', '=', ref)])
          : eb('out_trade_no', '=', ref),
      )
      .orderBy('created_at', 'desc')
      .limit(1),
  );
  return row?.trade_no;
}

export interface NewTrade {
  trade_no: string;
  app_id: string;
  out_trade_no: string;
  api_method: string;
  product_code: string | null;
  total_amount: number;
  subject: string;
  fingerprint: string;
  buyer_id: string | null;
  buyer_logon_id: string | null;
  auth_code: string | null;
  notify_url: string | null;
  return_url: string | null;
  expires_at: Date;
  visible: boolean;
  created_at: Date;
}

/** Creates a WAIT_BUYER_PAY trade; undefined when the app already has that out_trade_no. */
export async function insertTrade(q: Queryable, t: NewTrade): Promise<Trade | undefined> {
  const row = await firstRow(
    q,
    simSql
      .insertInto('alipay_sandbox_trades')
      .values({ ...t, status: 'WAIT_BUYER_PAY' })
      .onConflict((c) => c.columns(['app_id', 'out_trade_no']).doNothing())
      .returningAll(),
  );
  return row ? toTrade(row) : undefined;
}

export async function markVisible(q: Queryable, tradeNo: string): Promise<void> {
  await rows(
    q,
    simSql.updateTable('alipay_sandbox_trades').set({ visible: true }).where('trade_no', '=', tradeNo),
  );
}

/** WAIT_BUYER_PAY -> TRADE_SUCCESS unless expired; undefined when it was not payable. */
export async function markPaid(
  q: Queryable,
  tradeNo: string,
  now: Date,
  buyer: { id: string; logonId: string },
): Promise<Trade | undefined> {
  const row = await firstRow(
    q,
    simSql
      .updateTable('alipay_sandbox_trades')
      .set({
        status: 'TRADE_SUCCESS',
        paid_at: now,
        visible: true,
        buyer_id: sql<string>`COALESCE(buyer_id, ${buyer.id})`,
        buyer_logon_id: sql<string>`COALESCE(buyer_logon_id, ${buyer.logonId})`,
      })
      .where('trade_no', '=', tradeNo)
      .where('status', '=', 'WAIT_BUYER_PAY')
      .where('expires_at', '>', now)
      .returningAll(),
  );
  return row ? toTrade(row) : undefined;
}

/** WAIT_BUYER_PAY -> TRADE_CLOSED; undefined when it was no longer open. */
export async function markClosed(q: Queryable, tradeNo: string, now: Date): Promise<Trade | undefined> {
  const row = await firstRow(
    q,
    simSql
      .updateTable('alipay_sandbox_trades')
      .set({ status: 'TRADE_CLOSED', closed_at: now })
      .where('trade_no', '=', tradeNo)
      .where('status', '=', 'WAIT_BUYER_PAY')
      .returningAll(),
  );
  return row ? toTrade(row) : undefined;
}

/** A paid trade reversed (alipay.trade.cancel): closed, refunded in full. */
export async function markReversed(q: Queryable, tradeNo: string, now: Date): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('alipay_sandbox_trades')
      .set({ status: 'TRADE_CLOSED', refunded: sql<number>`total_amount`, closed_at: now })
      .where('trade_no', '=', tradeNo)
      .where('status', '=', 'TRADE_SUCCESS'),
  );
}

export async function setRefunded(
  q: Queryable,
  tradeNo: string,
  to: { refunded: number; status: TradeStatus; closedAt: Date | null },
): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('alipay_sandbox_trades')
      .set({ refunded: to.refunded, status: to.status, closed_at: to.closedAt })
      .where('trade_no', '=', tradeNo),
  );
}

export async function expiredTradeNos(q: Queryable, now: Date): Promise<string[]> {
  const found = await rows(
    q,
    simSql
      .selectFrom('alipay_sandbox_trades')
      .select('trade_no')
      .where('status', '=', 'WAIT_BUYER_PAY')
      .where('expires_at', '<=', now)
      .limit(100),
  );
  return found.map((r) => r.trade_no);
}

/** Trades of an app paid in [start, end), in payment order (a day's statement). */
export async function tradesPaidBetween(
  q: Queryable,
  appId: string,
  start: Date,
  end: Date,
): Promise<Trade[]> {
  const found = await rows(
    q,
    simSql
      .selectFrom('alipay_sandbox_trades')
      .selectAll()
      .where('app_id', '=', appId)
      .where('paid_at', '>=', start)
      .where('paid_at', '<', end)
      .orderBy('paid_at')
      .orderBy('trade_no'),
  );
  return found.map(toTrade);
}

// ------------------------------------------------------------------ refunds

export interface RefundRecord {
  tradeNo: string;
  outRequestNo: string;
  amount: number;
  reason: string | null;
  createdAt: Date;
}

export async function refundOf(
  q: Queryable,
  tradeNo: string,
  outRequestNo: string,
): Promise<RefundRecord | undefined> {
  const r = await firstRow(
    q,
    simSql
      .selectFrom('alipay_sandbox_refunds')
      .selectAll()
      .where('trade_no', '=', tradeNo)
      .where('out_request_no', '=', outRequestNo),
  );
  return r
    ? {
        tradeNo: r.trade_no,
        outRequestNo: r.out_request_no,
        amount: Number(r.refund_amount),
        reason: r.refund_reason,
        createdAt: date(r.created_at),
      }
    : undefined;
}

export async function insertRefund(q: Queryable, r: RefundRecord): Promise<void> {
  await rows(
    q,
    simSql.insertInto('alipay_sandbox_refunds').values({
      trade_no: r.tradeNo,
      out_request_no: r.outRequestNo,
      refund_amount: r.amount,
      refund_reason: r.reason,
      created_at: r.createdAt,
    }),
  );
}

/** Refunds of an app's trades made in [start, end), with their trade (a day's statement). */
export async function refundsBetween(
  q: Queryable,
  appId: string,
  start: Date,
  end: Date,
): Promise<{ refund: RefundRecord; trade: Trade }[]> {
  const found = await rows(
    q,
    simSql
      .selectFrom('alipay_sandbox_refunds as r')
      .innerJoin('alipay_sandbox_trades as t', 't.trade_no', 'r.trade_no')
      .selectAll('t')
      .select(['r.out_request_no', 'r.refund_amount', 'r.refund_reason', 'r.created_at as refunded_at'])
      .where('t.app_id', '=', appId)
      .where('r.created_at', '>=', start)
      .where('r.created_at', '<', end)
      .orderBy('r.created_at')
      .orderBy('r.out_request_no'),
  );
  return found.map((r) => ({
    trade: toTrade(r),
    refund: {
      tradeNo: r.trade_no,
      outRequestNo: r.out_request_no,
      amount: Number(r.refund_amount),
      reason: r.refund_reason,
      createdAt: date(r.refunded_at),
    },
  }));
}
