import { type SelectQueryBuilder, type Selectable, sql as raw } from 'kysely';
import type { Method, Provider } from '../domain/channels.js';
import type { Charge, Dialect, Refund } from '../domain/charge.js';
import type { Currency } from '../domain/money.js';
import type { ChargeStatus, RefundStatus } from '../domain/status.js';
import type { Queryable } from './db.js';
import { beforeRow } from './keyset.js';
import { prepared } from './prepared.js';
import type { Charges, DB, Refunds } from './schema.js';
import { firstRow, rows, sql } from './sql.js';

/** Row mappers and the queries every use case shares. Columns are snake_case, objects camelCase. */
export type ChargeRow = Selectable<Charges>;
export type RefundRow = Selectable<Refunds>;

type JsonObject = Record<string, unknown>;

export function toCharge(r: ChargeRow): Charge;
/** @deprecated An untyped row: build its query with src/db/sql.ts so it is a ChargeRow. */
export function toCharge(r: Record<string, any>): Charge;
export function toCharge(row: ChargeRow | Record<string, any>): Charge {
  const r = row as ChargeRow;
  return {
    id: r.id,
    appId: r.app_id,
    storeId: r.store_id,
    livemode: r.livemode,
    dialect: r.dialect as Dialect,
    orderNo: r.order_no,
    attempt: r.attempt,
    orderSn: r.order_sn,
    channel: r.channel as Provider,
    method: r.method as Method,
    amount: r.amount,
    amountOriginal: r.amount_original,
    amountDiscount: r.amount_discount,
    amountIgnore: r.amount_ignore,
    amountRefunded: r.amount_refunded,
    currency: r.currency as Currency,
    subject: r.subject,
    body: r.body,
    description: r.description,
    clientIp: r.client_ip,
    extra: (r.extra ?? {}) as JsonObject,
    metadata: (r.metadata ?? {}) as JsonObject,
    credential: r.credential as JsonObject | null,
    status: r.status as ChargeStatus,
    transactionNo: r.transaction_no,
    payerAccount: r.payer_account ?? null,
    failureCode: r.failure_code,
    failureMsg: r.failure_msg,
    returnUrl: r.return_url,
    notifyUrl: r.notify_url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    paidAt: r.paid_at,
    closedAt: r.closed_at,
    // Only once a statement settled it (reconciliation): an unsettled charge keeps its shape.
    ...(r.amount_settle == null
      ? {}
      : {
          fee: Number(r.fee),
          amountSettle: Number(r.amount_settle),
          timeSettle: r.time_settle,
          statementId: r.statement_id,
        }),
  };
}

export function toRefund(r: RefundRow): Refund;
/** @deprecated An untyped row: build its query with src/db/sql.ts so it is a RefundRow. */
export function toRefund(r: Record<string, any>): Refund;
export function toRefund(row: RefundRow | Record<string, any>): Refund {
  const r = row as RefundRow;
  return {
    id: r.id,
    chargeId: r.charge_id,
    appId: r.app_id,
    livemode: r.livemode,
    refundNo: r.refund_no,
    amount: r.amount,
    currency: r.currency as Currency,
    status: r.status as RefundStatus,
    description: r.description,
    metadata: (r.metadata ?? {}) as JsonObject,
    extra: (r.extra ?? {}) as JsonObject,
    transactionNo: r.transaction_no,
    failureCode: r.failure_code,
    failureMsg: r.failure_msg,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    succeededAt: r.succeeded_at,
  };
}

// Every use case reads charges and refunds by id: these are compiled once (prepared.ts).
const byId = prepared<{ id: string }>();
const chargeById = byId((p) => sql.selectFrom('charges').selectAll().where('id', '=', p.id));
const chargeByIdLocked = byId((p) =>
  sql.selectFrom('charges').selectAll().where('id', '=', p.id).forUpdate(),
);
const refundById = byId((p) => sql.selectFrom('refunds').selectAll().where('id', '=', p.id));
const refundByIdLocked = byId((p) =>
  sql.selectFrom('refunds').selectAll().where('id', '=', p.id).forUpdate(),
);

export async function findCharge(q: Queryable, id: string, lock = false): Promise<Charge | undefined> {
  const [row] = await (lock ? chargeByIdLocked : chargeById).run(q, { id });
  return row ? toCharge(row) : undefined;
}

