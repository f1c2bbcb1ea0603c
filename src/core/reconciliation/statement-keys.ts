import type { Statement, StatementRow } from '../../channels/_kit/statement.js';
import { orderSnsOfCharges } from '../../db/charge-order-sns.js';
import type { Core } from '../context.js';

const LOOKUP = 1_000;

/**
 * The statement as the matching reads it: every row's outTradeNo an order_sn. A provider
 * whose connector sends the charge id as its merchant order number (Alipay) writes charge
 * ids in its statement; these are mapped in batches of a thousand, one lookup each. A row
 * naming no charge of ours keeps its outTradeNo (it is then "paid upstream, not here").
 */
export function keyedByOrderSn(core: Core, statement: Statement): Statement {
  if (statement.outTradeNoIs !== 'charge_id') return statement;
  return {
    ...statement,
    outTradeNoIs: 'order_sn',
    async *rows() {
      let batch: StatementRow[] = [];
      const mapped = async function* () {
        const sns = await orderSnsOfCharges(core.db, [...new Set(batch.map((r) => r.outTradeNo))]);
        for (const row of batch) yield { ...row, outTradeNo: sns.get(row.outTradeNo) ?? row.outTradeNo };
        batch = [];
      };
      for await (const row of statement.rows()) {
        batch.push(row);
        if (batch.length >= LOOKUP) yield* mapped();
      }
      yield* mapped();
    },
  };
}
