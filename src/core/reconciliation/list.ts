import {
  type ItemFilter,
  type ItemRow,
  listItemRows,
  listRunRows,
  type RunFilter,
} from '../../db/reconciliation-lists.js';
import { findRun, type RunRecord } from '../../db/reconciliation.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';

export async function listRuns(
  core: Core,
  f: RunFilter,
  limit = 20,
): Promise<{ data: RunRecord[]; hasMore: boolean }> {
  const rows = await listRunRows(core.db, f, limit + 1);
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

export async function retrieveRun(core: Core, id: string): Promise<RunRecord> {
  const run = await findRun(core.db, id);
  if (!run) throw new JuheError('not_found', `No reconciliation run ${id}`, 'id');
  return run;
}

export async function listItems(
  core: Core,
  f: ItemFilter,
  limit = 50,
): Promise<{ data: ItemRow[]; hasMore: boolean }> {
  const rows = await listItemRows(core.db, f, limit + 1);
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Every item the filter selects, a page at a time (exports: a day can hold many). */
export async function* allItems(core: Core, f: ItemFilter): AsyncGenerator<ItemRow> {
  let after = 0;
  for (;;) {
    const page = await listItemRows(core.db, { ...f, startingAfter: after }, 1000);
    yield* page;
    if (page.length < 1000) return;
    after = page[page.length - 1].seq;
  }
}

/** An item as the admin API and exports show it. */
export function serializeItem(i: ItemRow): Record<string, unknown> {
  return {
    id: i.seq,
    object: 'reconciliation_item',
    run: i.run_id,
    class: i.class,
    provider: i.provider,
    livemode: i.livemode,
    app: i.app_id,
    date: i.bill_date,
    charge: i.charge_id,
    refund: i.refund_id,
    out_trade_no: i.out_trade_no,
    out_refund_no: i.out_refund_no,
    transaction_no: i.transaction_no,
    upstream_amount: i.upstream_amount,
    local_amount: i.local_amount,
    local_status: i.local_status,
    fee: i.fee,
    detail: i.detail,
    created_at: i.created_at.toISOString(),
  };
}
