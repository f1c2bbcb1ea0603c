import type { StatementRow } from '../../channels/_kit/statement.js';
import { findCharge, findRefund } from '../../db/charges.js';
import {
  type ReconciliationScope,
  settle,
  unlistedCharges,
  unlistedRefunds,
} from '../../db/reconciliation.js';
import type { Core } from '../context.js';
import { syncChargeFromChannel, syncRefundFromChannel } from '../payments/sync-from-channel.js';
import type { Tally } from './tally.js';

/** A line the upstream settled whose charge or refund is not final here: asked again, then classed. */
export type Repair =
  | { kind: 'charge'; id: string; appId: string; row: StatementRow; localStatus: string; localAmount: number }
  | {
      kind: 'refund';
      id: string;
      appId: string;
      chargeId: string;
      row: StatementRow;
      localStatus: string;
      localAmount: number;
    };

/**
 * Paid upstream but not here: the statement is not trusted to change a charge by itself.
 * The upstream is queried and its answer applied through the normal transition (so the
 * charge gets `charge.succeeded`, or `charge.paid_after_close` for one closed here, and the
 * merchant its notification). What the query then confirms is `repaired` and settled; what
 * stays different is a status (or refund) mismatch for a human.
 */
export async function repairAll(
  core: Core,
  statementId: string,
  repairs: Repair[],
  tally: Tally,
): Promise<void> {
  for (const r of repairs) {
    const now = core.clock.now();
    const base = {
      chargeId: r.kind === 'charge' ? r.id : r.chargeId,
      refundId: r.kind === 'refund' ? r.id : null,
      appId: r.appId,
      outTradeNo: r.row.outTradeNo,
      outRefundNo: r.row.outRefundNo ?? null,
      transactionNo: r.row.transactionNo,
      upstreamAmount: r.row.amount,
      localAmount: r.localAmount,
      fee: r.row.fee,
    };
    let error = '';
    try {
      if (r.kind === 'charge') await syncChargeFromChannel(core, r.id);
      else await syncRefundFromChannel(core, r.id);
    } catch (e) {
      error = `: the query failed (${(e as Error).message})`;
    }
    const after = r.kind === 'charge' ? await findCharge(core.db, r.id) : await findRefund(core.db, r.id);
    const status = after?.status ?? r.localStatus;
    if (status === 'succeeded' && after!.amount === r.row.amount) {
      await settle(core.db, r.kind === 'charge' ? 'charges' : 'refunds', statementId, [
        { id: r.id, fee: r.row.fee, at: r.row.at },
      ]);
      tally.feeTotal += r.row.fee;
      tally.count('fee_recorded');
      tally.item(
        'repaired',
        {
          ...base,
          localStatus: status,
          detail: `was ${r.localStatus} here; the upstream query confirmed it`,
        },
        now,
      );
    } else {
      tally.item(r.kind === 'charge' ? 'status_mismatch' : 'refund_mismatch', {
        ...base,
        localStatus: status,
        detail: `settled upstream, ${status} here${error}`,
      }, now); // prettier-ignore
    }
  }
}

/** Here but not upstream: what succeeded in the books on that day and no line of the statement named. */
export async function findUnlisted(
  core: Core,
  scope: ReconciliationScope,
  range: { start: Date; end: Date },
  statementId: string,
  tally: Tally,
): Promise<void> {
  const now = core.clock.now();
  for (let after = ''; ;) {
    const page = await unlistedCharges(core.db, scope, range, statementId, tally.runId, after, 1000);
    for (const c of page) {
      tally.item('missing_upstream', {
        chargeId: c.id, appId: c.app_id, outTradeNo: c.order_sn, transactionNo: c.transaction_no,
        localAmount: c.amount, localStatus: 'succeeded', detail: 'succeeded here, not in the statement',
      }, now); // prettier-ignore
    }
    if (page.length < 1000) break;
    after = page[page.length - 1].id;
  }
  for (let after = ''; ;) {
    const page = await unlistedRefunds(core.db, scope, range, statementId, tally.runId, after, 1000);
    for (const r of page) {
      tally.item('missing_upstream', {
        chargeId: r.charge_id, refundId: r.id, appId: r.app_id, outTradeNo: r.order_sn, outRefundNo: r.id,
        localAmount: r.amount, localStatus: 'succeeded', detail: 'refund succeeded here, not in the statement',
      }, now); // prettier-ignore
    }
    if (page.length < 1000) break;
    after = page[page.length - 1].id;
  }
}
