import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import {
  decimalOf,
  feeAt,
  isStatementDate,
  shanghaiDateTime,
  shanghaiDay,
  StatementFaults,
  takeSpoilers,
} from '../_kit/statement-faults.js';
import { ordersPaidBetween, refundsSettledBetween } from './repository.js';
import type { V3 } from './routes.js';

/** The v3 tradebill (ALL) columns, in WeChat's order. */
export const TRADEBILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识',
  '交易类型', '交易状态', '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号',
  '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '商品名称', '商户数据包',
  '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
]; // prettier-ignore
export const TRADEBILL_SUMMARY_COLUMNS = [
  '总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额',
]; // prettier-ignore

/** One line of a trade bill: a payment (SUCCESS) or a refund (REFUND) of the day. */
export interface TradeBillRow {
  time: Date;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  state: 'SUCCESS' | 'REFUND';
  total: number;
  refundId?: string;
  outRefundNo?: string;
  refund?: number;
  description: string;
  attach: string;
  /** Minor units; a refund's is negative (the fee handed back). */
  fee: number;
}

/**
 * The bill's text, line by line: the header, every field prefixed with a backtick (so a
 * spreadsheet keeps long numbers as text), then the summary header and its row. A
 * generator, so a day of a million rows is never one string (the bench writes it so).
 */
export function* tradeBillLines(rows: Iterable<TradeBillRow>, ppm: number): Generator<string> {
  yield TRADEBILL_COLUMNS.join(',');
  const sum = { count: 0, settle: 0, refund: 0, fee: 0, total: 0 };
  const rate = `${(ppm / 10_000).toFixed(2)}%`;
  for (const r of rows) {
    const refund = r.state === 'REFUND' ? r.refund! : 0;
    const settle = r.state === 'SUCCESS' ? r.total : 0;
    sum.count += 1;
    sum.settle += settle;
    sum.refund += refund;
    sum.fee += r.fee;
    sum.total += r.state === 'SUCCESS' ? r.total : 0;
    const fields = [
      shanghaiDateTime(r.time), r.appid, r.mchid, '0', '', r.transactionId, r.outTradeNo, r.openid,
      r.tradeType, r.state, 'OTHERS', 'CNY', decimalOf(settle), '0.00', r.refundId ?? '0',
      r.outRefundNo ?? '0', decimalOf(refund), '0.00', r.state === 'REFUND' ? 'ORIGINAL' : '',
      r.state === 'REFUND' ? 'SUCCESS' : '', r.description.replace(/[,\r\n`]/g, ' '),
      r.attach.replace(/[,\r\n`]/g, ' '), decimalOf(r.fee, 5), rate, decimalOf(r.total), decimalOf(refund), '',
    ]; // prettier-ignore
    yield fields.map((f) => '`' + f).join(',');
  }
  yield TRADEBILL_SUMMARY_COLUMNS.join(',');
  yield [sum.count, decimalOf(sum.settle), decimalOf(sum.refund), '0.00', decimalOf(sum.fee, 5)]
    .concat([decimalOf(sum.total), decimalOf(sum.refund)])
    .map((f) => '`' + f)
    .join(',');
}

export interface WechatBillsOptions {
  ctx: SandboxContext;
  basePath: string;
  mchid: string;
  /** Whether a request carries the merchant's valid v3 signature (the simulator's own check). */
  signedByMerchant: (request: FastifyRequest) => boolean;
  publicUrl: () => string;
  /** The simulator's request authentication and signed answers (its v3 wrapper). */
  v3: V3;
  /** Fee rate in parts per million (6000: 0.60%). */
  feeRatePpm?: number;
}

/** What the simulator handle offers tests about its statements. */
export interface WechatBills {
  faults: StatementFaults;
  setFeeRate(ppm: number): void;
}

interface Download {
  body: Buffer;
  expires: number;
}

/**
 * WeChat Pay's statements: `GET /v3/bill/tradebill` answers a download_url with the SHA1
 * of the bill (of its text, before gzip), and `GET /v3/billdownload/file` (signed like
 * any v3 call, answered unsigned) streams it, gzip when tar_type=GZIP. A day's bill is
 * written from the simulator's own orders and refunds that succeeded on that day in
 * Asia/Shanghai, and exists once the day is over.
 */
