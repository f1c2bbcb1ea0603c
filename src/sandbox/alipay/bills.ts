import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { chinaDateTime, chinaDayRange } from '../../domain/china-time.js';
import { feeAt, takeSpoilers } from '../_kit/statement-faults.js';
import { type Biz, businessError, formatYuan, isvError, type Reply, reject, str, SUCCESS } from './codec.js';
import type { SandboxAlipayApp } from './keys.js';
import { refundsBetween, tradesPaidBetween } from './repository.js';
import type { AlipaySim } from './state.js';

/** The trade bill's (业务明细) columns, in Alipay's order. */
export const TRADE_BILL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员',
  '终端号', '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）',
  '商家优惠（元）', '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号',
  '服务费（元）', '分润（元）', '备注',
]; // prettier-ignore

/** The account bill's (账务明细, bill_type signcustomer) columns. */
export const ACCOUNT_BILL_COLUMNS = [
  '账务流水号', '业务流水号', '商户订单号', '商品名称', '发生时间', '对方账号', '收入金额（+元）', '支出金额（-元）',
  '账户余额（元）', '交易渠道', '业务类型', '备注',
]; // prettier-ignore

/** Alipay's rules around a list's title: 41 dashes before, 40 after the title, 36 after its end. */
const RULE = '-'.repeat(41);
const listStart = (title: string) => `#${RULE}${title}${'-'.repeat(40)}`;
const listEnd = (title: string) => `#${RULE}${title}结束${'-'.repeat(36)}`;

/** One line of a trade bill: a payment (交易) or a refund (退款), amounts in fen as Alipay signs them. */
export interface TradeBillLine {
  tradeNo: string;
  outTradeNo: string;
  type: '交易' | '退款';
  subject: string;
  createdAt: Date;
  finishedAt: Date;
  buyer: string;
  /** The trade's total. */
  orderAmount: number;
  /** 商家实收: the payment, or minus the refund. */
  received: number;
  /** out_request_no of a refund. */
  refundNo: string;
  /** 服务费: negative when charged, positive when handed back on a refund. */
  fee: number;
}

/** A bill's period: a China day (yyyy-MM-dd) or month (yyyy-MM). */
export interface BillPeriod {
  start: Date;
  end: Date;
  /** In file names: 20260301 or 202603. */
  compact: string;
}

export function billPeriod(billDate: unknown): BillPeriod | undefined {
  if (typeof billDate !== 'string') return undefined;
  const day = chinaDayRange(billDate);
  if (day) return { ...day, compact: billDate.replaceAll('-', '') };
  const m = /^(\d{4})-(\d{2})$/.exec(billDate);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
  const next =
    Number(m[2]) === 12 ? `${Number(m[1]) + 1}-01` : `${m[1]}-${String(Number(m[2]) + 1).padStart(2, '0')}`;
  return {
    start: chinaDayRange(`${billDate}-01`)!.start,
    end: chinaDayRange(`${next}-01`)!.start,
    compact: `${m[1]}${m[2]}`,
  };
}

/** "2026年03月01日 00:00:00", how Alipay dates its bill headers. */
const headerTime = (at: Date) => chinaDateTime(at).replace(/^(\d{4})-(\d{2})-(\d{2})/, '$1年$2月$3日');

/** A CSV field: quoted when it holds a comma, quote or line break (a subject may). */
const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

function header(title: string, account: string, period: BillPeriod, list: string): string[] {
  return [
    `#${title}`,
    `#账号：[${account}]`,
    `#起始日期：[${headerTime(period.start)}]   终止日期：[${headerTime(period.end)}]`,
    listStart(list),
  ];
}

/**
 * The trade bill's lines (业务明细): the header comments, the columns, one line per payment
 * and refund (numbers followed by a tab, as Alipay writes them so spreadsheets keep them
 * text), then the summary comments: counts and sums of 商家实收 for trades and refunds.
 */
export function* tradeBillLines(
  account: string,
  period: BillPeriod,
  lines: Iterable<TradeBillLine>,
  exportedAt: Date,
): Generator<string> {
  yield* header('支付宝业务明细查询', account, period, '业务明细列表');
  yield TRADE_BILL_COLUMNS.join(',');
  const sum = { trades: 0, received: 0, refunds: 0, refunded: 0 };
  for (const l of lines) {
    if (l.type === '交易') [sum.trades, sum.received] = [sum.trades + 1, sum.received + l.received];
    else [sum.refunds, sum.refunded] = [sum.refunds + 1, sum.refunded + l.received];
    yield [
      `${l.tradeNo}\t`, `${l.outTradeNo}\t`, `${l.type}\t`, field(l.subject), chinaDateTime(l.createdAt),
      chinaDateTime(l.finishedAt), '\t', '\t', '\t', '\t', `${field(l.buyer)}\t`, formatYuan(l.orderAmount),
      formatYuan(l.received), '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00\t', '0.00', `${l.refundNo}\t`,
      formatYuan(l.fee), '0.00', '',
    ].join(','); // prettier-ignore
  }
  yield listEnd('业务明细列表');
  yield `#交易合计：${sum.trades}笔，商家实收共${formatYuan(sum.received)}元，商家优惠共0.00元`;
  yield `#退款合计：${sum.refunds}笔，商家实收退款共${formatYuan(sum.refunded)}元，商家优惠退款共0.00元`;
  yield `#导出时间：[${headerTime(exportedAt)}]`;
}

