import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { type RunRecord, selectRun, toRun } from './reconciliation.js';
import { rows, sql } from './sql.js';

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
  const found = await rows(
    q,
    selectRun()
      .$if(f.date !== undefined, (qb) => qb.where('bill_date', '=', raw<Date>`${f.date!}::date`))
      .$if(f.configId !== undefined, (qb) => qb.where('config_id', '=', f.configId!))
      .$if(f.provider !== undefined, (qb) => qb.where('provider', '=', f.provider!))
      .$if(f.status !== undefined, (qb) => qb.where('status', '=', f.status!))
      .$if(f.startingAfter !== undefined, (qb) =>
        qb.where(
          raw`(bill_date, id)`,
          '<',
          raw`(${sql
            .selectFrom('reconciliation_runs as after')
            .select(['after.bill_date', 'after.id'])
            .where('after.id', '=', f.startingAfter!)})`,
        ),
      )
      .orderBy('bill_date', 'desc')
      .orderBy('id', 'desc')
      .limit(limit),
  );
  return found.map(toRun);
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
  const found = await rows(
    q,
    sql
      .selectFrom('reconciliation_items')
      .select([
        'seq',
        'run_id',
        'class',
        'provider',
        'livemode',
        'app_id',
        raw<string>`bill_date::text`.as('bill_date'),
        'charge_id',
        'refund_id',
        'out_trade_no',
        'out_refund_no',
        'transaction_no',
        'upstream_amount',
        'local_amount',
        'local_status',
        'fee',
        'detail',
        'created_at',
      ]) // prettier-ignore
      .$if(f.runId !== undefined, (qb) => qb.where('run_id', '=', f.runId!))
      .$if(f.date !== undefined, (qb) => qb.where('bill_date', '=', raw<Date>`${f.date!}::date`))
      .$if(f.class !== undefined, (qb) => qb.where('class', '=', f.class!))
      .$if(f.appId !== undefined, (qb) => qb.where('app_id', '=', f.appId!))
      .where('seq', '>', f.startingAfter ?? 0)
      .orderBy('seq')
      .limit(limit),
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return found.map((r) => ({
    ...r,
    seq: Number(r.seq),
    upstream_amount: num(r.upstream_amount),
    local_amount: num(r.local_amount),
    fee: num(r.fee),
    created_at: new Date(r.created_at),
  }));
}