export async function findRefund(q: Queryable, id: string, lock = false): Promise<Refund | undefined> {
  const [row] = await (lock ? refundByIdLocked : refundById).run(q, { id });
  return row ? toRefund(row) : undefined;
}

/** A refund row through row_to_json: its times are strings. */
type RefundJson = Omit<RefundRow, 'created_at' | 'updated_at' | 'succeeded_at'> & {
  created_at: string;
  updated_at: string;
  succeeded_at: string | null;
};

const chargeWithRefundsById = byId((p) =>
  sql
    .selectFrom('charges as c')
    .leftJoin('refunds as r', 'r.charge_id', 'c.id')
    .selectAll('c')
    .select(raw<RefundJson | null>`row_to_json(r)`.as('refund_json'))
    .where('c.id', '=', p.id)
    .orderBy('r.created_at')
    .orderBy('r.id'),
);

/**
 * A charge and its refunds in one round trip (the retrieve endpoint's hot path): one row
 * per refund (or one with a null refund), refunds as JSON so their times are re-read.
 */
export async function findChargeWithRefunds(
  q: Queryable,
  id: string,
): Promise<[Charge, Refund[]] | undefined> {
  const found = await chargeWithRefundsById.run(q, { id });
  if (found.length === 0) return undefined;
  const refunds = found
    .map((row) => row.refund_json)
    .filter((r): r is RefundJson => r !== null)
    .map((r) =>
      toRefund({
        ...r,
        created_at: new Date(r.created_at),
        updated_at: new Date(r.updated_at),
        succeeded_at: r.succeeded_at ? new Date(r.succeeded_at) : null,
      }),
    );
  return [toCharge(found[0]!), refunds];
}

export async function listRefundsOfCharge(q: Queryable, chargeId: string): Promise<Refund[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('refunds')
      .selectAll()
      .where('charge_id', '=', chargeId)
      .orderBy('created_at')
      .orderBy('id'),
  );
  return found.map(toRefund);
}

/** Ends an unpaid charge (canceled or closed) at `now`. */
export async function endCharge(q: Queryable, id: string, status: 'canceled' | 'closed', now: Date) {
  await rows(
    q,
    sql.updateTable('charges').set({ status, closed_at: now, updated_at: now }).where('id', '=', id),
  );
}

/** Replaces the charge's `extra` (the payer details a deferred start learned). */
export async function setChargeExtra(q: Queryable, id: string, extra: JsonObject, now: Date) {
  await rows(
    q,
    sql
      .updateTable('charges')
      .set({ extra: JSON.stringify(extra), updated_at: now })
      .where('id', '=', id),
  );
}

/** Merges keys into the charge's credential (what the payer's client needs). */
export async function mergeChargeCredential(q: Queryable, id: string, credential: JsonObject, now: Date) {
  await rows(
    q,
    sql
      .updateTable('charges')
      .set({
        credential: raw`coalesce(credential, '{}'::jsonb) || ${JSON.stringify(credential)}::jsonb`,
        updated_at: now,
      })
      .where('id', '=', id),
  );
}

/**
 * Unpaid charges past their expiry, oldest first. The statuses are literals so the partial
 * index on unpaid charges (charges_unpaid_expiry) serves the prepared statement.
 */
export function listExpiredUnpaid(q: Queryable, now: Date, batch: number) {
  return rows(
    q,
    sql
      .selectFrom('charges')
      .select('id')
      .where(raw<boolean>`status IN ('pending', 'user_paying')`)
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(batch),
  );
}

/** Scope of a charge lookup by reference: one mode, one app. */
export interface ReferenceScope {
  livemode?: boolean;
  appId?: string;
}

function scoped<O>(
  query: SelectQueryBuilder<DB, 'charges', O>,
  scope: ReferenceScope,
): SelectQueryBuilder<DB, 'charges', O> {
  let out = query;
  if (scope.livemode !== undefined) out = out.where('livemode', '=', scope.livemode);
  if (scope.appId) out = out.where('app_id', '=', scope.appId);
  return out;
}

/** The charge our id or its system order number (order_sn) names. */
export async function findChargeByIdOrSn(q: Queryable, reference: string, scope: ReferenceScope) {
  const query = scoped(
    sql
      .selectFrom('charges')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', reference), eb('order_sn', '=', reference)])),
    scope,
  );
  const row = await firstRow(q, query);
  return row ? toCharge(row) : undefined;
}

