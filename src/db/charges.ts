import type { Charge, Refund } from '../domain/charge.js';
import type { Queryable } from './db.js';
import { beforeRow } from './keyset.js';
import { rows, sql } from './sql.js';

/** Row mappers and the queries every use case shares. Columns are snake_case, objects camelCase. */
export function toCharge(r: Record<string, any>): Charge {
  return {
    id: r.id,
    appId: r.app_id,
    storeId: r.store_id,
    livemode: r.livemode,
    dialect: r.dialect,
    orderNo: r.order_no,
    attempt: r.attempt,
    orderSn: r.order_sn,
    channel: r.channel,
    method: r.method,
    amount: r.amount,
    amountOriginal: r.amount_original,
    amountDiscount: r.amount_discount,
    amountIgnore: r.amount_ignore,
    amountRefunded: r.amount_refunded,
    currency: r.currency,
    subject: r.subject,
    body: r.body,
    description: r.description,
    clientIp: r.client_ip,
    extra: r.extra ?? {},
    metadata: r.metadata ?? {},
    credential: r.credential,
    status: r.status,
    transactionNo: r.transaction_no,
    failureCode: r.failure_code,
    failureMsg: r.failure_msg,
    returnUrl: r.return_url,
    notifyUrl: r.notify_url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    paidAt: r.paid_at,
    closedAt: r.closed_at,
  };
}

export function toRefund(r: Record<string, any>): Refund {
  return {
    id: r.id,
    chargeId: r.charge_id,
    appId: r.app_id,
    livemode: r.livemode,
    refundNo: r.refund_no,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    description: r.description,
    metadata: r.metadata ?? {},
    extra: r.extra ?? {},
    transactionNo: r.transaction_no,
    failureCode: r.failure_code,
    failureMsg: r.failure_msg,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    succeededAt: r.succeeded_at,
  };
}

export async function findCharge(q: Queryable, id: string, lock = false): Promise<Charge | undefined> {
  const [row] = await q.query(`SELECT * FROM charges WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? toCharge(row) : undefined;
}

export async function findRefund(q: Queryable, id: string, lock = false): Promise<Refund | undefined> {
  const [row] = await q.query(`SELECT * FROM refunds WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? toRefund(row) : undefined;
}

/**
 * A charge and its refunds in one round trip (the retrieve endpoint's hot path): one row
 * per refund (or one with a null refund), refunds as JSON so their times are re-read.
 */
export async function findChargeWithRefunds(
  q: Queryable,
  id: string,
): Promise<[Charge, Refund[]] | undefined> {
  const rows = await q.query(
    `SELECT c.*, row_to_json(r) AS refund_json FROM charges c LEFT JOIN refunds r ON r.charge_id = c.id
     WHERE c.id = $1 ORDER BY r.created_at, r.id`,
    [id],
  );
  if (rows.length === 0) return undefined;
  const refunds = rows
    .map((row) => row.refund_json as Record<string, any> | null)
    .filter((r): r is Record<string, any> => r !== null)
    .map((r) =>
      toRefund({
        ...r,
        created_at: new Date(r.created_at),
        updated_at: new Date(r.updated_at),
        succeeded_at: r.succeeded_at ? new Date(r.succeeded_at) : null,
      }),
    );
  return [toCharge(rows[0]!), refunds];
}

export async function listRefundsOfCharge(q: Queryable, chargeId: string): Promise<Refund[]> {
  const rows = await q.query('SELECT * FROM refunds WHERE charge_id = $1 ORDER BY created_at, id', [
    chargeId,
  ]);
  return rows.map(toRefund);
}

/**
 * Inserts a charge; with `recordedBy` (event CTEs from core/events/append-event.ts, numbered
 * from $36) the event and outbox row go in the same statement. When `recordedBy.returning`
 * names one of its CTEs (an INSERT ... RETURNING), its rows are returned.
 */
export async function insertCharge(
  q: Queryable,
  c: Charge,
  orderScope: string,
  recordedBy?: { ctes: string; params: unknown[]; returning?: string },
): Promise<Record<string, unknown>[]> {
  const insert = `INSERT INTO charges (id, app_id, store_id, livemode, dialect, order_no, order_scope, attempt, order_sn,
       channel, method, amount, amount_original, amount_discount, amount_ignore, amount_refunded, currency,
       subject, body, description, client_ip, extra, metadata, credential, status, transaction_no,
       failure_code, failure_msg, return_url, notify_url, created_at, updated_at, expires_at, paid_at, closed_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
       $27,$28,$29,$30,$31,$32,$33,$34,$35)`;
  const values = [
    c.id,
    c.appId,
    c.storeId,
    c.livemode,
    c.dialect,
    c.orderNo,
    orderScope,
    c.attempt,
    c.orderSn,
    c.channel,
    c.method,
    c.amount,
    c.amountOriginal,
    c.amountDiscount,
    c.amountIgnore,
    c.amountRefunded,
    c.currency,
    c.subject,
    c.body,
    c.description,
    c.clientIp,
    JSON.stringify(c.extra),
    JSON.stringify(c.metadata),
    c.credential === null ? null : JSON.stringify(c.credential),
    c.status,
    c.transactionNo,
    c.failureCode,
    c.failureMsg,
    c.returnUrl,
    c.notifyUrl,
    c.createdAt,
    c.updatedAt,
    c.expiresAt,
    c.paidAt,
    c.closedAt,
  ];
  if (!recordedBy) {
    await q.query(insert, values);
    return [];
  }
  const select = recordedBy.returning ? `SELECT * FROM ${recordedBy.returning}` : 'SELECT 1';
  return q.query(`WITH charge_row AS (${insert} RETURNING id), ${recordedBy.ctes} ${select}`, [
    ...values,
    ...recordedBy.params,
  ]);
}

export interface RefundFilter {
  appId?: string;
  chargeId?: string;
  status?: string;
  startingAfter?: string;
}

/** Newest first by (created_at, id); `limit + 1` rows so the caller knows whether there is more. */
export async function listRefunds(q: Queryable, f: RefundFilter, limit: number): Promise<Refund[]> {
  let query = sql.selectFrom('refunds').selectAll();
  if (f.appId !== undefined) query = query.where('app_id', '=', f.appId);
  if (f.chargeId !== undefined) query = query.where('charge_id', '=', f.chargeId);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  if (f.startingAfter !== undefined) query = query.where(beforeRow('refunds', f.startingAfter));
  return (
    await rows(
      q,
      query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1),
    )
  ).map(toRefund);
}
