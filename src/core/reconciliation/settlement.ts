import type { SettlementSummary, Statement, StatementRow } from '../../channels/_kit/statement.js';
import { recordSettlement } from '../../db/reconciliation-settlement.js';
import { isJuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import type { Tally } from './tally.js';

/** The statement's own totals, summed as its rows are read. */
export interface StatementTotals {
  gross: number;
  refunds: number;
  fees: number;
}

export const emptyTotals = (): StatementTotals => ({ gross: 0, refunds: 0, fees: 0 });

export function addRow(t: StatementTotals, row: StatementRow): void {
  if (row.kind === 'payment') t.gross += row.amount;
  else t.refunds += row.amount;
  t.fees += row.fee;
}

/**
 * Checks the provider's settlement record of the day (WeChat Pay's fund-flow bill) against
 * the statement just read: payments credited, refunds debited and net fees must agree; each
 * difference is a `settlement_mismatch` item, a record that cannot be had `settlement_unavailable`.
 * What the record says is kept on the run.
 */
export async function checkSettlement(
  core: Core,
  runId: string,
  statement: Statement,
  totals: StatementTotals,
  tally: Tally,
): Promise<void> {
  if (!statement.settlement) return;
  const now = core.clock.now();
  let summary: SettlementSummary;
  try {
    summary = await statement.settlement();
  } catch (error) {
    if (!isJuheError(error)) throw error;
    tally.item(
      'settlement_unavailable',
      { detail: `the settlement record could not be read: ${error.message}` },
      now,
    );
    return;
  }
  await recordSettlement(core.db, runId, { ...summary, statement: { ...totals } });
  const pairs: [keyof StatementTotals, string][] = [
    ['gross', 'payments credited'],
    ['refunds', 'refunds debited'],
    ['fees', 'net fees debited'],
  ];
  for (const [key, what] of pairs) {
    if (summary[key] === totals[key]) continue;
    tally.item(
      'settlement_mismatch',
      {
        upstreamAmount: summary[key],
        localAmount: totals[key],
        detail: `${what}: the settlement record says ${summary[key]}, the statement ${totals[key]} (${summary.source})`,
      },
      now,
    );
  }
}
