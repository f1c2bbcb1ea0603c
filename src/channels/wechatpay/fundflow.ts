import { JuheError } from '../../domain/errors.js';
import type { SettlementSummary } from '../_kit/statement.js';
import { fileLines, statementMinor } from '../_kit/statement-spool.js';
import type { Merchant } from './client.js';
import { fetchBill } from './statement.js';

/** Column names with full- or half-width parentheses read alike ("收支金额（元）" / "收支金额(元)"). */
const norm = (name: string) => name.trim().replace(/（/g, '(').replace(/）/g, ')');

/**
 * The basic account's fund-flow bill of a day (`GET /v3/bill/fundflowbill`, account_type
 * BASIC, GZIP, SHA1-checked like the trade bill), summed by business: payments credited
 * (交易), refunds debited (退款), fees debited (扣除交易手续费) less fees handed back
 * (退还交易手续费). The summary row (count, income, expense) must agree with the lines read.
 */
export async function wechatpayFundFlow(m: Merchant, date: string): Promise<SettlementSummary> {
  const file = await fetchBill(m, 'fundflowbill', {
    bill_date: date,
    account_type: 'BASIC',
    tar_type: 'GZIP',
  });
  try {
    return {
      source: `wechatpay:fundflowbill:${date}:${file.sha1}`,
      ...(await fundFlowTotals(fileLines(file.path))),
    };
  } finally {
    await file.dispose();
  }
}

export async function fundFlowTotals(
  source: AsyncIterable<string>,
): Promise<Omit<SettlementSummary, 'source'>> {
  let col: Record<string, number> | undefined;
  let summary: string[] | undefined;
  let inSummary = false;
  const t = { gross: 0, refunds: 0, fees: 0, income: 0, expense: 0, count: 0, inCount: 0, outCount: 0 };
  for await (const raw of source) {
    const line = raw.replace(/^\uFEFF/, '');
    if (line.trim() === '') continue;
    if (!col) {
      col = Object.fromEntries(line.split(',').map((name, i) => [norm(name), i]));
      for (const need of ['记账时间', '业务类型', '收支类型', '收支金额(元)']) {
        if (!(need in col))
          throw new JuheError('statement_invalid', `WeChat Pay's fund-flow bill has no column ${need}`);
      }
      continue;
    }
    if (line.startsWith('资金流水总笔数')) {
      inSummary = true;
      continue;
    }
    const f = line.split(',').map((v) => v.replace(/^`/, ''));
    if (inSummary) {
      summary = f;
      continue;
    }
    const at = (name: string) => f[col![name]] ?? '';
    const amount = statementMinor(at('收支金额(元)'), 'fund-flow amount');
    const income = at('收支类型') === '收入';
    if (!income && at('收支类型') !== '支出') {
      throw new JuheError(
        'statement_invalid',
        `WeChat Pay's fund-flow bill has an unknown 收支类型 "${at('收支类型')}"`,
      );
    }
    t.count += 1;
    if (income) [t.income, t.inCount] = [t.income + amount, t.inCount + 1];
    else [t.expense, t.outCount] = [t.expense + amount, t.outCount + 1];
    const business = at('业务类型');
    if (business === '交易') t.gross += income ? amount : -amount;
    else if (business === '退款') t.refunds += income ? -amount : amount;
    else if (business.includes('手续费')) t.fees += income ? -amount : amount;
  }
  if (!summary)
    throw new JuheError('statement_invalid', "WeChat Pay's fund-flow bill ends without its summary rows");
  const [count, inCount, inSum, outCount, outSum] = summary;
  if (
    Number(count) !== t.count ||
    Number(inCount) !== t.inCount ||
    Number(outCount) !== t.outCount ||
    statementMinor(inSum, 'income total') !== t.income ||
    statementMinor(outSum, 'expense total') !== t.expense
  ) {
    throw new JuheError('statement_invalid', "WeChat Pay's fund-flow bill rows disagree with its summary");
  }
  return {
    gross: t.gross,
    refunds: t.refunds,
    fees: t.fees,
    income: t.income,
    expense: t.expense,
    net: t.income - t.expense,
  };
}
