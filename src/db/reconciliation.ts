import { type ExpressionBuilder, type Selectable, sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import type { DB, ReconciliationRuns } from './schema.js';
import { firstRow, rows, sql } from './sql.js';

/** Whose charges a run compares: an app's own config, or (appId null) a simulator's default merchant. */
export interface ReconciliationScope {
  provider: string;
  livemode: boolean;
  appId: string | null;
  /**
   * With appId null: the apps that have an upstream config of their own for this provider and
   * mode (their charges are not the simulator's). Looked up once per run (`appsWithOwnUpstream`)
   * so the per-batch statements do not ask channel_configs once per line; absent, they do.
   */
  excludedAppIds?: string[];
}

export interface RunRecord {
  id: string;
  configId: string;
  provider: string;
  livemode: boolean;
  appId: string | null;
  billDate: string;
  trigger: 'daily' | 'manual';
  status: 'running' | 'completed' | 'not_ready' | 'failed';
  statementId: string | null;
  rowsRead: number;
  counts: Record<string, number>;
  feeTotal: number;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface ItemRecord {
  runId: string;
  class: string;
  provider: string;
  livemode: boolean;
  appId: string | null;
  billDate: string;
  chargeId: string | null;
  refundId: string | null;
  outTradeNo: string | null;
  outRefundNo: string | null;
  transactionNo: string | null;
  upstreamAmount: number | null;
  localAmount: number | null;
  localStatus: string | null;
  fee: number | null;
  detail: string;
  createdAt: Date;
}

const RUN_COLUMNS = [
  'id', 'config_id', 'provider', 'livemode', 'app_id', 'trigger', 'status', 'statement_id', 'rows_read',
  'counts', 'fee_total', 'error', 'started_at', 'finished_at',
] as const; // prettier-ignore

/** A run's row as selected with RUN_COLUMNS and its day as text (bill_date::text). */
export type RunRow = Pick<Selectable<ReconciliationRuns>, (typeof RUN_COLUMNS)[number]> & {
  bill_date: string;
};

const billDateText = raw<string>`bill_date::text`.as('bill_date');

export function toRun(r: RunRow | Record<string, any>): RunRecord {
  return {
    id: r.id,
    configId: r.config_id,
    provider: r.provider,
    livemode: r.livemode,
    appId: r.app_id,
    billDate: r.bill_date,
    trigger: r.trigger as RunRecord['trigger'],
    status: r.status as RunRecord['status'],
    statementId: r.statement_id,
    rowsRead: Number(r.rows_read),
    counts: (r.counts ?? {}) as Record<string, number>,
    feeTotal: Number(r.fee_total),
    error: r.error,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

/** The run columns, for the list queries beside this file. */
export function selectRun() {
  return sql.selectFrom('reconciliation_runs').select([...RUN_COLUMNS, billDateText]);
}

/**
 * Starts a run. A daily run is inserted under the (config, day) unique index: on another
 * node's run of the same day it inserts nothing and answers undefined (run once across nodes).
 */
export async function insertRun(q: Queryable, run: RunRecord): Promise<RunRecord | undefined> {
  const row = await firstRow(
    q,
    sql
      .insertInto('reconciliation_runs')
      .values({
        id: run.id,
        config_id: run.configId,
        provider: run.provider,
        livemode: run.livemode,
        app_id: run.appId,
        bill_date: run.billDate,
        trigger: run.trigger,
        status: run.status,
        started_at: run.startedAt,
      })
      // The partial index's predicate as a literal: with a parameter, PostgreSQL cannot match
      // the index once a prepared statement goes to its generic plan (after five runs), and
      // the insert fails with "no unique or exclusion constraint matching".
      .onConflict((oc) =>
        oc.columns(['config_id', 'bill_date']).where('trigger', '=', raw.lit('daily')).doNothing(),
      )
      .returning([...RUN_COLUMNS, billDateText]),
  );
  return row ? toRun(row) : undefined;
}

/** Lets a daily run whose statement was not ready be tried again by the next pass. */
export async function deleteRun(q: Queryable, id: string): Promise<void> {
  await rows(
    q,
    sql
      .deleteFrom('reconciliation_runs')
      .where('id', '=', id)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('reconciliation_items').select('seq').where('run_id', '=', id))),
      ),
  );
}

export async function finishRun(
  q: Queryable,
  id: string,
  f: Pick<RunRecord, 'status' | 'statementId' | 'rowsRead' | 'counts' | 'feeTotal' | 'error'> & {
    finishedAt: Date;
  },
): Promise<RunRecord> {
  const row = await firstRow(
    q,
    sql
      .updateTable('reconciliation_runs')
      .set({
        status: f.status,
        statement_id: f.statementId,
        rows_read: f.rowsRead,
        counts: JSON.stringify(f.counts),
        fee_total: f.feeTotal,
        error: f.error,
        finished_at: f.finishedAt,
      })
      .where('id', '=', id)
      .returning([...RUN_COLUMNS, billDateText]),
  );
  return toRun(row!);
}

export async function findRun(q: Queryable, id: string): Promise<RunRecord | undefined> {
  const row = await firstRow(q, selectRun().where('id', '=', id));
  return row ? toRun(row) : undefined;
}

/** Open mismatches: items of the latest completed run of each (config, day) that are not matched. */
export async function openMismatchCount(q: Queryable, livemode: boolean, appId?: string): Promise<number> {
  const row = await firstRow(
    q,
    sql
      .selectFrom('reconciliation_items as i')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('i.livemode', '=', livemode)
      .$if(appId !== undefined, (qb) => qb.where('i.app_id', '=', appId!))
      .where('i.class', '<>', 'repaired')
      .where((eb) =>
        eb(
          'i.run_id',
          'in',
          eb
            .selectFrom('reconciliation_runs as r')
            .select('r.id')
            .distinctOn(['r.config_id', 'r.bill_date'])
            .where('r.status', '=', 'completed')
            .orderBy('r.config_id')
            .orderBy('r.bill_date')
            .orderBy('r.finished_at', 'desc')
            .orderBy('r.started_at', 'desc'),
        ),
      ),
  );
  return Number(row?.n ?? 0);
}

/** Apps with an upstream (not `{"simulator": true}`) config of their own for the scope's provider and mode. */
export async function appsWithOwnUpstream(q: Queryable, scope: ReconciliationScope): Promise<string[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('channel_configs as cc')
      .select('cc.app_id')
      .distinct()
      .where('cc.provider', '=', scope.provider)
      .where('cc.livemode', '=', scope.livemode)
      .where((eb) => eb.not(isSimulatorSettings('cc.settings'))),
  );
  return found.map((r) => r.app_id);
}

