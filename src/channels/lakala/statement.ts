import { chinaDayRange } from '../../domain/china-time.js';
import { JuheError } from '../../domain/errors.js';
import type { BookEntry, Statement, StatementContext, StatementRow } from '../_kit/statement.js';
import { type CallOutcome, type Merchant, call, merchantFor } from './client.js';
import { CCSS_OK, LABS_OK, parseLakalaTime, paths } from './protocol.js';

/** Codes Lakala answers for an order or refund it does not have. */
const NOT_FOUND = new Set(['CSS00003', 'BBS11003']);

/**
 * Lakala's open platform documents no statement download, so its "statement" of a day is
 * built by query: every charge and refund the books created that day is asked about
 * upstream (ccss order query; labs idmrefundquery), and what Lakala says was paid or
 * refunded that day becomes a line. The core then classes these lines as it does a file's.
 * Limits: no fee (the queries carry none: fee 0), and a payment the books never saw cannot
 * be found (nothing to ask about). A query without a trustworthy answer fails the run.
 */
export async function lakalaStatement(ctx: StatementContext): Promise<Statement> {
  const books = ctx.books;
  if (!books) {
    throw new JuheError('channel_not_supported', 'Lakala has no statement file: it reconciles by query');
  }
  const m = merchantFor(ctx.config);
  const day = chinaDayRange(ctx.date);
  if (!day) throw new JuheError('invalid_parameter', `No such day ${ctx.date}`, 'date');
  // As with a file, a day is reconciled once it is over: until then its answers still move.
  if (ctx.clock.now().getTime() < day.end.getTime()) {
    throw new JuheError('statement_not_ready', `Lakala's day ${ctx.date} is not over yet`);
  }
  return {
    id: `lakala:query:${ctx.date}:${ctx.clock.now().getTime()}`,
    rows: () => queriedRows(m, books(), day, () => ctx.clock.now()),
    dispose: async () => undefined,
  };
}

async function* queriedRows(
  m: Merchant,
  books: AsyncIterable<BookEntry>,
  day: { start: Date; end: Date },
  now: () => Date,
): AsyncGenerator<StatementRow> {
  const within = (at: Date | undefined): at is Date =>
    !!at && at.getTime() >= day.start.getTime() && at.getTime() < day.end.getTime();
  for await (const entry of books) {
    if (entry.kind === 'payment') {
      const answer = trusted(
        await call(m, paths.query, { merchant_no: m.merchantNo, out_order_no: entry.outTradeNo }, now()),
        CCSS_OK,
      );
      if (!answer || !['2', '6'].includes(String(answer.order_status))) continue;
      const trades: Record<string, any>[] = Array.isArray(answer.order_trade_info_list)
        ? answer.order_trade_info_list
        : [];
      const pay = trades.find((t) => t.trade_type === 'PAY' && t.trade_status === 'S');
      const at = parseLakalaTime(pay?.trade_time);
      if (!pay || !within(at)) continue;
      yield {
        kind: 'payment',
        outTradeNo: entry.outTradeNo,
        transactionNo: String(pay.trade_no ?? ''),
        amount: amountOf(pay.trade_amount),
        fee: 0,
        at,
      };
    } else {
      const answer = trusted(
        await call(
          m,
          paths.refundQuery,
          { merchant_no: m.merchantNo, term_no: m.termNo, out_refund_order_no: entry.outRefundNo },
          now(),
        ),
        LABS_OK,
      );
      const at = parseLakalaTime(answer?.trade_time);
      if (!answer || answer.trade_state !== 'SUCCESS' || !within(at)) continue;
      yield {
        kind: 'refund',
        outTradeNo: entry.outTradeNo,
        outRefundNo: entry.outRefundNo,
        transactionNo: String(answer.trade_no ?? ''),
        amount: amountOf(answer.refund_amount),
        fee: 0,
        at,
      };
    }
  }
}

/** The answer's data when Lakala answered `ok`; undefined when it has no such trade; else the run fails. */
function trusted(outcome: CallOutcome, ok: string): Record<string, any> | undefined {
  if (outcome.kind === 'unknown') {
    throw new JuheError('channel_error', `A Lakala query had no trustworthy answer: ${outcome.reason}`);
  }
  if (NOT_FOUND.has(outcome.code)) return undefined;
  if (outcome.code !== ok)
    throw new JuheError('channel_error', `Lakala answered ${outcome.code}: ${outcome.msg}`);
  return outcome.data;
}

function amountOf(value: unknown): number {
  const text = String(value ?? '');
  if (!/^\d{1,15}$/.test(text))
    throw new JuheError('statement_invalid', `Lakala answered an amount "${text}"`);
  return Number(text);
}
