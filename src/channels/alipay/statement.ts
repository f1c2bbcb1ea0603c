import { createReadStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { Unzip, UnzipInflate } from 'fflate';
import iconv from 'iconv-lite';
import type { ConnectorContext } from '../_kit/connector.js';
import { JuheError } from '../../domain/errors.js';
import type { Statement, StatementContext, StatementRow } from '../_kit/statement.js';
import { shanghaiTime, spool, type Spooled, statementMinor } from '../_kit/statement-spool.js';
import { resolveAlipayApp } from './connector.js';

const METHOD = 'alipay.data.dataservice.bill.downloadurl.query';

/**
 * The day's trade bill (业务明细): `alipay.data.dataservice.bill.downloadurl.query` through
 * the official alipay-sdk (its answer's signature verified), then the zip behind
 * bill_download_url, spooled to a temporary file; its 业务明细 CSV (GBK) is inflated and
 * decoded to a second one, and rows are read from that copy, line by line, the summary
 * lines checked against them at the end. out_trade_no is the charge id (the connector's).
 */
export async function alipayStatement(ctx: StatementContext): Promise<Statement> {
  const app = resolveAlipayApp({ config: ctx.config, publicUrl: '' } as ConnectorContext);
  let answer: Record<string, unknown>;
  try {
    answer = await app.sdk.exec(
      METHOD,
      { bizContent: { bill_type: 'trade', bill_date: ctx.date } },
      { validateSign: true },
    );
  } catch (error) {
    throw new JuheError(
      'channel_error',
      `Alipay's bill query failed: ${(error as Error).message}`.slice(0, 500),
    );
  }
  if (answer.code !== '10000') {
    const subCode = String(answer.sub_code ?? answer.code);
    if (subCode === 'isp.bill_not_exist') {
      throw new JuheError('statement_not_ready', `Alipay has no bill for ${ctx.date} yet (${subCode})`);
    }
    throw new JuheError(
      'channel_error',
      `Alipay refused the bill query (${subCode}): ${String(answer.sub_msg ?? answer.msg ?? '')}`,
    );
  }
  if (typeof answer.bill_download_url !== 'string') {
    throw new JuheError('statement_invalid', 'Alipay answered the bill query without bill_download_url');
  }
  const response = await fetch(answer.bill_download_url, { signal: AbortSignal.timeout(60_000) });
  if (response.status !== 200 || !response.body) {
    throw new JuheError('channel_error', `Alipay's bill download answered HTTP ${response.status}`);
  }
  const zip = await spool(Readable.fromWeb(response.body as never));
  let detail: Spooled;
  try {
    detail = await spool(detailEntry(zip.path), iconv.decodeStream('gbk'));
  } finally {
    await zip.dispose();
  }
  return {
    id: `alipay:trade:${ctx.date}:${zip.sha1}`,
    outTradeNoIs: 'charge_id',
    rows: () => tradeBillRows(createReadStream(detail.path)),
    dispose: detail.dispose,
  };
}

/** The 业务明细 entry of the bill zip (not its 汇总), inflated as it streams; an error when absent or cut short. */
function detailEntry(zipPath: string): Readable {
  const out = new PassThrough();
  let found = false;
  let complete = false;
  const unzip = new Unzip((file) => {
    // Names are UTF-8 when flagged, else GBK bytes read as latin1: "汇总" is C2 BB D7 DC in GBK.
    const summary = file.name.includes('汇总') || file.name.includes('\u00c2\u00bb\u00d7\u00dc');
    if (found || summary || !file.name.toLowerCase().endsWith('.csv')) return;
    found = true;
    file.ondata = (err, chunk, final) => {
      if (err) return void out.destroy(err);
      out.write(chunk);
      if (final) {
        complete = true;
        out.end();
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  (async () => {
    for await (const chunk of createReadStream(zipPath)) unzip.push(chunk as Uint8Array);
    unzip.push(new Uint8Array(0), true);
    if (!complete) throw new Error('the bill zip holds no complete 业务明细 CSV');
  })().catch((error: Error) => out.destroy(error));
  return out;
}

const SUMMARY_TRADES = /^#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元/;
const SUMMARY_REFUNDS = /^#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元/;
const NEEDED = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '完成时间',
  '订单金额（元）',
  '商家实收（元）',
  '退款批次号/请求号',
  '服务费（元）',
];

/**
 * Parses the trade bill (UTF-8 by now): `#` comment lines around the column line, detail
 * lines (fields padded with tabs), the end marker and the two summary lines, whose counts
 * and sums of 商家实收 must agree with the lines read (a cut or padded file is refused at
 * its end). Payments are 交易 (their 订单金额), refunds 退款 (minus their 商家实收);
 * the fee is 服务费 turned around: Alipay writes a charged fee negative.
 */
export async function* tradeBillRows(source: NodeJS.ReadableStream): AsyncGenerator<StatementRow> {
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true }));
  let col: Record<string, number> | undefined;
  let ended = false;
  const seen = { trades: 0, received: 0, refunds: 0, refunded: 0 };
  let trades: [number, number] | undefined;
  let refunds: [number, number] | undefined;
  for await (const record of parser as AsyncIterable<string[]>) {
    const first = (record[0] ?? '').trim();
    if (first.startsWith('#')) {
      const line = record.join(',');
      if (line.includes('业务明细列表结束')) ended = true;
      const t = SUMMARY_TRADES.exec(line);
      if (t) trades = [Number(t[1]), statementMinor(t[2], 'trade total')];
      const r = SUMMARY_REFUNDS.exec(line);
      if (r) refunds = [Number(r[1]), statementMinor(r[2], 'refund total')];
      continue;
    }
    if (record.every((f) => f.trim() === '')) continue;
    if (!col) {
      col = Object.fromEntries(record.map((name, i) => [name.trim(), i]));
      for (const need of NEEDED) {
        if (!(need in col)) throw new JuheError('statement_invalid', `Alipay's bill has no column ${need}`);
      }
      continue;
    }
    if (ended) throw new JuheError('statement_invalid', "Alipay's bill has lines after its end marker");
    const at = (name: string) => (record[col![name]] ?? '').trim();
    const received = statementMinor(at('商家实收（元）'), '商家实收');
    const fee = -statementMinor(at('服务费（元）'), '服务费');
    const common = {
      outTradeNo: at('商户订单号'),
      transactionNo: at('支付宝交易号'),
      fee,
      at: shanghaiTime(at('完成时间')),
    };
    const type = at('业务类型');
    if (type === '交易') {
      seen.trades += 1;
      seen.received += received;
      yield { kind: 'payment', ...common, amount: statementMinor(at('订单金额（元）'), '订单金额') };
    } else if (type === '退款') {
      seen.refunds += 1;
      seen.refunded += received;
      yield { kind: 'refund', ...common, outRefundNo: at('退款批次号/请求号'), amount: Math.abs(received) };
    }
  }
  if (!ended || !trades || !refunds) {
    throw new JuheError('statement_invalid', "Alipay's bill ends without its end marker and summary lines");
  }
  if (
    trades[0] !== seen.trades ||
    trades[1] !== seen.received ||
    refunds[0] !== seen.refunds ||
    refunds[1] !== seen.refunded
  ) {
    throw new JuheError(
      'statement_invalid',
      "Alipay's bill lines disagree with its summary (交易合计/退款合计)",
    );
  }
}
