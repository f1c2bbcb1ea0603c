import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { chinaDayRange } from '../../domain/china-time.js';
import { JuheError } from '../../domain/errors.js';
import type { Statement, StatementContext, StatementRow } from '../_kit/statement.js';
import { fileLines } from '../_kit/statement-spool.js';
import { paypalApi, paypalMerchantFor, type PaypalResponse } from './client.js';
import { parsePaypalAmount } from './protocol.js';

/** PayPal's page size limit for Transaction Search. */
const PAGE_SIZE = 500;
/** Transaction statuses that moved money: success, partially refunded, reversed (refunded since). */
const SETTLED = new Set(['S', 'F', 'V']);
const NOT_AVAILABLE = /not available/i;

/**
 * The day's PayPal transactions (`GET /v1/reporting/transactions`, Transaction Search) for
 * the Asia/Shanghai day: every page of start_date..end_date with fields=all. PayPal lists a
 * transaction only hours after it happened: until `last_refreshed_datetime` reaches the
 * day's end (or while PayPal answers "Data for the given start date is not available") the
 * statement is not ready. Captures (T00xx) are payments named by their invoice_id (the
 * charge's order_sn); refunds (T1107) are named by their custom_field (the refund id).
 * Amounts are parsed from PayPal's decimal strings in the currency's minor unit; a fee
 * PayPal takes is negative in fee_amount (positive in the row), one handed back positive.
 * Rows are written to a temporary file as they arrive and read back one at a time.
 */
export async function paypalStatement(ctx: StatementContext): Promise<Statement> {
  const m = paypalMerchantFor(ctx.config);
  const range = chinaDayRange(ctx.date);
  if (!range) throw new JuheError('invalid_parameter', `Not a day: ${ctx.date}`, 'date');
  const path = join(tmpdir(), `juhe-statement-${randomBytes(8).toString('hex')}`);
  const out = createWriteStream(path);
  const hash = createHash('sha1');
  const dispose = () => rm(path, { force: true });
  try {
    let page = 1;
    let pages = 1;
    do {
      const body = await fetchPage(m, range, page);
      if (
        typeof body.last_refreshed_datetime !== 'string' ||
        new Date(body.last_refreshed_datetime) < range.end
      ) {
        throw new JuheError('statement_not_ready', `PayPal has not listed all of ${ctx.date} yet`);
      }
      if (!Array.isArray(body.transaction_details) || !Number.isSafeInteger(body.total_pages)) {
        throw new JuheError('statement_invalid', 'PayPal answered Transaction Search without its pages');
      }
      pages = body.total_pages;
      for (const detail of body.transaction_details) {
        const row = rowOf(detail?.transaction_info);
        if (!row) continue;
        const line = JSON.stringify(row);
        hash.update(line);
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      }
      page += 1;
    } while (page <= pages);
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await dispose();
    throw error;
  }
  return {
    id: `paypal:transactions:${ctx.date}:${hash.digest('hex')}`,
    rows: () => readRows(path),
    dispose,
  };
}

async function fetchPage(
  m: ReturnType<typeof paypalMerchantFor>,
  range: { start: Date; end: Date },
  page: number,
): Promise<any> {
  const query = new URLSearchParams({
    start_date: range.start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    end_date: range.end.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    fields: 'all',
    page: String(page),
    page_size: String(PAGE_SIZE),
  });
  let answer: PaypalResponse;
  try {
    answer = await paypalApi(m, 'GET', `/v1/reporting/transactions?${query}`);
  } catch (error) {
    throw new JuheError('channel_error', `PayPal Transaction Search failed: ${(error as Error).message}`);
  }
  if (answer.status === 400 && NOT_AVAILABLE.test(String(answer.json?.message ?? ''))) {
    throw new JuheError('statement_not_ready', `PayPal: ${answer.json.message}`);
  }
  if (answer.status !== 200) {
    throw new JuheError('channel_error', `PayPal Transaction Search answered HTTP ${answer.status}`);
  }
  if (!answer.json || typeof answer.json !== 'object') {
    throw new JuheError('statement_invalid', 'PayPal Transaction Search answered a page that is not JSON');
  }
  return answer.json;
}

/** A signed `{currency_code, value}` in minor units; statement_invalid when unreadable. */
function minorOf(money: any, what: string): number {
  const value = String(money?.value ?? '');
  const negative = value.startsWith('-');
  const parsed = parsePaypalAmount(negative ? value.slice(1) : value, String(money?.currency_code ?? ''));
  if (!parsed.ok) throw new JuheError('statement_invalid', `PayPal listed an unreadable ${what}: "${value}"`);
  return negative ? -parsed.minor : parsed.minor;
}

/** One listed transaction as a statement row; undefined for what moved no money or is not ours to match. */
export function rowOf(info: any): StatementRow | undefined {
  if (!info || typeof info !== 'object')
    throw new JuheError('statement_invalid', 'PayPal listed a transaction without transaction_info');
  if (!SETTLED.has(info.transaction_status)) return undefined;
  const code = String(info.transaction_event_code ?? '');
  const at = new Date(String(info.transaction_initiation_date ?? ''));
  if (Number.isNaN(at.getTime()))
    throw new JuheError('statement_invalid', 'PayPal listed a transaction without its date');
  const amount = minorOf(info.transaction_amount, 'transaction_amount');
  const fee = info.fee_amount ? -minorOf(info.fee_amount, 'fee_amount') : 0;
  if (code === 'T1107') {
    return {
      kind: 'refund',
      outTradeNo: String(info.invoice_id ?? ''),
      transactionNo: String(info.transaction_id ?? ''),
      outRefundNo: String(info.custom_field ?? ''),
      amount: -amount,
      fee,
      at,
    };
  }
  if (!code.startsWith('T00')) return undefined;
  return {
    kind: 'payment',
    outTradeNo: String(info.invoice_id ?? ''),
    transactionNo: String(info.transaction_id ?? ''),
    amount,
    fee,
    at,
  };
}

async function* readRows(path: string): AsyncGenerator<StatementRow> {
  for await (const line of fileLines(path)) {
    if (line === '') continue;
    const row = JSON.parse(line) as StatementRow & { at: string };
    yield { ...row, at: new Date(row.at) };
  }
}