/** Whether a config's settings (the column `settings` names) mark a simulator stand-in. */
function isSimulatorSettings(settings: string) {
  const column = raw.ref(settings);
  return raw<boolean>`(${column} @> '{"simulator": true}'::jsonb OR ${column} @> '{"simulator": "true"}'::jsonb)`;
}

/**
 * The scope's condition on charges aliased `c`: its provider and mode, and its app (or,
 * for a simulator's default merchant, every app without an upstream config of its own).
 */
function inScope(scope: ReconciliationScope) {
  return (eb: ExpressionBuilder<DB & { c: DB['charges'] }, 'c'>) => {
    const app =
      scope.appId !== null
        ? eb('c.app_id', '=', scope.appId)
        : scope.excludedAppIds
          ? eb(raw`c.app_id`, '<>', raw`ALL(${scope.excludedAppIds}::text[])`)
          : eb.not(
              eb.exists(
                eb
                  .selectFrom('channel_configs as cc')
                  .select('cc.id')
                  .whereRef('cc.app_id', '=', 'c.app_id')
                  .whereRef('cc.livemode', '=', 'c.livemode')
                  .whereRef('cc.provider', '=', 'c.channel')
                  .where((e) => e.not(isSimulatorSettings('cc.settings'))),
              ),
            );
    return eb.and([eb('c.channel', '=', scope.provider), eb('c.livemode', '=', scope.livemode), app]);
  };
}

export interface LocalCharge {
  id: string;
  app_id: string;
  order_sn: string;
  amount: number;
  status: string;
}