export function wechatpayBills(app: FastifyInstance, o: WechatBillsOptions): WechatBills {
  const faults = new StatementFaults();
  let ppm = o.feeRatePpm ?? 6000;
  const downloads = new Map<string, Download>();
  const fail = (code: string, message: string) => ({ status: 400, body: { code, message } });

  const dayRows = async (date: string): Promise<TradeBillRow[]> => {
    const { start, end } = shanghaiDay(date);
    const orders = await ordersPaidBetween(o.ctx.db, o.mchid, start, end);
    const refunds = await refundsSettledBetween(o.ctx.db, o.mchid, start, end);
    const common = (r: (typeof orders)[number] | (typeof refunds)[number]) => ({
      appid: r.appid,
      mchid: r.mchid,
      transactionId: r.transaction_id ?? '',
      outTradeNo: r.out_trade_no,
      openid: r.payer_openid ?? '',
      tradeType: r.trade_type,
      description: r.description,
      attach: r.attach ?? '',
    });
    return [
      ...orders.map((r) => ({
        ...common(r),
        time: new Date(r.success_time!),
        state: 'SUCCESS' as const,
        total: Number(r.total),
        fee: feeAt(Number(r.total), ppm),
      })),
      ...refunds.map((r) => ({
        ...common(r),
        time: new Date(r.success_time!),
        state: 'REFUND' as const,
        total: Number(r.order_total),
        refundId: r.refund_id,
        outRefundNo: r.out_refund_no,
        refund: Number(r.refund),
        fee: -feeAt(Number(r.refund), ppm),
      })),
    ];
  };

  app.get(
    `${o.basePath}/v3/bill/tradebill`,
    o.v3(async ({ query }) => {
      if (!isStatementDate(query?.bill_date)) return fail('PARAM_ERROR', '参数bill_date不合法');
      if (query.bill_type !== undefined && !['ALL', 'SUCCESS', 'REFUND'].includes(query.bill_type)) {
        return fail('PARAM_ERROR', '参数bill_type不合法');
      }
      if (query.tar_type !== undefined && query.tar_type !== 'GZIP')
        return fail('PARAM_ERROR', '参数tar_type不合法');
      const { end } = shanghaiDay(query.bill_date);
      if (o.ctx.clock.now().getTime() < end.getTime() || faults.take('not_ready')) {
        return fail('STATEMENT_CREATING', '账单生成中，请稍后再试');
      }
      const spoil = takeSpoilers(faults);
      let rows = await dayRows(query.bill_date);
      const type = query.bill_type ?? 'ALL';
      rows = rows.filter((r) => type === 'ALL' || r.state === type);
      if (spoil.missingRow) rows = rows.slice(1);
      if (spoil.extraRow) rows.push(strangerRow(o.mchid, shanghaiDay(query.bill_date).start, ppm));
      const text = Buffer.from([...tradeBillLines(rows, ppm)].join('\r\n') + '\r\n', 'utf8');
      const hash = createHash('sha1').update(text).digest('hex');
      let body = query.tar_type === 'GZIP' ? gzipSync(text) : text;
      if (spoil.corrupt) body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      const token = randomBytes(16).toString('hex');
      // WeChat's download_url is valid for 30 seconds.
      downloads.set(token, { body, expires: o.ctx.clock.now().getTime() + 30_000 });
      return {
        status: 200,
        body: {
          hash_type: 'SHA1',
          hash_value: spoil.wrongHash ? createHash('sha1').update('tampered').digest('hex') : hash,
          download_url: `${o.publicUrl()}${o.basePath}/v3/billdownload/file?token=${token}`,
        },
      };
    }),
  );

  // The file itself: the request is signed as any v3 call, the answer is the raw bytes.
  app.get(`${o.basePath}/v3/billdownload/file`, async (request, reply) => {
    const signed = o.signedByMerchant(request);
    if (!signed) return reply.status(401).send({ code: 'SIGN_ERROR', message: '签名错误' });
    const token = (request.query as { token?: unknown }).token;
    const download = typeof token === 'string' ? downloads.get(token) : undefined;
    if (!download || download.expires < o.ctx.clock.now().getTime()) {
      return reply.status(400).send({ code: 'INVALID_REQUEST', message: '下载链接已失效' });
    }
    return reply.type('application/octet-stream').send(download.body);
  });

  return { faults, setFeeRate: (next) => void (ppm = next) };
}

/** A payment WeChat took that the merchant never ordered (fault `extra_row`). */
function strangerRow(mchid: string, dayStart: Date, ppm: number): TradeBillRow {
  return {
    time: new Date(dayStart.getTime() + 3_600_000),
    appid: 'wx_stranger',
    mchid,
    transactionId: `4200${randomBytes(12).toString('hex').replace(/\D/g, '').padEnd(24, '7').slice(0, 24)}`,
    outTradeNo: `STRANGER${randomBytes(6).toString('hex')}`,
    openid: 'o_stranger',
    tradeType: 'NATIVE',
    state: 'SUCCESS',
    total: 888,
    description: 'unknown',
    attach: '',
    fee: feeAt(888, ppm),
  };
}
