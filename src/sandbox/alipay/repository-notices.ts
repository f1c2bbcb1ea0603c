import { sql } from 'kysely';
import type { Queryable } from '../../db/db.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/**
 * The Alipay simulator's statements on its notifications owed (alipay_sandbox_notifications)
 * and its injected faults (alipay_sandbox_faults): the rest of its repository.
 */

// ------------------------------------------------------------------ notifications

export interface NotificationRow {
  id: string;
  seq: number;
  app_id: string;
  trade_no: string;
  url: string;
  params: unknown;
  state: string;
  attempts: number;
  next_at: Date | string;
  last_result: string | null;
  last_attempt_seq: number | string | null;
}

export async function insertNotification(
  q: Queryable,
  n: {
    id: string;
    appId: string;
    tradeNo: string;
    url: string;
    form: Record<string, string>;
    state: string;
    nextAt: Date;
    now: Date;
  },
): Promise<void> {
  await rows(
    q,
    simSql.insertInto('alipay_sandbox_notifications').values({
      id: n.id,
      app_id: n.appId,
      trade_no: n.tradeNo,
      url: n.url,
      params: JSON.stringify(n.form),
      state: n.state,
      attempts: 0,
      next_at: n.nextAt,
      created_at: n.now,
    }),
  );
}

/**
 * Claims up to 50 due notifications (forged first, then by due time) under SKIP LOCKED with
 * a lease until `leaseUntil`, answering each with the time it was due.
 */
export async function claimDueNotifications(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
): Promise<(NotificationRow & { due_at: Date | string })[]> {
  const query = simSql
    .with('due', (db) =>
      db
        .selectFrom('alipay_sandbox_notifications')
        .select(['id', 'next_at'])
        .where('state', 'in', ['pending', 'forged'])
        .where('next_at', '<=', now)
        .orderBy(sql`state = 'forged'`, 'desc')
        .orderBy('next_at')
        .orderBy('seq')
        .limit(50)
        .forUpdate()
        .skipLocked(),
    )
    .updateTable('alipay_sandbox_notifications as n')
    .set({ next_at: leaseUntil })
    .from('due')
    .whereRef('n.id', '=', 'due.id')
    .returningAll('n')
    .returning('due.next_at as due_at');
  return (await rows(q, query)) as unknown as (NotificationRow & { due_at: Date | string })[];
}

/** The reorder fault's held notifications of an app become due now. */
export async function releaseHeld(q: Queryable, appId: string, now: Date): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('alipay_sandbox_notifications')
      .set({ state: 'pending', next_at: now })
      .where('app_id', '=', appId)
      .where('state', '=', 'held'),
  );
}

export async function recordAttempt(
  q: Queryable,
  a: { id: string; state: string; attempts: number; nextAt: Date; lastResult: string },
): Promise<void> {
  await rows(
    q,
    simSql
      .updateTable('alipay_sandbox_notifications')
      .set({
        state: a.state,
        attempts: a.attempts,
        next_at: a.nextAt,
        last_result: a.lastResult,
        last_attempt_seq: sql<number>`nextval('alipay_sandbox_attempt_seq')`,
      })
      .where('id', '=', a.id),
  );
}

export async function listNotifications(
  q: Queryable,
  filter: { tradeNo?: string; outTradeNo?: string },
): Promise<NotificationRow[]> {
  let query = simSql
    .selectFrom('alipay_sandbox_notifications as n')
    .innerJoin('alipay_sandbox_trades as t', 't.trade_no', 'n.trade_no')
    .selectAll('n')
    .orderBy('n.seq');
  if (filter.tradeNo !== undefined) query = query.where('n.trade_no', '=', filter.tradeNo);
  if (filter.outTradeNo !== undefined) query = query.where('t.out_trade_no', '=', filter.outTradeNo);
  return (await rows(q, query)) as unknown as NotificationRow[];
}

// ------------------------------------------------------------------ faults

export interface FaultRow {
  id: number | string;
  kind: string;
  api_method: string | null;
  remaining: number;
  params: unknown;
}

export async function insertFault(
  q: Queryable,
  f: { kind: string; apiMethod: string | null; count: number; params: Record<string, unknown>; now: Date },
): Promise<FaultRow> {
  return (await firstRow(
    q,
    simSql
      .insertInto('alipay_sandbox_faults')
      .values({
        kind: f.kind,
        api_method: f.apiMethod,
        remaining: f.count,
        params: JSON.stringify(f.params),
        created_at: f.now,
      })
      .returningAll(),
  ))!;
}

export const activeFaults = (q: Queryable): Promise<FaultRow[]> =>
  rows(q, simSql.selectFrom('alipay_sandbox_faults').selectAll().where('remaining', '>', 0).orderBy('id'));

export async function deleteFaults(q: Queryable): Promise<void> {
  await rows(q, simSql.deleteFrom('alipay_sandbox_faults'));
}

/** Consumes one use of the oldest fault among `kinds` that applies to `method`. */
export async function takeFaultRow(
  q: Queryable,
  kinds: readonly string[],
  method: string | null,
): Promise<FaultRow | undefined> {
  const oldest = simSql
    .selectFrom('alipay_sandbox_faults')
    .select('id')
    .where('remaining', '>', 0)
    .where('kind', 'in', [...kinds])
    .where((eb) => eb.or([eb('api_method', 'is', null), eb('api_method', '=', method)]))
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked();
  return firstRow(
    q,
    simSql
      .updateTable('alipay_sandbox_faults')
      .set({ remaining: sql<number>`remaining - 1` })
      .where('id', '=', oldest)
      .returningAll(),
  );
}