/** The newest attempt of every order (app, scope) with this merchant order number. */
export async function newestAttemptsByOrderNo(q: Queryable, orderNo: string, scope: ReferenceScope) {
  const query = scoped(
    sql
      .selectFrom('charges')
      .selectAll()
      .distinctOn(['app_id', 'order_scope'])
      .where('order_no', '=', orderNo),
    scope,
  );
  const found = await rows(q, query.orderBy('app_id').orderBy('order_scope').orderBy('attempt', 'desc'));
  return found.map(toCharge);
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

/** Equality and range filters of a charge listing (core/payments/list-charges.ts). */
export interface ChargeFilter {
  appId?: string;
  storeId?: string;
  statuses?: string[];
  channels?: string[];
  method?: string;
  orderNo?: string;
  livemode?: boolean;
  dialect?: string;
  /** true: some amount refunded; false: nothing refunded. */
  refunded?: boolean;
  /** The console's finer split: nothing, part, or all of the amount refunded. */
  refundState?: 'none' | 'partial' | 'full';
  /** Amount range in minor units, inclusive. */
  amountGte?: number;
  amountLte?: number;
  /** Any order number: the merchant's (order_no), ours (id or order_sn) or the upstream's (transaction_no). */
  anyOrderNo?: string;
  createdGte?: Date;
  createdLte?: Date;
}

export interface ChargeOrder {
  direction: 'asc' | 'desc';
  /** Amount first, then (created_at, id). */
  byAmount: boolean;
  /** Rows after (asc) or before (desc) this (created_at, id) pair. */
  after?: { createdAt: Date; id: string };
  limit: number;
  offset?: number;
}

/**
 * A page of charges. Sets of statuses and channels are one array parameter each
 * (`= ANY($n)`), so a listing's text depends only on which filters are given.
 */
export async function listChargeRows(q: Queryable, f: ChargeFilter, o: ChargeOrder): Promise<Charge[]> {
  let query = sql.selectFrom('charges').selectAll();
  if (f.appId) query = query.where('app_id', '=', f.appId);
  if (f.storeId) query = query.where('store_id', '=', f.storeId);
  if (f.statuses) query = query.where('status', '=', anyOf(f.statuses));
  if (f.channels) query = query.where('channel', '=', anyOf(f.channels));
  if (f.method) query = query.where('method', '=', f.method);
  if (f.orderNo) query = query.where('order_no', '=', f.orderNo);
  if (f.livemode !== undefined) query = query.where('livemode', '=', f.livemode);
  if (f.dialect) query = query.where('dialect', '=', f.dialect);
  if (f.refunded !== undefined) {
    query = query.where(f.refunded ? raw<boolean>`amount_refunded > 0` : raw<boolean>`amount_refunded = 0`);
  }
  if (f.refundState === 'none') query = query.where(raw<boolean>`amount_refunded = 0`);
  if (f.refundState === 'partial')
    query = query.where(raw<boolean>`amount_refunded > 0 AND amount_refunded < amount`);
  if (f.refundState === 'full')
    query = query.where(raw<boolean>`amount_refunded > 0 AND amount_refunded = amount`);
  if (f.amountGte !== undefined) query = query.where('amount', '>=', f.amountGte);
  if (f.amountLte !== undefined) query = query.where('amount', '<=', f.amountLte);
  if (f.anyOrderNo !== undefined) {
    // Four equalities, each served by its own index (migration 0450), OR-ed as a bitmap scan.
    const n = f.anyOrderNo;
    query = query.where((eb) =>
      eb.or([eb('order_no', '=', n), eb('id', '=', n), eb('order_sn', '=', n), eb('transaction_no', '=', n)]),
    );
  }
  if (f.createdGte) query = query.where('created_at', '>=', f.createdGte);
  if (f.createdLte) query = query.where('created_at', '<=', f.createdLte);
  const after = o.after;
  if (after) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('created_at', 'id'),
        o.direction === 'desc' ? '<' : '>',
        eb.tuple(after.createdAt, after.id),
      ),
    );
  }
  if (o.byAmount) query = query.orderBy('amount', o.direction);
  query = query.orderBy('created_at', o.direction).orderBy('id', o.direction).limit(o.limit);
  if (o.offset) query = query.offset(o.offset);
  return (await rows(q, query)).map(toCharge);
}

/** `= ANY($n)` with the whole list as one array parameter. */
const anyOf = (values: string[]) => raw<string>`ANY(${values})`;