/** The scope's charges named by a batch of statement lines (by the order_sn the connector sent). */
export async function chargesByOrderSn(
  q: Queryable,
  scope: ReconciliationScope,
  sns: string[],
): Promise<LocalCharge[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('charges as c')
      .select(['c.id', 'c.app_id', 'c.order_sn', 'c.amount', 'c.status'])
      .where(raw`c.order_sn`, '=', raw`ANY(${sns}::text[])`)
      .where(inScope(scope)),
  );
  return found.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export interface LocalRefund {
  id: string;
  charge_id: string;
  app_id: string;
  amount: number;
  status: string;
}

export async function refundsById(
  q: Queryable,
  scope: ReconciliationScope,
  ids: string[],
): Promise<LocalRefund[]> {
  const found = await rows(
    q,
    sql
      .selectFrom('refunds as r')
      .innerJoin('charges as c', 'c.id', 'r.charge_id')
      .select(['r.id', 'r.charge_id', 'r.app_id', 'r.amount', 'r.status'])
      .where(raw`r.id`, '=', raw`ANY(${ids}::text[])`)
      .where(inScope(scope)),
  );
  return found.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export interface Settlement {
  id: string;
  fee: number;
  at: Date;
}

/** A batch of settlements as a table `u(id, fee, at)`: one array per column, one parameter each. */
function settlementsTable(s: Settlement[]) {
  return raw<{ id: string; fee: number; at: Date }>`unnest(${s.map((x) => x.id)}::text[], ${s.map(
    (x) => x.fee,
  )}::bigint[], ${s.map((x) => x.at)}::timestamptz[])`.as<'u'>(raw`u(id, fee, at)`);
}

/**
 * Writes the statement's fee and settlement on a batch of charges (amount_settle = amount -
 * fee) or refunds (amount_settle = amount + fee: a refund's fee is handed back, negative).
 * Setting values, never adding: running a day again changes nothing.
 */
export async function settle(
  q: Queryable,
  table: 'charges' | 'refunds',
  statementId: string,
  s: Settlement[],
) {
  if (s.length === 0) return;
  const query =
    table === 'charges'
      ? sql
          .updateTable('charges as t')
          .from(settlementsTable(s))
          .set((eb) => ({
            fee: eb.ref('u.fee'),
            amount_settle: eb('t.amount', '-', eb.ref('u.fee')),
            time_settle: eb.ref('u.at'),
            statement_id: statementId,
          }))
          .whereRef('t.id', '=', 'u.id')
      : sql
          .updateTable('refunds as t')
          .from(settlementsTable(s))
          .set((eb) => ({
            fee: eb.ref('u.fee'),
            amount_settle: eb('t.amount', '+', eb.ref('u.fee')),
            time_settle: eb.ref('u.at'),
            statement_id: statementId,
          }))
          .whereRef('t.id', '=', 'u.id');
  await rows(q, query);
}

export interface ListedLine {
  /** order_sn for a charge, the refund id for a refund */
  key: string;
  amount: number;
  fee: number;
  at: Date;
}

/** A batch of statement lines as a table `u(key, amount, fee, at)`. */
function linesTable(lines: ListedLine[]) {
  const col = <K extends keyof ListedLine>(k: K) => lines.map((l) => l[k]);
  return raw<ListedLine>`unnest(${col('key')}::text[], ${col('amount')}::bigint[], ${col('fee')}::bigint[], ${col(
    'at',
  )}::timestamptz[])`.as<'u'>(raw`u(key, amount, fee, at)`);
}

/**
 * The common case in one statement: settles every succeeded charge (or refund) of the scope
 * that a line names with the same amount, and answers the keys it settled; the caller
 * classes the rest. One round trip per batch for a day that matches.
 */
export async function settleMatching(
  q: Queryable,
  table: 'charges' | 'refunds',
  scope: ReconciliationScope,
  statementId: string,
  lines: ListedLine[],
): Promise<Set<string>> {
  if (lines.length === 0) return new Set();
  const settled =
    table === 'charges'
      ? await rows(
          q,
          sql
            .updateTable('charges as c')
            .from(linesTable(lines))
            .set((eb) => ({
              fee: eb.ref('u.fee'),
              amount_settle: eb('c.amount', '-', eb.ref('u.fee')),
              time_settle: eb.ref('u.at'),
              statement_id: statementId,
            }))
            .whereRef('c.order_sn', '=', 'u.key')
            .whereRef('c.amount', '=', 'u.amount')
            .where('c.status', '=', 'succeeded')
            .where(inScope(scope))
            .returning('c.order_sn as key'),
        )
      : await rows(
          q,
          sql
            .updateTable('refunds as r')
            .from([linesTable(lines), 'charges as c'])
            .set((eb) => ({
              fee: eb.ref('u.fee'),
              amount_settle: eb('r.amount', '+', eb.ref('u.fee')),
              time_settle: eb.ref('u.at'),
              statement_id: statementId,
            }))
            .whereRef('r.id', '=', 'u.key')
            .whereRef('r.amount', '=', 'u.amount')
            .where('r.status', '=', 'succeeded')
            .whereRef('c.id', '=', 'r.charge_id')
            .where(inScope(scope))
            .returning('r.id as key'),
        );
  return new Set(settled.map((r) => r.key));
}

/**
 * Succeeded charges of the scope paid in [start, end) that this statement did not list (and
 * that no item of the run already names, e.g. an amount mismatch), a page at a time.
 */
export async function unlistedCharges(
  q: Queryable,
  scope: ReconciliationScope,
  range: { start: Date; end: Date },
  statementId: string,
  runId: string,
  after: string,
  limit: number,
) {
  const found = await rows(
    q,
    sql
      .selectFrom('charges as c')
      .select(['c.id', 'c.app_id', 'c.order_sn', 'c.amount', 'c.transaction_no'])
      .where('c.status', '=', 'succeeded')
      .where('c.paid_at', '>=', range.start)
      .where('c.paid_at', '<', range.end)
      .where('c.id', '>', after)
      .where('c.statement_id', 'is distinct from', statementId)
      .where(inScope(scope))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('reconciliation_items as i')
              .select('i.seq')
              .where('i.run_id', '=', runId)
              .whereRef('i.charge_id', '=', 'c.id')
              .where('i.refund_id', 'is', null),
          ),
        ),
      )
      .orderBy('c.id')
      .limit(limit),
  );
  return found.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export async function unlistedRefunds(
  q: Queryable,
  scope: ReconciliationScope,
  range: { start: Date; end: Date },
  statementId: string,
  runId: string,
  after: string,
  limit: number,
) {
  const found = await rows(
    q,
    sql
      .selectFrom('refunds as r')
      .innerJoin('charges as c', 'c.id', 'r.charge_id')
      .select(['r.id', 'r.app_id', 'r.charge_id', 'c.order_sn', 'r.amount'])
      .where('r.status', '=', 'succeeded')
      .where('r.succeeded_at', '>=', range.start)
      .where('r.succeeded_at', '<', range.end)
      .where('r.id', '>', after)
      .where('r.statement_id', 'is distinct from', statementId)
      .where(inScope(scope))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('reconciliation_items as i')
              .select('i.seq')
              .where('i.run_id', '=', runId)
              .whereRef('i.refund_id', '=', 'r.id'),
          ),
        ),
      )
      .orderBy('r.id')
      .limit(limit),
  );
  return found.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export async function insertItems(q: Queryable, items: ItemRecord[]): Promise<void> {
  if (items.length === 0) return;
  await rows(
    q,
    sql.insertInto('reconciliation_items').values(
      items.map((i) => ({
        run_id: i.runId,
        class: i.class,
        provider: i.provider,
        livemode: i.livemode,
        app_id: i.appId,
        bill_date: i.billDate,
        charge_id: i.chargeId,
        refund_id: i.refundId,
        out_trade_no: i.outTradeNo,
        out_refund_no: i.outRefundNo,
        transaction_no: i.transactionNo,
        upstream_amount: i.upstreamAmount,
        local_amount: i.localAmount,
        local_status: i.localStatus,
        fee: i.fee,
        detail: i.detail,
        created_at: i.createdAt,
      })),
    ),
  );
}

/** Enabled channel configs that name a real upstream (not a `{"simulator": true}` stand-in). */
export function enabledUpstreamConfigs(q: Queryable) {
  return rows(
    q,
    sql
      .selectFrom('channel_configs')
      .select(['id', 'provider', 'livemode'])
      .where('enabled', '=', true)
      .where((eb) => eb.not(isSimulatorSettings('settings')))
      .orderBy('id'),
  );
}
