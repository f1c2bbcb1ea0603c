import type { Queryable } from './db.js';
import { type RunRecord, toRun } from './reconciliation.js';

export interface RunFilter {
  date?: string;
  configId?: string;
  provider?: string;
  status?: string;
  /** Keyset: the last run id of the previous page (newest day first). */
  startingAfter?: string;
}

/** Runs newest day first, then by id; `limit + 1` rows so the caller knows whether more follow. */
export async function listRunRows(q: Queryable, f: RunFilter, limit: number): Promise<RunRecord[]> {
  const rows = await q.query(
    `SELECT id, config_id, provider, livemode, app_id, bill_date::text AS bill_date, trigger, status, statement_id,
            rows_read, counts, fee_total, error, started_at, finished_at
       FROM reconciliation_runs r
      WHERE ($1::date IS NULL OR bill_date = $1) AND ($2::text IS NULL OR config_id = $2)
        AND ($3::text IS NULL OR provider = $3) AND ($4::text IS NULL OR status = $4)
        AND ($5::text IS NULL OR (bill_date, id) < (SELECT bill_date, id FROM reconciliation_runs WHERE id = $5))
      ORDER BY bill_date DESC, id DESC LIMIT $6`,
    [
      f.date ?? null,
      f.configId ?? null,
      f.provider ?? null,
      f.status ?? null,
      f.startingAfter ?? null,
      limit,
    ],
  );
  return rows.map(toRun);
}

export interface ItemFilter {
  runId?: string;
  date?: string;
  class?: string;
  appId?: string;
  /** Keyset: the last item id (its sequence number) of the previous page. */
  startingAfter?: number;
}

export interface ItemRow {
  seq: number;
  run_id: string;
  class: string;
  provider: string;
  livemode: boolean;
  app_id: string | null;
  bill_date: string;
  charge_id: string | null;
  refund_id: string | null;
  out_trade_no: string | null;
  out_refund_no: string | null;
  transaction_no: string | null;
  upstream_amount: number | null;
  local_amount: number | null;
  local_status: string | null;
  fee: number | null;
  detail: string;
  created_at: Date;
}

/** Items in the order they were found; exports page through them with the same keyset. */
export async function listItemRows(q: Queryable, f: ItemFilter, limit: number): Promise<ItemRow[]> {
  const rows = await q.query<Record<string, any>>(
    `SELECT seq, run_id, class, provider, livemode, app_id, bill_date::text AS bill_date, charge_id, refund_id,
            out_trade_no, out_refund_no, transaction_no, upstream_amount, local_amount, local_status, fee, detail, created_at
       FROM reconciliation_items
      WHERE ($1::text IS NULL OR run_id = $1) AND ($2::date IS NULL OR bill_date = $2)
        AND ($3::text IS NULL OR class = $3) AND ($4::text IS NULL OR app_id = $4) AND seq > $5
      ORDER BY seq LIMIT $6`,
    [f.runId ?? null, f.date ?? null, f.class ?? null, f.appId ?? null, f.startingAfter ?? 0, limit],
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    ...(r as ItemRow),
    seq: Number(r.seq),
    upstream_amount: num(r.upstream_amount),
    local_amount: num(r.local_amount),
    fee: num(r.fee),
    created_at: new Date(r.created_at),
  }));
}
