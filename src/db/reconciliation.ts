import type { Queryable } from './db.js';

/** Whose charges a run compares: an app's own config, or (appId null) a simulator's default merchant. */
export interface ReconciliationScope {
  provider: string;
  livemode: boolean;
  appId: string | null;
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

const RUN_COLUMNS = `id, config_id, provider, livemode, app_id, bill_date::text AS bill_date, trigger, status,
  statement_id, rows_read, counts, fee_total, error, started_at, finished_at`;

export function toRun(r: Record<string, any>): RunRecord {
  return {
    id: r.id,
    configId: r.config_id,
    provider: r.provider,
    livemode: r.livemode,
    appId: r.app_id,
    billDate: r.bill_date,
    trigger: r.trigger,
    status: r.status,
    statementId: r.statement_id,
    rowsRead: Number(r.rows_read),
    counts: r.counts ?? {},
    feeTotal: Number(r.fee_total),
    error: r.error,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

/**
 * Starts a run. A daily run is inserted under the (config, day) unique index: on another
 * node's run of the same day it inserts nothing and answers undefined (run once across nodes).
 */
export async function insertRun(q: Queryable, run: RunRecord): Promise<RunRecord | undefined> {
  const [row] = await q.query(
    `INSERT INTO reconciliation_runs (id, config_id, provider, livemode, app_id, bill_date, trigger, status, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (config_id, bill_date) WHERE trigger = 'daily' DO NOTHING
     RETURNING ${RUN_COLUMNS}`,
    [
      run.id,
      run.configId,
      run.provider,
      run.livemode,
      run.appId,
      run.billDate,
      run.trigger,
      run.status,
      run.startedAt,
    ],
  );
  return row ? toRun(row) : undefined;
}

/** Lets a daily run whose statement was not ready be tried again by the next pass. */
export async function deleteRun(q: Queryable, id: string): Promise<void> {
  await q.query(
    'DELETE FROM reconciliation_runs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM reconciliation_items WHERE run_id = $1)',
    [id],
  );
}

export async function finishRun(
  q: Queryable,
  id: string,
  f: Pick<RunRecord, 'status' | 'statementId' | 'rowsRead' | 'counts' | 'feeTotal' | 'error'> & {
    finishedAt: Date;
  },
): Promise<RunRecord> {
  const [row] = await q.query(
    `UPDATE reconciliation_runs SET status = $2, statement_id = $3, rows_read = $4, counts = $5, fee_total = $6,
       error = $7, finished_at = $8 WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
    [id, f.status, f.statementId, f.rowsRead, JSON.stringify(f.counts), f.feeTotal, f.error, f.finishedAt],
  );
  return toRun(row);
}

export async function findRun(q: Queryable, id: string): Promise<RunRecord | undefined> {
  const [row] = await q.query(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = $1`, [id]);
  return row ? toRun(row) : undefined;
}

/** The scope's condition on charges aliased `c` ($2 provider, $3 livemode, $4 app or NULL). */
const IN_SCOPE = `c.channel = $2 AND c.livemode = $3 AND (c.app_id = $4 OR ($4::text IS NULL AND NOT EXISTS (
  SELECT 1 FROM channel_configs cc WHERE cc.app_id = c.app_id AND cc.livemode = c.livemode AND cc.provider = c.channel
   AND NOT (cc.settings @> '{"simulator": true}' OR cc.settings @> '{"simulator": "true"}'))))`;
const scopeParams = (s: ReconciliationScope) => [s.provider, s.livemode, s.appId];

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
  const rows = await q.query<LocalCharge>(
    `SELECT c.id, c.app_id, c.order_sn, c.amount, c.status FROM charges c
      WHERE c.order_sn = ANY($1::text[]) AND ${IN_SCOPE}`,
    [sns, ...scopeParams(scope)],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
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
  const rows = await q.query<LocalRefund>(
    `SELECT r.id, r.charge_id, r.app_id, r.amount, r.status FROM refunds r JOIN charges c ON c.id = r.charge_id
      WHERE r.id = ANY($1::text[]) AND ${IN_SCOPE}`,
    [ids, ...scopeParams(scope)],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export interface Settlement {
  id: string;
  fee: number;
  at: Date;
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
  const sign = table === 'charges' ? '-' : '+';
  await q.query(
    `UPDATE ${table} t SET fee = u.fee, amount_settle = t.amount ${sign} u.fee, time_settle = u.at, statement_id = $4
       FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS u(id, fee, at) WHERE t.id = u.id`,
    [s.map((x) => x.id), s.map((x) => x.fee), s.map((x) => x.at), statementId],
  );
}

export interface ListedLine {
  /** order_sn for a charge, the refund id for a refund */
  key: string;
  amount: number;
  fee: number;
  at: Date;
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
  const params = [
    lines.map((l) => l.key),
    ...scopeParams(scope),
    lines.map((l) => l.amount),
    lines.map((l) => l.fee),
    lines.map((l) => l.at),
    statementId,
  ];
  const rows =
    table === 'charges'
      ? await q.query<{ key: string }>(
          `UPDATE charges c SET fee = u.fee, amount_settle = c.amount - u.fee, time_settle = u.at, statement_id = $8
             FROM unnest($1::text[], $5::bigint[], $6::bigint[], $7::timestamptz[]) AS u(key, amount, fee, at)
            WHERE c.order_sn = u.key AND c.amount = u.amount AND c.status = 'succeeded' AND ${IN_SCOPE}
           RETURNING c.order_sn AS key`,
          params,
        )
      : await q.query<{ key: string }>(
          `UPDATE refunds r SET fee = u.fee, amount_settle = r.amount + u.fee, time_settle = u.at, statement_id = $8
             FROM unnest($1::text[], $5::bigint[], $6::bigint[], $7::timestamptz[]) AS u(key, amount, fee, at), charges c
            WHERE r.id = u.key AND r.amount = u.amount AND r.status = 'succeeded' AND c.id = r.charge_id AND ${IN_SCOPE}
           RETURNING r.id AS key`,
          params,
        );
  return new Set(rows.map((r) => r.key));
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
  const rows = await q.query<{
    id: string;
    app_id: string;
    order_sn: string;
    amount: number;
    transaction_no: string | null;
  }>(
    `SELECT c.id, c.app_id, c.order_sn, c.amount, c.transaction_no FROM charges c
      WHERE c.status = 'succeeded' AND c.paid_at >= $5 AND c.paid_at < $6 AND c.id > $7
        AND c.statement_id IS DISTINCT FROM $1 AND ${IN_SCOPE}
        AND NOT EXISTS (SELECT 1 FROM reconciliation_items i WHERE i.run_id = $9 AND i.charge_id = c.id AND i.refund_id IS NULL)
      ORDER BY c.id LIMIT $8`,
    [statementId, ...scopeParams(scope), range.start, range.end, after, limit, runId],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
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
  const rows = await q.query<{
    id: string;
    app_id: string;
    charge_id: string;
    order_sn: string;
    amount: number;
  }>(
    `SELECT r.id, r.app_id, r.charge_id, c.order_sn, r.amount FROM refunds r JOIN charges c ON c.id = r.charge_id
      WHERE r.status = 'succeeded' AND r.succeeded_at >= $5 AND r.succeeded_at < $6 AND r.id > $7
        AND r.statement_id IS DISTINCT FROM $1 AND ${IN_SCOPE}
        AND NOT EXISTS (SELECT 1 FROM reconciliation_items i WHERE i.run_id = $9 AND i.refund_id = r.id)
      ORDER BY r.id LIMIT $8`,
    [statementId, ...scopeParams(scope), range.start, range.end, after, limit, runId],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

export async function insertItems(q: Queryable, items: ItemRecord[]): Promise<void> {
  if (items.length === 0) return;
  const col = <K extends keyof ItemRecord>(k: K) => items.map((i) => i[k]);
  await q.query(
    `INSERT INTO reconciliation_items (run_id, class, provider, livemode, app_id, bill_date, charge_id, refund_id,
       out_trade_no, out_refund_no, transaction_no, upstream_amount, local_amount, local_status, fee, detail, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::date[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::bigint[],
       $16::text[], $17::timestamptz[])`,
    [
      col('runId'), col('class'), col('provider'), col('livemode'), col('appId'), col('billDate'), col('chargeId'),
      col('refundId'), col('outTradeNo'), col('outRefundNo'), col('transactionNo'), col('upstreamAmount'),
      col('localAmount'), col('localStatus'), col('fee'), col('detail'), col('createdAt'),
    ], // prettier-ignore
  );
}

/** Enabled channel configs that name a real upstream (not a `{"simulator": true}` stand-in). */
export function enabledUpstreamConfigs(q: Queryable) {
  return q.query<{ id: string; provider: string; livemode: boolean }>(
    `SELECT id, provider, livemode FROM channel_configs
      WHERE enabled AND NOT (settings @> '{"simulator": true}' OR settings @> '{"simulator": "true"}') ORDER BY id`,
  );
}
