import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { chinaStamp } from '../../domain/china-time.js';
import {
  decimalOf,
  isStatementDate,
  shanghaiDateTime,
  shanghaiDay,
  takeSpoilers,
} from '../_kit/statement-faults.js';
import type { TradeBillRow, WechatBills } from './bills.js';
import type { V3 } from './routes.js';

/** The v3 fund-flow bill's columns, in WeChat's order. */
export const FUNDFLOW_COLUMNS = [
  '记账时间', '微信支付业务单号', '资金流水单号', '业务名称', '业务类型', '收支类型', '收支金额（元）',
  '账户结余（元）', '资金变更提交申请人', '备注', '业务凭证号',
]; // prettier-ignore
export const FUNDFLOW_SUMMARY_COLUMNS = ['资金流水总笔数', '收入笔数', '收入金额', '支出笔数', '支出金额'];

/** One movement of the basic account: money in (收入) or out (支出), in fen. */
export interface FundMovement {
  time: Date;
  transactionId: string;
  /** 交易 (a payment credited), 退款 (a refund debited), 扣除交易手续费 / 退还交易手续费 (the fee). */
  business: '交易' | '退款' | '扣除交易手续费' | '退还交易手续费';
  income: boolean;
  amount: number;
  voucher: string;
}

/**
 * The basic account's movements behind a day's trade bill: each payment credited, its fee
 * debited; each refund debited, the fee on it handed back. (The sandbox settles fees per
 * trade in the basic account; OPERATION and FEES accounts have no movements.)
 */
export function movementsOf(rows: TradeBillRow[]): FundMovement[] {
  const out: FundMovement[] = [];
  for (const r of rows) {
    const base = { time: r.time, transactionId: r.transactionId };
    if (r.state === 'SUCCESS') {
      out.push({ ...base, business: '交易', income: true, amount: r.total, voucher: r.outTradeNo });
      if (r.fee > 0)
        out.push({
          ...base,
          business: '扣除交易手续费',
          income: false,
          amount: r.fee,
          voucher: r.outTradeNo,
        });
    } else {
      out.push({ ...base, business: '退款', income: false, amount: r.refund!, voucher: r.outRefundNo! });
      if (r.fee < 0) {
        out.push({
          ...base,
          business: '退还交易手续费',
          income: true,
          amount: -r.fee,
          voucher: r.outRefundNo!,
        });
      }
    }
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * The fund-flow bill's text: the header, every field backtick-prefixed, a running balance
 * (the sandbox's basic account is swept to the bank each night, so a day opens at 0.00),
 * then the summary header and its row (count, income count and sum, expense count and sum).
 */
export function* fundFlowLines(movements: Iterable<FundMovement>): Generator<string> {
  yield FUNDFLOW_COLUMNS.join(',');
  let balance = 0;
  const sum = { count: 0, inCount: 0, inSum: 0, outCount: 0, outSum: 0 };
  for (const m of movements) {
    balance += m.income ? m.amount : -m.amount;
    sum.count += 1;
    if (m.income) [sum.inCount, sum.inSum] = [sum.inCount + 1, sum.inSum + m.amount];
    else [sum.outCount, sum.outSum] = [sum.outCount + 1, sum.outSum + m.amount];
    const flowNo = `${chinaStamp(m.time)}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
    const fields = [
      shanghaiDateTime(m.time), m.transactionId, flowNo, m.business, m.business, m.income ? '收入' : '支出',
      decimalOf(m.amount), decimalOf(balance), 'system', '', m.voucher,
    ]; // prettier-ignore
    yield fields.map((f) => '`' + f).join(',');
  }
  yield FUNDFLOW_SUMMARY_COLUMNS.join(',');
  yield [sum.count, sum.inCount, decimalOf(sum.inSum), sum.outCount, decimalOf(sum.outSum)]
    .map((f) => '`' + f)
    .join(',');
}

/**
 * `GET /v3/bill/fundflowbill?bill_date=D&account_type=BASIC|OPERATION|FEES&tar_type=GZIP`:
 * like the trade bill, a download_url and the SHA1 of the text, once the day is over; the
 * statement faults are its own (`bills.fundFlowFaults`).
 */
export function fundFlowRoute(
  app: FastifyInstance,
  basePath: string,
  v3: V3,
  bills: WechatBills,
  now: () => Date,
): void {
  const fail = (code: string, message: string) => ({ status: 400, body: { code, message } });
  app.get(
    `${basePath}/v3/bill/fundflowbill`,
    v3(async ({ query }) => {
      if (!isStatementDate(query?.bill_date)) return fail('PARAM_ERROR', '参数bill_date不合法');
      const account = query.account_type ?? 'BASIC';
      if (!['BASIC', 'OPERATION', 'FEES'].includes(account))
        return fail('PARAM_ERROR', '参数account_type不合法');
      if (query.tar_type !== undefined && query.tar_type !== 'GZIP')
        return fail('PARAM_ERROR', '参数tar_type不合法');
      const { start, end } = shanghaiDay(query.bill_date);
      if (now().getTime() < end.getTime() || bills.fundFlowFaults.take('not_ready')) {
        return fail('STATEMENT_CREATING', '账单生成中，请稍后再试');
      }
      const spoil = takeSpoilers(bills.fundFlowFaults);
      const strangers = bills.takeStrangers(query.bill_date);
      let movements =
        account === 'BASIC' ? movementsOf([...(await bills.dayRows(query.bill_date)), ...strangers]) : [];
      if (spoil.missingRow) movements = movements.slice(1);
      if (spoil.extraRow) {
        movements.push({
          time: new Date(start.getTime() + 3_600_000),
          transactionId: '4200000000000000000000000000',
          business: '交易',
          income: true,
          amount: 888,
          voucher: 'STRANGER',
        });
      }
      const text = Buffer.from([...fundFlowLines(movements)].join('\r\n') + '\r\n', 'utf8');
      return { status: 200, body: bills.offer(text, query.tar_type === 'GZIP', spoil) };
    }),
  );
}
