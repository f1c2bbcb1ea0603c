import { type Insertable, type Selectable, sql } from 'kysely';
import type { Queryable } from '../../db/db.js';
import type { PpsimOrders, PpsimRefunds } from '../_kit/schema.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/**
 * Every SQL statement of the PayPal simulator's tables (ppsim_tokens, ppsim_requests,
 * ppsim_orders, ppsim_refunds, ppsim_webhooks), built with `simSql`. Callers pass `q`:
 * the database or the transaction.
 */
export type OrderRow = Selectable<PpsimOrders>;
export type RefundRow = Selectable<PpsimRefunds>;

/** Capture states that hold an invoice_id against reuse. */
const INVOICE_HOLDING = ['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PENDING'];

export const insertToken = (
  q: Queryable,
  row: { access_token: string; client_id: string; expires_at: Date; created_at: Date },
) => rows(q, simSql.insertInto('ppsim_tokens').values(row));

export const findToken = (q: Queryable, accessToken: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('ppsim_tokens')
      .select(['client_id', 'expires_at'])
      .where('access_token', '=', accessToken),
  );

export const findReplay = (q: Queryable, clientId: string, requestId: string, path: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('ppsim_requests')
      .select(['status', 'body'])
      .where('client_id', '=', clientId)
      .where('request_id', '=', requestId)
      .where('path', '=', path),
  );

export const recordReplay = (
  q: Queryable,
  row: {
    client_id: string;
    request_id: string;
    path: string;
    status: number;
    body: string;
    created_at: Date;
  },
) =>
  rows(
    q,
    simSql
      .insertInto('ppsim_requests')
      .values(row)
      .onConflict((c) => c.doNothing()),
  );

export function findOrder(q: Queryable, id: string, lock = false) {
  const query = simSql.selectFrom('ppsim_orders').selectAll().where('id', '=', id);
  return firstRow(q, lock ? query.forUpdate() : query);
}

export function findCapture(q: Queryable, captureId: string, lock = false) {
  const query = simSql.selectFrom('ppsim_orders').selectAll().where('capture_id', '=', captureId);
  return firstRow(q, lock ? query.forUpdate() : query);
}

/** Whether another order of the app holds `invoiceId` with a capture (PayPal's duplicate invoice check). */
export async function invoiceTaken(q: Queryable, clientId: string, invoiceId: string, exceptOrder?: string) {
  let query = simSql
    .selectFrom('ppsim_orders')
    .select('id')
    .where('client_id', '=', clientId)
    .where('invoice_id', '=', invoiceId)
    .where('capture_status', 'in', INVOICE_HOLDING);
  if (exceptOrder) query = query.where('id', '<>', exceptOrder);
  return (await firstRow(q, query.limit(1))) !== undefined;
}

export const insertOrder = (q: Queryable, row: Insertable<PpsimOrders>) =>
  firstRow(q, simSql.insertInto('ppsim_orders').values(row).returningAll()) as Promise<OrderRow>;

export const updateOrder = (q: Queryable, id: string, set: Partial<Insertable<PpsimOrders>>) =>
  firstRow(
    q,
    simSql.updateTable('ppsim_orders').set(set).where('id', '=', id).returningAll(),
  ) as Promise<OrderRow>;

/** Captures a fault left PENDING whose time has come. */
export const duePendingCaptures = async (q: Queryable, now: Date) =>
  (
    await rows(
      q,
      simSql
        .selectFrom('ppsim_orders')
        .select('id')
        .where('capture_status', '=', 'PENDING')
        .where('capture_settle_at', '<=', now),
    )
  ).map((r) => r.id);

/** The sum of a capture's refunds in the given states, in minor units. */
export async function refundedSum(q: Queryable, captureId: string, states: string[]): Promise<number> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('ppsim_refunds')
      .select(sql<string | number>`COALESCE(SUM(amount), 0)`.as('sum'))
      .where('capture_id', '=', captureId)
      .where('status', 'in', states),
  );
  return Number(row?.sum ?? 0);
}

export const insertRefund = (q: Queryable, row: Insertable<PpsimRefunds>) =>
  firstRow(q, simSql.insertInto('ppsim_refunds').values(row).returningAll()) as Promise<RefundRow>;

export const findRefund = (q: Queryable, id: string) =>
  firstRow(q, simSql.selectFrom('ppsim_refunds').selectAll().where('id', '=', id));

/** Refunds a fault left PENDING whose time has come, oldest first. */
export const duePendingRefunds = async (q: Queryable, now: Date) =>
  (
    await rows(
      q,
      simSql
        .selectFrom('ppsim_refunds')
        .select('id')
        .where('status', '=', 'PENDING')
        .where('settle_at', '<=', now)
        .orderBy('created_at'),
    )
  ).map((r) => r.id);

export const lockPendingRefund = (q: Queryable, id: string) =>
  firstRow(
    q,
    simSql
      .selectFrom('ppsim_refunds')
      .selectAll()
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .forUpdate(),
  );

/** A pending refund takes the outcome it was created with. */
export const settleRefund = (q: Queryable, id: string, now: Date) =>
  firstRow(
    q,
    simSql
      .updateTable('ppsim_refunds')
      .set((eb) => ({ status: eb.ref('outcome'), updated_at: now }))
      .where('id', '=', id)
      .returningAll(),
  ) as Promise<RefundRow>;

export const insertWebhook = (
  q: Queryable,
  row: {
    id: string;
    event_type: string;
    url: string;
    body: string;
    status: string;
    next_at: Date | null;
    flags: string;
    created_at: Date;
  },
) => rows(q, simSql.insertInto('ppsim_webhooks').values(row));

export const webhookBody = async (q: Queryable, id: string) =>
  (await firstRow(q, simSql.selectFrom('ppsim_webhooks').select('body').where('id', '=', id)))?.body;

/** The captures of [start, end) by capture time (the reporting API's sales). */
export const capturesBetween = (q: Queryable, clientId: string, start: Date, end: Date) =>
  rows(
    q,
    simSql
      .selectFrom('ppsim_orders')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('capture_id', 'is not', null)
      .where('captured_at', '>=', start)
      .where('captured_at', '<', end)
      .orderBy('captured_at')
      .orderBy('id'),
  );

/** The refunds of [start, end) by creation time, with their order's ids (the reporting API's refunds). */
export const refundsBetween = (q: Queryable, clientId: string, start: Date, end: Date) =>
  rows(
    q,
    simSql
      .selectFrom('ppsim_refunds as r')
      .innerJoin('ppsim_orders as o', 'o.id', 'r.order_id')
      .selectAll('r')
      .select([
        'o.invoice_id as order_invoice_id',
        'o.custom_id as order_custom_id',
        'o.payer_id',
        'o.payer_email',
      ])
      .where('o.client_id', '=', clientId)
      .where('r.created_at', '>=', start)
      .where('r.created_at', '<', end)
      .orderBy('r.created_at')
      .orderBy('r.id'),
  );