/** The trade bill's summary file (业务明细(汇总)): one total line for the merchant's only store. */
function tradeSummaryLines(
  account: string,
  period: BillPeriod,
  lines: TradeBillLine[],
  exportedAt: Date,
): string[] {
  const trades = lines.filter((l) => l.type === '交易');
  const total = (of: TradeBillLine[], pick: (l: TradeBillLine) => number) =>
    of.reduce((s, l) => s + pick(l), 0);
  const received = total(lines, (l) => l.received);
  const fee = total(lines, (l) => l.fee);
  return [
    ...header('支付宝业务汇总查询', account, period, '业务汇总列表'),
    '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
    [
      '\t', '合计', trades.length, lines.length - trades.length, formatYuan(total(trades, (l) => l.orderAmount)),
      formatYuan(received), '0.00', '0.00', '0.00', formatYuan(fee), '0.00', formatYuan(received + fee),
    ].join(','), // prettier-ignore
    listEnd('业务汇总列表'),
    `#导出时间：[${headerTime(exportedAt)}]`,
  ];
}

/** The account bill (账务明细): each payment credited, its fee debited; each refund debited, its fee returned. */
function accountBillLines(
  account: string,
  period: BillPeriod,
  lines: TradeBillLine[],
  exportedAt: Date,
): string[] {
  const out = [
    ...header('支付宝账务明细查询', account, period, '账务明细列表'),
    ACCOUNT_BILL_COLUMNS.join(','),
  ];
  let balance = 0;
  let seq = 0;
  const sum = { in: 0, inCount: 0, out: 0, outCount: 0 };
  const entry = (l: TradeBillLine, amount: number, kind: string) => {
    balance += amount;
    if (amount >= 0) [sum.in, sum.inCount] = [sum.in + amount, sum.inCount + 1];
    else [sum.out, sum.outCount] = [sum.out + amount, sum.outCount + 1];
    seq += 1;
    out.push(
      [
        `${period.compact}${String(seq).padStart(10, '0')}\t`, `${l.tradeNo}\t`, `${l.outTradeNo}\t`, field(l.subject),
        chinaDateTime(l.finishedAt), `${field(l.buyer)}\t`, amount >= 0 ? formatYuan(amount) : '', amount < 0 ? formatYuan(amount) : '',
        formatYuan(balance), '支付宝', kind, l.refundNo,
      ].join(','), // prettier-ignore
    );
  };
  for (const l of lines) {
    entry(l, l.received, l.type === '交易' ? '在线支付' : '交易退款');
    if (l.fee !== 0) entry(l, l.fee, l.type === '交易' ? '收费' : '收费退回');
  }
  out.push(listEnd('账务明细列表'));
  out.push(`#支出合计：${sum.outCount}笔，共${formatYuan(sum.out)}元`);
  out.push(`#收入合计：${sum.inCount}笔，共${formatYuan(sum.in)}元`);
  out.push(`#导出时间：[${headerTime(exportedAt)}]`);
  return out;
}

/** The period's payments and refunds of an app, from the simulator's own tables. */
async function periodLines(sim: AlipaySim, appId: string, period: BillPeriod): Promise<TradeBillLine[]> {
  const ppm = sim.statements.feeRatePpm;
  const paid = await tradesPaidBetween(sim.ctx.db, appId, period.start, period.end);
  const refunded = await refundsBetween(sim.ctx.db, appId, period.start, period.end);
  const buyer = (logonId: string | null) => logonId ?? '';
  const lines: TradeBillLine[] = [
    ...paid.map((t) => ({
      tradeNo: t.tradeNo, outTradeNo: t.outTradeNo, type: '交易' as const, subject: t.subject, createdAt: t.createdAt,
      finishedAt: t.paidAt!, buyer: buyer(t.buyerLogonId), orderAmount: t.totalAmount, received: t.totalAmount,
      refundNo: '', fee: -feeAt(t.totalAmount, ppm),
    })), // prettier-ignore
    ...refunded.map(({ trade: t, refund: r }) => ({
      tradeNo: t.tradeNo, outTradeNo: t.outTradeNo, type: '退款' as const, subject: t.subject, createdAt: t.createdAt,
      finishedAt: r.createdAt, buyer: buyer(t.buyerLogonId), orderAmount: t.totalAmount, received: -r.amount,
      refundNo: r.outRequestNo, fee: feeAt(r.amount, ppm),
    })), // prettier-ignore
  ];
  return lines.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
}

