import { Readable } from 'node:stream';
import { unzipSync, unzlibSync } from 'fflate';
import { chinaDayRange } from '../../domain/china-time.js';
import { JuheError } from '../../domain/errors.js';
import type { Statement, StatementContext, StatementRow } from '../_kit/statement.js';
import { fileLines, spool } from '../_kit/statement-spool.js';
import { NoAnswer, merchantFor, postAcp } from './client.js';
import { refundIdOf } from './connector.js';
import { ACP_VERSION, type AcpFields, beijingStamp, signRequest, verifyFromUnionpay } from './protocol.js';

/**
 * The ZM file's column widths (《全渠道平台接入接口规范 第3部分 文件接口》 6.1, as the ACP SDK's
 * parseZMFile reads them): fixed width, one space between columns.
 */
const WIDTHS = [
  3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13,
  13, 8, 32, 13, 13, 12, 2, 1, 32, 98,
]; // prettier-ignore
const COL = { txnTime: 4, txnAmt: 6, queryId: 9, orderId: 11, fee: 15, txnType: 19, origQryId: 26 };
const STARTS = WIDTHS.map((_, i) => WIDTHS.slice(0, i).reduce((a, w) => a + w + 1, 0));

/** Answer codes for "no file for that day (yet)": 98 文件不存在, 34 查无此交易 (seen for days with no file). */
const NOT_READY = new Set(['98', '34']);

/**
 * The day's settlement file through ACP's file download transaction (txnType 76, txnSubType
 * 01, bizType 000000, fileType 00, settleDate MMDD), signed as every ACP request and
 * answered signed: `fileContent` is base64 of the DEFLATE (zlib) of a zip whose `...ZM_<merId>`
 * entry lists the day's consumes and refunds, one fixed-width line each, with UnionPay's fee.
 * The answer's signature covers the file, so a file changed on the way is refused.
 */
export async function unionpayStatement(ctx: StatementContext): Promise<Statement> {
  const config = ctx.config;
  const m = merchantFor(config, config?.livemode ?? false, '', 'unionpay');
  const day = chinaDayRange(ctx.date);
  if (!day) throw new JuheError('invalid_parameter', `No such day ${ctx.date}`, 'date');
  const request = signRequest(
    {
      version: ACP_VERSION,
      encoding: 'UTF-8',
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      accessType: '0',
      merId: m.merId,
      settleDate: ctx.date.slice(5, 7) + ctx.date.slice(8, 10),
      txnTime: beijingStamp(ctx.clock.now()),
      fileType: '00',
    },
    m.certId,
    m.privateKeyPem,
  );
  let answer: AcpFields;
  try {
    answer = await postAcp(
      { ...m, baseUrl: m.fileUrl, timeoutMs: Math.max(m.timeoutMs, 60_000) },
      '',
      request,
    );
  } catch (error) {
    if (!(error instanceof NoAnswer)) throw error;
    throw new JuheError('channel_error', `UnionPay's file download did not answer: ${error.message}`);
  }
  const verified = verifyFromUnionpay(answer, m.trust, ctx.clock.now());
  if (!verified.ok) {
    throw new JuheError(
      'statement_invalid',
      `UnionPay's file download answer fails its signature: ${verified.reason}`,
    );
  }
  if (NOT_READY.has(answer.respCode)) {
    throw new JuheError(
      'statement_not_ready',
      `UnionPay has no file for ${ctx.date} yet (${answer.respCode})`,
    );
  }
  if (answer.respCode !== '00') {
    throw new JuheError(
      'channel_error',
      `UnionPay refused the file download: ${answer.respCode} ${answer.respMsg ?? ''}`,
    );
  }
  let zm: Uint8Array;
  try {
    const entries = unzipSync(unzlibSync(Buffer.from(answer.fileContent ?? '', 'base64')));
    const name = Object.keys(entries).find((n) => /ZM_/.test(n) && !/ZME_/.test(n));
    if (!name) throw new Error('the zip holds no ZM file');
    zm = entries[name];
  } catch (error) {
    throw new JuheError(
      'statement_invalid',
      `UnionPay's file of ${ctx.date} could not be read: ${(error as Error).message}`,
    );
  }
  const file = await spool(Readable.from([Buffer.from(zm)]));
  return {
    id: `unionpay:zm:${ctx.date}:${file.sha1}`,
    rows: () => zmRows(fileLines(file.path), ctx.date),
    dispose: file.dispose,
  };
}

/** Parses ZM lines: 01 consumes are payments, 04 refunds; fee D is charged, C handed back. */
export async function* zmRows(source: AsyncIterable<string>, date: string): AsyncGenerator<StatementRow> {
  const width = STARTS[WIDTHS.length - 1] + WIDTHS[WIDTHS.length - 1];
  for await (const line of source) {
    if (line.trim() === '') continue;
    // The last column is reserved padding; a writer may trim it.
    if (line.length < STARTS[COL.origQryId] + WIDTHS[COL.origQryId] || line.length > width) {
      throw new JuheError(
        'statement_invalid',
        `UnionPay's ZM line has ${line.length} characters, not ${width}`,
      );
    }
    const at = (col: number) => line.slice(STARTS[col], STARTS[col] + WIDTHS[col]).trim();
    const amount = /^\d{12}$/.test(at(COL.txnAmt)) ? Number(at(COL.txnAmt)) : NaN;
    const feeText = /^([CD])(\d{12})$/.exec(at(COL.fee));
    const time = /^\d{10}$/.test(at(COL.txnTime)) ? at(COL.txnTime) : '';
    if (!Number.isSafeInteger(amount) || !feeText || !time) {
      throw new JuheError('statement_invalid', `UnionPay's ZM line is unreadable: ${line.slice(0, 80)}`);
    }
    const fee = (feeText[1] === 'D' ? 1 : -1) * Number(feeText[2]);
    const when = new Date(
      `${date.slice(0, 4)}-${time.slice(0, 2)}-${time.slice(2, 4)}T${time.slice(4, 6)}:${time.slice(6, 8)}:${time.slice(8, 10)}+08:00`,
    );
    const orderId = at(COL.orderId);
    const txnType = at(COL.txnType);
    if (txnType === '01') {
      yield { kind: 'payment', outTradeNo: orderId, transactionNo: at(COL.queryId), amount, fee, at: when };
    } else if (txnType === '04') {
      yield {
        kind: 'refund',
        outTradeNo: at(COL.origQryId),
        transactionNo: at(COL.queryId),
        outRefundNo: refundIdOf(orderId) ?? orderId,
        amount,
        fee,
        at: when,
      };
    }
  }
}
