import type { Selectable } from 'kysely';
import type { Queryable } from '../../db/db.js';
import type { UpsimTxns } from '../_kit/schema.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/** Every statement on the UnionPay simulator's tables (upsim_txns, upsim_notices). */
export type TxnRow = Selectable<UpsimTxns>;

export async function findTxn(q: Queryable, merId: string, orderId: string, lock = false) {
  const query = simSql
    .selectFrom('upsim_txns')
    .selectAll()
    .where('mer_id', '=', merId)
    .where('order_id', '=', orderId);
  return firstRow(q, lock ? query.forUpdate() : query);
}

/** The consume a refund's origQryId names, locked. */
export async function consumeByQueryId(q: Queryable, merId: string, queryId: string) {
  return firstRow(
    q,
    simSql
      .selectFrom('upsim_txns')
      .selectAll()
      .where('mer_id', '=', merId)
      .where('query_id', '=', queryId)
      .where('txn_type', '=', '01')
      .forUpdate(),
  );
}

/** Fen refunded or being refunded against a consume. */
export async function refundedSum(q: Queryable, origQryId: string): Promise<number> {
  const row = await firstRow(
    q,
    simSql
      .selectFrom('upsim_txns')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('txn_amt'), eb.lit(0)).as('sum'))
      .where('orig_qry_id', '=', origQryId)
      .where('resp_code', 'in', ['00', '05']),
  );
  return Number(row?.sum ?? 0);
}

export interface NewTxn {
  merId: string;
  orderId: string;
  txnTime: string;
  txnType: '01' | '04';
  channelType: string;
  txnAmt: number;
  backUrl: string;
  frontUrl?: string | null;
  payTimeout?: Date | null;
  tn?: string | null;
  payCode?: string | null;
  fingerprint: string;
  /** A refund is accepted (05) at once; a consume waits for the payer (null). */
  respCode?: string | null;
  respMsg?: string | null;
  queryId?: string | null;
  origQryId?: string | null;
  outcome?: string | null;
  settleAt?: Date | null;
  now: Date;
}

export async function insertTxn(q: Queryable, t: NewTxn): Promise<TxnRow> {
  const [row] = await rows(
    q,
    simSql
      .insertInto('upsim_txns')
      .values({
        mer_id: t.merId,
        order_id: t.orderId,
        txn_time: t.txnTime,
        txn_type: t.txnType,
        channel_type: t.channelType,
        txn_amt: t.txnAmt,
        back_url: t.backUrl,
        front_url: t.frontUrl ?? null,
        pay_timeout: t.payTimeout ?? null,
        tn: t.tn ?? null,
        pay_code: t.payCode ?? null,
        fingerprint: t.fingerprint,
        resp_code: t.respCode ?? null,
        resp_msg: t.respMsg ?? null,
        query_id: t.queryId ?? null,
        orig_qry_id: t.origQryId ?? null,
        outcome: t.outcome ?? null,
        settle_at: t.settleAt ?? null,
        created_at: t.now,
        updated_at: t.now,
      })
      .returningAll(),
  );
  return row;
}

/** Gives a transaction its outcome (paid, declined, refund settled); the queryId when first known. */
export async function completeTxn(
  q: Queryable,
  t: { merId: string; orderId: string; respCode: string; respMsg: string; queryId?: string; now: Date },
): Promise<TxnRow> {
  const [row] = await rows(
    q,
    simSql
      .updateTable('upsim_txns')
      .set({
        resp_code: t.respCode,
        resp_msg: t.respMsg,
        paid_at: t.now,
        updated_at: t.now,
        ...(t.queryId ? { query_id: t.queryId } : {}),
      })
      .where('mer_id', '=', t.merId)
      .where('order_id', '=', t.orderId)
      .returningAll(),
  );
  return row;
}

/** Accepted refunds whose settling time has come, oldest first. */
export async function dueRefunds(q: Queryable, now: Date): Promise<string[]> {
  const found = await rows(
    q,
    simSql
      .selectFrom('upsim_txns')
      .select('order_id')
      .where('txn_type', '=', '04')
      .where('resp_code', '=', '05')
      .where('settle_at', '<=', now)
      .orderBy('created_at'),
  );
  return found.map((r) => r.order_id);
}

export async function txnByPayCode(q: Queryable, payCode: string) {
  return firstRow(q, simSql.selectFrom('upsim_txns').selectAll().where('pay_code', '=', payCode));
}

export async function txnByTn(q: Queryable, tn: string) {
  return firstRow(q, simSql.selectFrom('upsim_txns').selectAll().where('tn', '=', tn));
}

export async function insertNotice(
  q: Queryable,
  n: {
    id: string;
    merId: string;
    orderId: string;
    backUrl: string;
    fields: string;
    status: string;
    nextAt: Date | null;
    flags: string;
    now: Date;
  },
): Promise<void> {
  await rows(
    q,
    simSql.insertInto('upsim_notices').values({
      id: n.id,
      mer_id: n.merId,
      order_id: n.orderId,
      back_url: n.backUrl,
      fields: n.fields,
      status: n.status,
      next_at: n.nextAt,
      flags: n.flags,
      created_at: n.now,
    }),
  );
}

/**
 * The day's successful transactions for the settlement file: consumes paid and refunds
 * settled in [start, end), in the order they completed.
 */
export async function settledBetween(q: Queryable, merId: string, start: Date, end: Date) {
  return rows(
    q,
    simSql
      .selectFrom('upsim_txns as t')
      .leftJoin('upsim_txns as o', (j) =>
        j.onRef('o.query_id', '=', 't.orig_qry_id').on('o.txn_type', '=', '01'),
      )
      .select([
        't.txn_type',
        't.order_id',
        't.txn_time',
        't.txn_amt',
        't.query_id',
        't.orig_qry_id',
        't.channel_type',
        't.paid_at',
        'o.order_id as orig_order_id',
        'o.txn_time as orig_txn_time',
      ]) // prettier-ignore
      .where('t.mer_id', '=', merId)
      .where('t.resp_code', '=', '00')
      .where('t.txn_type', 'in', ['01', '04'])
      .where('t.paid_at', '>=', start)
      .where('t.paid_at', '<', end)
      .orderBy('t.paid_at')
      .orderBy('t.order_id'),
  );
}