/** A payment Alipay took that the merchant never ordered (fault `extra_row`). */
function strangerLine(period: BillPeriod, ppm: number): TradeBillLine {
  const at = new Date(period.start.getTime() + 3_600_000);
  const digits = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString()
    .padStart(15, '0')
    .slice(0, 15);
  return {
    tradeNo: `${chinaDateTime(at).slice(0, 10).replaceAll('-', '')}22001${digits}`,
    outTradeNo: `STRANGER${randomBytes(6).toString('hex')}`,
    type: '交易', subject: 'unknown', createdAt: at, finishedAt: at, buyer: 'str***@example.com',
    orderAmount: 888, received: 888, refundNo: '', fee: -feeAt(888, ppm),
  }; // prettier-ignore
}

interface Download {
  body: Uint8Array;
  expires: number;
}
const downloads = new WeakMap<AlipaySim, Map<string, Download>>();

/** The merchant's Alipay account (PID + 0156), as bills name it. */
const accountOf = (app: SandboxAlipayApp) => `2088${app.appId.slice(-12)}0156`;

/**
 * alipay.data.dataservice.bill.downloadurl.query: for bill_type `trade` (业务明细) or
 * `signcustomer` (账务明细) and bill_date yyyy-MM-dd or yyyy-MM, a bill_download_url valid
 * for 30 seconds, serving a zip of GBK CSV files written from this simulator's own trades
 * and refunds of that China day or month. The bill exists once its period is over; before
 * that (or under the not_ready fault) Alipay answers 40004 isp.bill_not_exist.
 */
export async function billDownloadUrl(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const billType = str(biz.bill_type);
  if (billType !== 'trade' && billType !== 'signcustomer') {
    reject(isvError('40002', 'isv.invalid-parameter', '参数无效: bill_type'));
  }
  const period = billPeriod(biz.bill_date);
  if (!period) reject(isvError('40002', 'isv.invalid-parameter', '参数无效: bill_date'));
  const { faults, feeRatePpm } = sim.statements;
  if (
    sim.ctx.clock.now().getTime() < period!.end.getTime() ||
    faults.takeFor(str(biz.bill_date) ?? '', 'not_ready')
  ) {
    reject(businessError('isp.bill_not_exist', '账单不存在'));
  }
  // Alipay has no hash to spoil: wrong_hash is consumed with the others and does nothing.
  const spoil = takeSpoilers(faults, str(biz.bill_date) ?? '');
  let lines = await periodLines(sim, app.appId, period!);
  if (spoil.missingRow) {
    const first = lines.findIndex((l) => l.type === '交易');
    if (first >= 0) lines = lines.filter((_, i) => i !== first);
  }
  if (spoil.extraRow) lines = [strangerLine(period!, feeRatePpm), ...lines];
  const account = accountOf(app);
  const exportedAt = sim.ctx.clock.now();
  const base = `${account}_${period!.compact}`;
  const gbk = (text: string[]) => new Uint8Array(iconv.encode(`${text.join('\r\n')}\r\n`, 'gbk'));
  const files: Record<string, Uint8Array> =
    billType === 'trade'
      ? {
          [`${base}_业务明细.csv`]: gbk([...tradeBillLines(account, period!, lines, exportedAt)]),
          [`${base}_业务明细(汇总).csv`]: gbk(tradeSummaryLines(account, period!, lines, exportedAt)),
        }
      : { [`${base}_账务明细.csv`]: gbk(accountBillLines(account, period!, lines, exportedAt)) };
  let body = zipSync(files);
  if (spoil.corrupt) body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  const token = randomBytes(16).toString('hex');
  let mine = downloads.get(sim);
  if (!mine) downloads.set(sim, (mine = new Map()));
  for (const [key, d] of mine) if (d.expires < exportedAt.getTime()) mine.delete(key);
  mine.set(token, { body, expires: exportedAt.getTime() + 30_000 });
  const query = new URLSearchParams({
    bizType: billType!,
    userId: account,
    fileType: 'csv.zip',
    bizDates: period!.compact,
    downloadFileName: `${base}.csv.zip`,
    fileId: `/${billType}/${account}/${period!.compact}.csv.zip`,
    timestamp: String(exportedAt.getTime()),
    token,
  });
  return {
    ...SUCCESS,
    bill_download_url: `${sim.ctx.publicUrl}/sandbox/alipay/downloadBillFile.resource?${query}`,
  };
}

/** The file behind a bill_download_url: unsigned, like Alipay's, and gone after 30 seconds. */
export function billRoutes(app: FastifyInstance, sim: AlipaySim, base: string): void {
  app.get(`${base}/downloadBillFile.resource`, { schema: { hide: true } }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const download = typeof q.token === 'string' ? downloads.get(sim)?.get(q.token) : undefined;
    if (!download || download.expires < sim.ctx.clock.now().getTime()) {
      return reply.status(404).type('text/plain; charset=utf-8').send('文件不存在或已过期');
    }
    const name = typeof q.downloadFileName === 'string' ? q.downloadFileName : 'bill.csv.zip';
    return reply
      .type('application/oct-stream')
      .header('content-disposition', `attachment; filename="${encodeURIComponent(name)}"`)
      .send(Buffer.from(download.body));
  });
}
