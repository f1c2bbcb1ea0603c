import { randomInt } from 'node:crypto';
import { strToU8, zipSync, zlibSync } from 'fflate';
import { chinaDate, chinaDayRange, chinaStamp } from '../../domain/china-time.js';
import { feeAt, StatementFaults, takeSpoilers } from '../_kit/statement-faults.js';
import type { AcpFields } from './acp.js';
import { RESP, refuse } from './codec.js';
import type { UnionpayParts } from './parts.js';
import { settledBetween } from './repository.js';

/**
 * The ZM file's columns (《全渠道平台接入接口规范 第3部分 文件接口》 6.1, the widths the ACP
 * SDK's parseZMFile reads): fixed width, one space between fields, one transaction a line.
 * The fields this simulator fills are named; the rest are written blank.
 */
export const ZM_WIDTHS = [
  3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13,
  13, 8, 32, 13, 13, 12, 2, 1, 32, 98,
]; // prettier-ignore
export const ZM = {
  tradeCode: 0, acqInsCode: 1, sendInsCode: 2, traceNo: 3, txnTime: 4, pan: 5, txnAmt: 6, merCatCode: 7,
  termType: 8, queryId: 9, orderId: 11, cardType: 12, origTraceNo: 13, origTxnTime: 14, fee: 15,
  settleAmt: 16, txnType: 19, txnSubType: 20, bizType: 21, origQryId: 26, merId: 27,
}; // prettier-ignore

/** One line of the day's file: a consume paid (S22) or a refund settled (S30). */
export interface ZmLine {
  txnType: '01' | '04';
  orderId: string;
  queryId: string;
  origQryId?: string;
  /** MMDDhhmmss, China time, of the transaction's completion. */
  txnTime: string;
  origTxnTime?: string;
  amount: number;
  /** Fen; a consume's fee is charged (D), a refund's handed back (C). */
  fee: number;
  merId: string;
}

const money = (sign: 'C' | 'D', fen: number) => sign + String(fen).padStart(12, '0');

/** Renders one line at the ZM widths; a value longer than its column is cut (as a fixed-width writer must). */
export function zmLine(l: ZmLine): string {
  const f: string[] = ZM_WIDTHS.map(() => '');
  const consume = l.txnType === '01';
  f[ZM.tradeCode] = consume ? 'S22' : 'S30';
  f[ZM.acqInsCode] = '00010000';
  f[ZM.sendInsCode] = '00010000';
  f[ZM.traceNo] = String(randomInt(0, 1e6)).padStart(6, '0');
  f[ZM.txnTime] = l.txnTime;
  f[ZM.pan] = '621483******1234';
  f[ZM.txnAmt] = String(l.amount).padStart(12, '0');
  f[ZM.merCatCode] = '5311';
  f[ZM.termType] = '07';
  f[ZM.queryId] = l.queryId;
  f[ZM.orderId] = l.orderId;
  f[ZM.cardType] = '01';
  f[ZM.origTxnTime] = l.origTxnTime ?? '';
  f[ZM.fee] = money(consume ? 'D' : 'C', Math.abs(l.fee));
  f[ZM.settleAmt] = money(consume ? 'C' : 'D', l.amount - Math.abs(l.fee));
  f[ZM.txnType] = l.txnType;
  f[ZM.txnSubType] = consume ? '01' : '00';
  f[ZM.bizType] = '000201';
  f[ZM.origQryId] = l.origQryId ?? '';
  f[ZM.merId] = l.merId;
  return f.map((v, i) => v.slice(0, ZM_WIDTHS[i]).padEnd(ZM_WIDTHS[i], ' ')).join(' ');
}

/** What the simulator handle offers about its statements. */
export interface UnionpayBills {
  faults: StatementFaults;
  setFeeRate(ppm: number): void;
  /** Answers a file download request (txnType 76) already authenticated. */
  download(req: AcpFields): Promise<AcpFields>;
}

