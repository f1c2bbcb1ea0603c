import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { JuheError } from '../../domain/errors.js';
import type { Statement, StatementContext, StatementRow } from '../_kit/statement.js';
import { shanghaiTime, spool, type Spooled, statementMinor, trackedLines } from '../_kit/statement-spool.js';
import { wechatpayFundFlow } from './fundflow.js';
import { clientFor, type Merchant, merchantFor } from './client.js';
import { authorizationHeader, lines, nonce, rsaSign, wallSeconds } from './protocol.js';

/** Codes WeChat answers while a day's bill does not exist yet (before ~10:00 the next day). */
const NOT_READY = new Set(['STATEMENT_CREATING', 'NO_STATEMENT_EXIST']);

/**
 * The day's trade bill (`GET /v3/bill/tradebill`, bill_type ALL, tar_type GZIP), through
 * the official client so the answer's signature is verified; then the file from its
 * download_url, signed like any v3 call, gunzipped to a temporary file whose SHA1 must be
 * the announced hash_value. Rows are parsed from that copy, line by line.
 */
export async function wechatpayStatement(ctx: StatementContext): Promise<Statement> {
  const m = merchantFor(ctx.config);
  const file = await fetchBill(m, 'tradebill', { bill_date: ctx.date, bill_type: 'ALL', tar_type: 'GZIP' });
  let fraction = () => 0;
  return {
    id: `wechatpay:tradebill:${ctx.date}:${file.sha1}`,
    rows: () => {
      const read = trackedLines(file);
      fraction = read.fraction;
      return tradeBillRows(read.lines);
    },
    progress: () => fraction(),
    settlement: () => wechatpayFundFlow(m, ctx.date),
    dispose: file.dispose,
  };
}

/**
 * Asks for a bill (`v3/bill/tradebill` or `v3/bill/fundflowbill`) through the official
 * client, so the answer's signature is verified; downloads it from its download_url and
 * gunzips it to a temporary file whose SHA1 must be the announced hash_value.
 */
export async function fetchBill(
  m: Merchant,
  kind: 'tradebill' | 'fundflowbill',
  params: Record<string, string>,
): Promise<Spooled> {
  let announced: { hash_type?: string; hash_value?: string; download_url?: string };
  try {
    const answer = await clientFor(m).chain(`v3/bill/${kind}`).get({ params });
    announced = answer.data ?? {};
  } catch (error) {
    const code = codeOf(error);
    if (code && NOT_READY.has(code)) {
      throw new JuheError(
        'statement_not_ready',
        `WeChat Pay has no ${kind} for ${params.bill_date} yet (${code})`,
      );
    }
    throw new JuheError(
      'channel_error',
      `WeChat Pay refused the ${kind} request: ${code ?? (error as Error).message}`,
    );
  }
  if (announced.hash_type !== 'SHA1' || !announced.hash_value || !announced.download_url) {
    throw new JuheError(
      'statement_invalid',
      `WeChat Pay announced a ${kind} without download_url or SHA1 hash`,
    );
  }
  const response = await download(m, announced.download_url);
  const file = await spool(Readable.fromWeb(response as never), createGunzip());
  if (file.sha1 !== announced.hash_value.toLowerCase()) {
    await file.dispose();
    throw new JuheError(
      'statement_invalid',
      `WeChat Pay's ${kind} of ${params.bill_date} does not match its SHA1 hash`,
    );
  }
  return file;
}

export async function download(m: Merchant, url: string): Promise<ReadableStream<Uint8Array>> {
  const target = new URL(url);
  const timestamp = String(wallSeconds());
  const nonceStr = nonce(32);
  const signature = rsaSign(
    lines('GET', target.pathname + target.search, timestamp, nonceStr, ''),
    m.privateKeyPem,
  );
  const response = await fetch(target, {
    headers: {
      Accept: '*/*',
      Authorization: authorizationHeader({
        mchid: m.mchid,
        serial_no: m.serialNo,
        timestamp,
        nonce_str: nonceStr,
        signature,
      }),
    },
    signal: AbortSignal.timeout(Math.max(m.timeoutMs, 60_000)),
  });
  if (response.status !== 200 || !response.body) {
    throw new JuheError('channel_error', `WeChat Pay's bill download answered HTTP ${response.status}`);
  }
  return response.body;
}

/**
 * Parses the bill's lines: the header names the columns (found by name, not position), each
 * data field starts with a backtick, and the summary row after `总交易单数` must agree with
 * the rows read (a truncated or padded file is refused at its end).
 */
export async function* tradeBillRows(source: AsyncIterable<string>): AsyncGenerator<StatementRow> {
  let col: Record<string, number> | undefined;
  // The needed columns' positions, found once by name from the header.
  let ix = { time: 0, txn: 0, sn: 0, state: 0, settle: 0, refund: 0, refundNo: 0, fee: 0 };
  let inSummary = false;
  let summary: string[] | undefined;
  let count = 0;
  let refunds = 0;
  let fees = 0;
  const field = (f: string[], i: number) => {
    const v = f[i] ?? '';
    return v.charCodeAt(0) === 96 ? v.slice(1) : v; // 96: the backtick
  };
  for await (const raw of source) {
    const line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') continue;
    if (!col) {
      col = Object.fromEntries(line.split(',').map((name, i) => [name.trim(), i]));
      for (const need of [
        '交易时间',
        '微信订单号',
        '商户订单号',
        '交易状态',
        '应结订单金额',
        '退款金额',
        '手续费',
      ]) {
        if (!(need in col))
          throw new JuheError('statement_invalid', `WeChat Pay's bill has no column ${need}`);
      }
      ix = {
        time: col['交易时间'], txn: col['微信订单号'], sn: col['商户订单号'], state: col['交易状态'],
        settle: col['应结订单金额'], refund: col['退款金额'], refundNo: col['商户退款单号'] ?? -1, fee: col['手续费'],
      }; // prettier-ignore
      continue;
    }
    if (line.startsWith('总交易单数')) {
      inSummary = true;
      continue;
    }
    const f = line.split(',');
    if (inSummary) {
      summary = f.map((v) => v.replace(/^`/, ''));
      continue;
    }
    const state = field(f, ix.state);
    const fee = statementMinor(field(f, ix.fee), 'fee', true);
    count += 1;
    fees += fee;
    if (state === 'REFUND') {
      const amount = statementMinor(field(f, ix.refund), 'refund amount');
      refunds += amount;
      yield {
        kind: 'refund',
        outTradeNo: field(f, ix.sn),
        transactionNo: field(f, ix.txn),
        outRefundNo: field(f, ix.refundNo),
        amount,
        fee,
        at: shanghaiTime(field(f, ix.time)),
      };
    } else {
      yield {
        kind: 'payment',
        outTradeNo: field(f, ix.sn),
        transactionNo: field(f, ix.txn),
        amount: statementMinor(field(f, ix.settle), 'amount'),
        fee,
        at: shanghaiTime(field(f, ix.time)),
      };
    }
  }
  if (!summary) throw new JuheError('statement_invalid', "WeChat Pay's bill ends without its summary rows");
  const [total, , refundTotal, , feeTotal] = summary;
  if (
    Number(total) !== count ||
    statementMinor(refundTotal, 'refund total') !== refunds ||
    statementMinor(feeTotal, 'fee total', true) !== fees
  ) {
    throw new JuheError('statement_invalid', "WeChat Pay's bill rows disagree with its summary");
  }
}

function codeOf(error: unknown): string | undefined {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  let body: unknown = data;
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
