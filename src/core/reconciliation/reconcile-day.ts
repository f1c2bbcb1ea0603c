import type { ChannelConfig } from '../../channels/_kit/connector.js';
import type { Statement, StatementRow } from '../../channels/_kit/statement.js';
import {
  appsWithOwnUpstream,
  chargesByOrderSn,
  deleteRun,
  finishRun,
  insertItems,
  insertRun,
  type ReconciliationScope,
  refundsById,
  type RunRecord,
  type Settlement,
  settle,
  settleMatching,
} from '../../db/reconciliation.js';
import { dayBooks } from '../../db/statement-books.js';
import { isJuheError, JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { type ReconciliationTarget, resolveTarget } from './targets.js';
import { findUnlisted, repairAll, type Repair } from './repair.js';
import { shanghaiDayRange } from './days.js';
import { keyedByOrderSn } from './statement-keys.js';
import { Tally } from './tally.js';
import { addRow, checkSettlement, emptyTotals } from './settlement.js';

/** Statement lines per batch: one settling statement per kind, a lookup only for what did not match. */
const BATCH = 10_000;

export interface ReconcileOptions {
  date: string;
  trigger: 'daily' | 'manual';
  /**
   * Called after each batch with the lines read so far and, when the statement can tell,
   * the fraction of it read (the CLI's progress bar).
   */
  onProgress?: (rowsRead: number, fraction?: number) => void;
}

/**
 * Reconciles one channel config's day: fetches the provider's statement, then reads it
 * line by line in batches, classing each line against the books (matched; paid upstream
 * but not here; amount, status or refund mismatch), writing each matched line's fee and
 * settlement on its charge or refund; then repairs what the upstream says was paid
 * (query, then the normal transition with its event), lists what the books have that the
 * statement lacks, and raises `reconciliation.mismatch` when anything differed.
 * A daily run that another node already started answers undefined.
 */
export async function reconcileDay(
  core: Core,
  target: ReconciliationTarget,
  options: ReconcileOptions,
): Promise<RunRecord | undefined> {
  const { config, scope, configKey } = await resolveTarget(core, target);
  if (scope.appId === null) scope.excludedAppIds = await appsWithOwnUpstream(core.db, scope);
  const run = await insertRun(core.db, {
    id: core.ids.next('reconciliation'),
    configId: configKey,
    provider: scope.provider,
    livemode: scope.livemode,
    appId: scope.appId,
    billDate: options.date,
    trigger: options.trigger,
    status: 'running',
    statementId: null,
    rowsRead: 0,
    counts: {},
    feeTotal: 0,
    error: null,
    startedAt: core.clock.now(),
    finishedAt: null,
  });
  if (!run) return undefined;
  const tally = new Tally({ runId: run.id, ...scope, billDate: options.date });
  let statement: Statement | undefined;
  let rowsRead = 0;
  try {
    statement = await fetchStatement(core, config, scope, options.date);
    const repairs: Repair[] = [];
    // Two stages at once: the next batch is parsed while the database works on the previous
    // one (one batch in flight, so the tally and the items are written in order).
    let inFlight: Promise<number> | undefined;
    const settled = async () => {
      if (!inFlight) return;
      const done = inFlight;
      inFlight = undefined;
      rowsRead += await done;
      options.onProgress?.(rowsRead, statement?.progress?.());
    };
    const send = (rows: StatementRow[]) => {
      inFlight = classifyBatch(core, scope, statement!.id, rows, tally, repairs);
      // Awaited by `settled`; this only keeps a failure from being reported as unhandled meanwhile.
      inFlight.catch(() => {});
    };
    const totals = emptyTotals();
    try {
      let batch: StatementRow[] = [];
      for await (const row of statement.rows()) {
        addRow(totals, row);
        batch.push(row);
        if (batch.length < BATCH) continue;
        await settled();
        send(batch);
        batch = [];
      }
      await settled();
      send(batch);
      await settled();
    } finally {
      // A parse error while a batch is in flight: let that batch finish before the run is closed.
      if (inFlight)
        await (inFlight as Promise<number>).then(
          (n) => void (rowsRead += n),
          () => {},
        );
    }
    await repairAll(core, statement.id, repairs, tally);
    await flush(core, tally);
    await findUnlisted(core, scope, shanghaiDayRange(options.date), statement.id, tally);
    await checkSettlement(core, run.id, statement, totals, tally);
    await flush(core, tally);
    return await finish(core, run, tally, {
      status: 'completed',
      statementId: statement.id,
      rowsRead,
      error: null,
    });
  } catch (error) {
    if (
      !isJuheError(error) ||
      (error.code !== 'statement_not_ready' &&
        error.code !== 'statement_invalid' &&
        error.code !== 'channel_error')
    ) {
      core.log.error({ err: error, run: run.id }, 'reconciliation failed');
    }
    const notReady = isJuheError(error) && error.code === 'statement_not_ready';
    await flush(core, tally);
    const finished = await finish(core, run, tally, {
      status: notReady ? 'not_ready' : 'failed',
      statementId: statement?.id ?? null,
      rowsRead,
      error: (error as Error).message,
    });
    // A daily run that found no statement yet frees its day for the next pass.
    if (notReady && options.trigger === 'daily') await deleteRun(core.db, run.id);
    return finished;
  } finally {
    await statement?.dispose();
  }
}

async function fetchStatement(
  core: Core,
  config: ChannelConfig | null,
  scope: ReconciliationScope,
  date: string,
) {
  const connector = core.connectors.resolve(scope.provider as never, scope.livemode);
  if (!connector.statement) {
    throw new JuheError(
      'channel_not_supported',
      `${scope.provider} has no statement to download: it is reconciled by query`,
    );
  }
  const books = () => dayBooks(core.db, scope, shanghaiDayRange(date));
  return keyedByOrderSn(core, await connector.statement({ config, date, clock: core.clock, books }));
}

/** Classes one batch of lines; settles what matched. Returns the number of lines read. */
async function classifyBatch(
  core: Core,
  scope: ReconciliationScope,
  statementId: string,
  rows: StatementRow[],
  tally: Tally,
  repairs: Repair[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const now = core.clock.now();
  // Most lines match: settle those in one statement per kind, then look up only the rest.
  const settledSns = await settleMatching(
    core.db,
    'charges',
    scope,
    statementId,
    rows
      .filter((r) => r.kind === 'payment')
      .map((r) => ({ key: r.outTradeNo, amount: r.amount, fee: r.fee, at: r.at })),
  );
  const settledRefundIds = await settleMatching(
    core.db,
    'refunds',
    scope,
    statementId,
    rows
      .filter((r) => r.kind === 'refund')
      .map((r) => ({ key: r.outRefundNo ?? '', amount: r.amount, fee: r.fee, at: r.at })),
  );
  for (const row of rows) {
    const settled =
      row.kind === 'payment' ? settledSns.has(row.outTradeNo) : settledRefundIds.has(row.outRefundNo ?? '');
    if (!settled) continue;
    tally.count('matched');
    tally.count('fee_recorded');
    tally.feeTotal += row.fee;
  }
  const payments = rows.filter((r) => r.kind === 'payment' && !settledSns.has(r.outTradeNo));
  const refundRows = rows.filter((r) => r.kind === 'refund' && !settledRefundIds.has(r.outRefundNo ?? ''));
  const charges = new Map(
    (payments.length
      ? await chargesByOrderSn(
          core.db,
          scope,
          payments.map((r) => r.outTradeNo),
        )
      : []
    ).map((c) => [c.order_sn, c]),
  );
  const refunds = new Map(
    (refundRows.length
      ? await refundsById(
          core.db,
          scope,
          refundRows.map((r) => r.outRefundNo ?? ''),
        )
      : []
    ).map((r) => [r.id, r]),
  );
  const settledCharges: Settlement[] = [];
  const settledRefunds: Settlement[] = [];
  const upstream = (r: StatementRow) => ({
    outTradeNo: r.outTradeNo,
    outRefundNo: r.outRefundNo ?? null,
    transactionNo: r.transactionNo,
    upstreamAmount: r.amount,
    fee: r.fee,
  });
  for (const row of payments) {
    const charge = charges.get(row.outTradeNo);
    if (!charge) {
      tally.item('missing_here', { ...upstream(row), detail: 'paid upstream, no such charge here' }, now);
    } else if (charge.status !== 'succeeded') {
      repairs.push({
        kind: 'charge',
        id: charge.id,
        appId: charge.app_id,
        row,
        localStatus: charge.status,
        localAmount: charge.amount,
      });
    } else if (charge.amount !== row.amount) {
      tally.item('amount_mismatch', {
        ...upstream(row), chargeId: charge.id, appId: charge.app_id, localAmount: charge.amount, localStatus: charge.status,
        detail: `upstream settled ${row.amount}, the charge is ${charge.amount}`,
      }, now); // prettier-ignore
    } else {
      tally.count('matched');
      settledCharges.push({ id: charge.id, fee: row.fee, at: row.at });
    }
  }
  for (const row of refundRows) {
    const refund = refunds.get(row.outRefundNo ?? '');
    if (!refund) {
      tally.item(
        'refund_mismatch',
        { ...upstream(row), detail: 'refunded upstream, no such refund here' },
        now,
      );
    } else if (refund.status !== 'succeeded') {
      repairs.push({
        kind: 'refund',
        id: refund.id,
        appId: refund.app_id,
        chargeId: refund.charge_id,
        row,
        localStatus: refund.status,
        localAmount: refund.amount,
      });
    } else if (refund.amount !== row.amount) {
      tally.item('refund_mismatch', {
        ...upstream(row), chargeId: refund.charge_id, refundId: refund.id, appId: refund.app_id,
        localAmount: refund.amount, localStatus: refund.status, detail: `upstream refunded ${row.amount}, the refund is ${refund.amount}`,
      }, now); // prettier-ignore
    } else {
      tally.count('matched');
      settledRefunds.push({ id: refund.id, fee: row.fee, at: row.at });
    }
  }
  await settle(core.db, 'charges', statementId, settledCharges);
  await settle(core.db, 'refunds', statementId, settledRefunds);
  for (const s of [...settledCharges, ...settledRefunds]) {
    tally.feeTotal += s.fee;
    tally.count('fee_recorded');
  }
  await flush(core, tally);
  return rows.length;
}

async function flush(core: Core, tally: Tally): Promise<void> {
  await insertItems(core.db, tally.items);
  tally.items = [];
}

async function finish(
  core: Core,
  run: RunRecord,
  tally: Tally,
  f: Pick<RunRecord, 'status' | 'statementId' | 'rowsRead' | 'error'>,
): Promise<RunRecord> {
  return core.db.tx(async (q) => {
    const done = await finishRun(q, run.id, {
      ...f,
      counts: tally.counts,
      feeTotal: tally.feeTotal,
      finishedAt: core.clock.now(),
    });
    if (tally.mismatches() > 0 && f.status === 'completed') {
      await appendEvent(q, core, {
        appId: run.appId,
        livemode: run.livemode,
        type: 'reconciliation.mismatch',
        objectType: 'reconciliation_run',
        objectId: run.id,
        data: serializeRun(done),
      });
    }
    return done;
  });
}

/** A run as the admin API and the webhook show it. */
export function serializeRun(r: RunRecord): Record<string, unknown> {
  return {
    id: r.id,
    object: 'reconciliation_run',
    config: r.configId,
    provider: r.provider,
    livemode: r.livemode,
    app: r.appId,
    date: r.billDate,
    trigger: r.trigger,
    status: r.status,
    statement: r.statementId,
    rows_read: r.rowsRead,
    counts: r.counts,
    fee_total: r.feeTotal,
    error: r.error,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}