/** The China calendar day MMDD names: this year's, or last year's when that is still to come. */
export function dayOfSettleDate(settleDate: string, now: Date): string | undefined {
  if (!/^\d{4}$/.test(settleDate)) return undefined;
  const today = chinaDate(now);
  let year = Number(today.slice(0, 4));
  const day = (y: number) => `${y}-${settleDate.slice(0, 2)}-${settleDate.slice(2)}`;
  if (day(year) > today) year -= 1;
  return chinaDayRange(day(year)) ? day(year) : undefined;
}

/**
 * ACP file download (txnType 76, txnSubType 01, bizType 000000, fileType 00, settleDate
 * MMDD): the day's files as a zip, DEFLATE-compressed (zlib, what the SDK's Inflater reads)
 * and base64 in `fileContent`, named by `fileName`, in an answer signed like any other.
 * The ZM file lists the merchant's consumes paid and refunds settled that day, with the fee
 * at the configured rate. Before the day is over there is no file: respCode 98.
 */
export function unionpayBills(p: UnionpayParts, feeRatePpm = 5000): UnionpayBills {
  const faults = new StatementFaults();
  let ppm = feeRatePpm;
  const download = async (req: AcpFields): Promise<AcpFields> => {
    if (req.txnSubType !== '01' || req.bizType !== '000000') refuse(RESP.format);
    if (!req.settleDate || !req.fileType) refuse(RESP.missing);
    if (req.fileType !== '00') refuse(RESP.format);
    const now = p.ctx.clock.now();
    const date = dayOfSettleDate(req.settleDate, now);
    if (!date) refuse(RESP.format);
    const { start, end } = chinaDayRange(date!)!;
    if (now.getTime() < end.getTime() || faults.takeFor(date!, 'not_ready')) refuse(RESP.noFile);
    const spoil = takeSpoilers(faults, date!);
    const found = await settledBetween(p.ctx.db, p.keys.merId, start, end);
    let lines = found.map((t) => {
      const amount = Number(t.txn_amt);
      const fee = feeAt(amount, ppm);
      return zmLine({
        txnType: t.txn_type as '01' | '04',
        orderId: t.order_id,
        queryId: t.query_id ?? '',
        origQryId: t.orig_qry_id ?? undefined,
        txnTime: chinaStamp(new Date(t.paid_at!)).slice(4),
        origTxnTime: t.orig_txn_time ? t.orig_txn_time.slice(4) : undefined,
        amount,
        fee: t.txn_type === '01' ? fee : -fee,
        merId: p.keys.merId,
      });
    });
    if (spoil.missingRow) lines = lines.slice(1);
    if (spoil.extraRow) {
      lines.push(
        zmLine({
          txnType: '01',
          orderId: `STRANGER${randomInt(1e7, 1e8)}`,
          queryId: chinaStamp(start).slice(0, 14) + '8888888',
          txnTime: chinaStamp(new Date(start.getTime() + 3_600_000)).slice(4),
          amount: 888,
          fee: feeAt(888, ppm),
          merId: p.keys.merId,
        }),
      );
    }
    const compact = date!.replace(/-/g, '');
    const zm = `INN${compact.slice(2)}88ZM_${p.keys.merId}`;
    const text = lines.map((l) => l + '\r\n').join('');
    const zip = zipSync({ [zm]: strToU8(text) });
    let content = Buffer.from(zlibSync(zip)).toString('base64');
    if (spoil.corrupt) content = content.slice(0, Math.max(4, Math.floor(content.length / 2)));
    return {
      respCode: RESP.ok[0],
      respMsg: RESP.ok[1],
      settleDate: req.settleDate,
      fileType: '00',
      fileName: `${p.keys.merId}_${compact}.zip`,
      fileContent: content,
      // wrong_hash: the answer's signature covers another file (ACP carries no separate hash).
      ...(spoil.wrongHash ? { tamperedWith: '1' } : {}),
    };
  };
  return { faults, setFeeRate: (next) => void (ppm = next), download };
}
