import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { dueWork } from '../_kit/due-work.js';
import { foreignKey } from '../_kit/foreign-key.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { jsonBody, rawBody, takeRawBodies } from '../_kit/raw-body.js';
import { reachMerchant } from '../_kit/reach.js';
import {
  putInService,
  type SandboxSimulator,
  sandboxSimulatorBase,
  simulatorInstances,
} from '../_kit/service.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/db.js';
import {
  CCSS_OK,
  LABS_OK,
  fenOf,
  lakalaTime,
  notifyAuthorization,
  parseLakalaTime,
  parseRequestAuth,
  paths,
  privateKeyOf,
  publicKeyOf,
  requestMessage,
  responseHeaders,
  rsaVerify,
  timestampFresh,
} from '../../channels/lakala/protocol.js';
import { Faults } from './faults.js';
import { type SandboxKeys, loadOrCreateKeys } from './keys.js';
import { counterPage } from './pages.js';

export const BASE_PATH = '/sandbox/lakala';

/**
 * Lakala's cashier notification schedule: intervals after each failed attempt
 * (1s/5s/5s/10s/3m/10m/20m/30m/1h/2h, 4h3m21s in all), then it gives up.
 */
export const NOTIFY_RETRY_SCHEDULE_MS = [1e3, 5e3, 5e3, 10e3, 180e3, 600e3, 1200e3, 1800e3, 3600e3, 7200e3];

/** The codes this simulator answers with (README: which are documented, which assumed). */
export const CODES = {
  malformed: ['000001', '报文格式错误'],
  auth: ['000002', '签名验证失败'],
  system: ['999999', '系统异常，请稍后重试'],
  ccssParam: ['CSS00001', '参数校验失败'],
  duplicate: ['CSS00002', '商户订单号重复'],
  orderMissing: ['CSS00003', '订单不存在'],
  orderPaid: ['CSS00004', '订单已支付，不能关闭'],
  labsParam: ['BBS10001', '参数校验失败'],
  exceeds: ['BBS11002', '退款金额超过可退金额'],
  tradeMissing: ['BBS11003', '原交易不存在'],
  refundFailed: ['BBS11004', '退款失败'],
  notRefundable: ['BBS11005', '原交易状态不允许退款'],
  refundDuplicate: ['BBS11007', '商户流水号重复'],
  processing: ['BBS11112', '交易处理中，请稍后查询'],
} as const;
type Code = (typeof CODES)[keyof typeof CODES];

/** Due work here: notifications, and refunds answered as processing. */
export type LakalaSimulatorOptions = SimulatorOptions;

/** An answer that is not a success: Lakala's {code, msg} with the HTTP status it goes out with. */
class LklError extends Error {
  constructor(
    readonly code: Code,
    readonly httpStatus = 200,
    detail?: string,
  ) {
    super(detail ? `${code[1]}: ${detail}` : code[1]);
  }
}

interface OrderRow {
  merchant_no: string;
  out_order_no: string;
  pay_order_no: string;
  channel_id: string;
  term_no: string;
  total_amount: string | number;
  order_info: string;
  out_user_id: string | null;
  notify_url: string | null;
  callback_url: string | null;
  support_refund: number;
  fingerprint: string;
  order_status: string;
  pay_code: string;
  trade_no: string | null;
  log_no: string | null;
  acc_trade_no: string | null;
  pay_mode: string | null;
  trade_time: Date | string | null;
  efficient_at: Date | string;
  created_at: Date | string;
}

interface RefundRow {
  trade_no: string;
  merchant_no: string;
  out_trade_no: string;
  log_no: string;
  origin_out_order_no: string;
  origin_trade_no: string;
  refund_amount: string | number;
  refund_reason: string | null;
  trade_state: string;
  outcome: string;
  settle_at: Date | string | null;
  trade_time: Date | string | null;
  created_at: Date | string;
}

interface NoticeRow extends OwedNotice {
  out_order_no: string;
  notify_url: string;
  body: string;
}

export interface DeliveryRecord {
  noticeId: string;
  outOrderNo: string;
  attempt: number;
  /** HTTP status, or null when nothing answered. */
  status: number | null;
  /** Whether the answer was Lakala's success acknowledgement. */
  acknowledged: boolean;
  forged: boolean;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/** The simulator's handle: what tests, the admin API and the payer helper act through. */
export interface LakalaSimulator extends SandboxSimulator<SandboxKeys, Faults, DeliveryRecord> {
  /** The payer pays / declines an order, as on the cashier page. */
  payerAct(
    outOrderNo: string,
    action: 'pay' | 'decline',
    payMode?: string,
  ): Promise<{ ok: boolean; reason?: string }>;
  findOrder(
    outOrderNo: string,
  ): Promise<{ merchantNo: string; status: string; total: number; counterUrl: string } | undefined>;
}

const simulators = simulatorInstances<LakalaSimulator>();
export const simulatorOf = simulators.of;

const digits = (n: number): string => Array.from({ length: n }, () => randomInt(0, 10)).join('');
const isHttpUrl = (v: unknown, max: number) =>
  typeof v === 'string' && v.length <= max && /^https?:\/\/[^\s]+$/.test(v);
const flag = (v: unknown): number | undefined =>
  v === undefined ? 0 : v === 0 || v === '0' ? 0 : v === 1 || v === '1' ? 1 : undefined;

/**
 * The Lakala open platform simulator, mounted under /sandbox/lakala: the cashier order
 * API (special_create, query, close) and the labs refund API (refund, idmrefundquery),
 * each verifying the LKLAPI-SHA256withRSA Authorization and the request envelope as
 * Lakala does and signing every answer with the platform key; the hosted cashier page;
 * and signed order notifications with Lakala's retry schedule on the injected clock.
 */
export async function lakalaSimulator(app: FastifyInstance, options: LakalaSimulatorOptions): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateKeys(ctx);
  const merchantKey = publicKeyOf(keys.merchant.certificatePem);
  const platformKey = privateKeyOf(keys.platform.privateKeyPem);
  const forgeKey = foreignKey();
  const faults = new Faults();
  const deliveries: DeliveryRecord[] = [];
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const link = linkFromOptions(options, keys, () => `${publicUrl()}${BASE_PATH}`);
  const life = simulatorLife(app, 'lakala', ctx.log);

  // Raw bodies: signatures cover the exact bytes. The cashier page's forms are parsed by hand.
  takeRawBodies(app, 256 * 1024);

  const send = (reply: FastifyReply, httpStatus: number, code: string, msg: string, data: unknown) => {
    const text = JSON.stringify({ code, msg, resp_time: lakalaTime(ctx.clock.now()), resp_data: data });
    reply
      .status(httpStatus)
      .headers(responseHeaders(keys.merchant.appid, keys.platform.serial, text, platformKey));
    return reply.type('application/json; charset=utf-8').send(text);
  };

  const hold = life.hold;

  type Handler = (reqData: Record<string, any>) => Promise<{ code: string; msg: string; data: unknown }>;
  /** The gateway in front of every API: authenticate, parse the envelope, answer signed. */
  const api = (handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (faults.take('error_5xx')) return send(reply, 500, CODES.system[0], CODES.system[1], null);
    const raw = rawBody(req);
    const refuse = (e: LklError) => send(reply, e.httpStatus, e.code[0], e.message, null);
    const header = req.headers.authorization;
    const auth = parseRequestAuth(Array.isArray(header) ? header[0] : header);
    if (!auth) return refuse(new LklError(CODES.auth, 401, 'Authorization不合法'));
    if (auth.appid !== keys.merchant.appid) return refuse(new LklError(CODES.auth, 401, 'appid不存在'));
    if (auth.serial_no !== keys.merchant.serialNo) {
      return refuse(new LklError(CODES.auth, 401, '证书序列号不存在'));
    }
    if (!timestampFresh(auth.timestamp)) return refuse(new LklError(CODES.auth, 401, '时间戳已过期'));
    if (!/^[A-Za-z0-9]{1,32}$/.test(auth.nonce_str))
      return refuse(new LklError(CODES.auth, 401, 'nonce_str不合法'));
    const message = requestMessage(auth.appid, auth.serial_no, auth.timestamp, auth.nonce_str, raw);
    if (!rsaVerify(message, auth.signature, merchantKey)) return refuse(new LklError(CODES.auth, 401));
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(new LklError(CODES.malformed, 400, '请求体不是合法的JSON'));
    }
    if (
      !body ||
      typeof body !== 'object' ||
      !parseLakalaTime(body.req_time) ||
      body.version !== '3.0' ||
      !body.req_data ||
      typeof body.req_data !== 'object' ||
      Array.isArray(body.req_data)
    ) {
      return refuse(new LklError(CODES.malformed, 400, 'req_time/version/req_data不合法'));
    }
    let answer: { code: string; msg: string; data: unknown };
    try {
      answer = await handler(body.req_data);
    } catch (error) {
      if (!(error instanceof LklError)) throw error;
      return refuse(error);
    }
    const slow = faults.take('timeout');
    if (slow) await hold(slow.ms || 30_000);
    return send(reply, 200, answer.code, answer.msg, answer.data);
  };

  const check = (code: Code) => (cond: boolean, detail: string) => {
    if (!cond) throw new LklError(code, 200, detail);
  };
  const ccss = check(CODES.ccssParam);
  const labs = check(CODES.labsParam);

  // ---- cashier orders ----
  const refundedTotal = async (q: Queryable, o: OrderRow) => {
    const [row] = await q.query<{ sum: string | number }>(
      `SELECT COALESCE(SUM(refund_amount), 0) AS sum FROM lklsim_refunds
       WHERE merchant_no = $1 AND origin_out_order_no = $2 AND trade_state = 'SUCCESS'`,
      [o.merchant_no, o.out_order_no],
    );
    return Number(row.sum);
  };

  /** order_status as Lakala reports it: 4 for an unpaid order past its time, 6 once refunded. */
  const statusOf = async (q: Queryable, o: OrderRow) => {
    if (o.order_status === '0' && ctx.clock.now().getTime() > date(o.efficient_at)!.getTime()) return '4';
    if (o.order_status === '2' && (await refundedTotal(q, o)) > 0) return '6';
    return o.order_status;
  };

  const payTrade = (o: OrderRow) => ({
    trade_no: o.trade_no,
    log_no: o.log_no,
    trade_type: 'PAY',
    trade_status: o.order_status === '3' ? 'F' : 'S',
    trade_amount: Number(o.total_amount),
    payer_amount: o.order_status === '3' ? 0 : Number(o.total_amount),
    user_id1: '',
    user_id2: o.out_user_id ?? '',
    busi_type: 'SCPAY',
    trade_time: o.trade_time ? lakalaTime(date(o.trade_time)!) : undefined,
    acc_trade_no: o.acc_trade_no,
    acc_type: '99',
    pay_mode: o.pay_mode,
  });

  const orderHead = async (q: Queryable, o: OrderRow) => ({
    pay_order_no: o.pay_order_no,
    out_order_no: o.out_order_no,
    channel_id: o.channel_id,
    trans_merchant_no: o.merchant_no,
    trans_term_no: o.term_no,
    merchant_no: o.merchant_no,
    term_no: o.term_no,
    order_status: await statusOf(q, o),
    order_info: o.order_info,
    total_amount: Number(o.total_amount),
    order_create_time: lakalaTime(date(o.created_at)!),
    order_efficient_time: lakalaTime(date(o.efficient_at)!),
  });

  /** The query answer: newest trades first, refunds included. */
  const orderJson = async (q: Queryable, o: OrderRow) => {
    const refunds = await q.query<RefundRow>(
      `SELECT * FROM lklsim_refunds WHERE merchant_no = $1 AND origin_out_order_no = $2 AND trade_state = 'SUCCESS'
       ORDER BY created_at DESC`,
      [o.merchant_no, o.out_order_no],
    );
    const trades = refunds.map((r) => ({
      trade_no: r.trade_no,
      log_no: r.log_no,
      trade_type: 'REFUND',
      trade_status: 'S',
      trade_amount: Number(r.refund_amount),
      payer_amount: Number(r.refund_amount),
      busi_type: 'SCPAY',
      trade_time: lakalaTime(date(r.trade_time ?? r.created_at)!),
      origin_trade_no: r.origin_trade_no,
    }));
    if (o.trade_no) trades.push(payTrade(o) as never);
    return { ...(await orderHead(q, o)), order_trade_info_list: trades };
  };

  const findOrder = async (
    q: Queryable,
    merchantNo: string,
    by: { out?: string; pay?: string },
    lock = false,
  ) =>
    (
      await q.query<OrderRow>(
        `SELECT * FROM lklsim_orders WHERE merchant_no = $1 AND ${by.out !== undefined ? 'out_order_no' : 'pay_order_no'} = $2${lock ? ' FOR UPDATE' : ''}`,
        [merchantNo, by.out ?? by.pay],
      )
    )[0];

  const requireMerchant = (d: Record<string, any>, param: (c: boolean, m: string) => void) => {
    param(typeof d.merchant_no === 'string' && d.merchant_no.length > 0, '缺少参数merchant_no');
    param(d.merchant_no === keys.merchant.merchantNo, '商户号不存在');
  };

  const orderKey = (d: Record<string, any>) => {
    ccss(
      typeof d.out_order_no === 'string' || typeof d.pay_order_no === 'string',
      'out_order_no与pay_order_no不能同时为空',
    );
    return typeof d.out_order_no === 'string' ? { out: d.out_order_no } : { pay: d.pay_order_no as string };
  };

  app.post(
    `${BASE_PATH}${paths.create}`,
    api(async (d) => {
      requireMerchant(d, ccss);
      ccss(
        typeof d.out_order_no === 'string' && /^[0-9A-Za-z_-]{1,32}$/.test(d.out_order_no),
        'out_order_no不合法',
      );
      const total = fenOf(d.total_amount);
      ccss(total !== undefined, 'total_amount必须是大于0的整数（单位：分）');
      const now = ctx.clock.now();
      const efficient = parseLakalaTime(d.order_efficient_time);
      ccss(!!efficient, 'order_efficient_time格式必须为yyyyMMddHHmmss');
      ccss(efficient!.getTime() > now.getTime(), 'order_efficient_time必须晚于当前时间');
      ccss(
        efficient!.getTime() <= now.getTime() + 7 * 24 * 3600 * 1000,
        'order_efficient_time最大支持下单时间+7天',
      );
      ccss(
        typeof d.order_info === 'string' && d.order_info.length > 0 && [...d.order_info].length <= 64,
        'order_info不合法',
      );
      ccss(d.notify_url === undefined || isHttpUrl(d.notify_url, 128), 'notify_url不合法');
      ccss(d.callback_url === undefined || isHttpUrl(d.callback_url, 128), 'callback_url不合法');
      ccss(
        d.out_user_id === undefined || (typeof d.out_user_id === 'string' && d.out_user_id.length <= 64),
        'out_user_id不合法',
      );
      const supportRefund = flag(d.support_refund);
      for (const name of ['support_cancel', 'support_refund', 'support_repeat_pay']) {
        ccss(flag(d[name]) !== undefined, `${name}只能为0或1`);
      }
      const fingerprint = JSON.stringify([
        total,
        d.order_info,
        d.notify_url ?? null,
        d.callback_url ?? null,
        d.out_user_id ?? null,
        d.order_efficient_time,
        supportRefund,
      ]);
      const row = await ctx.db.tx(async (q) => {
        const existing = await findOrder(q, d.merchant_no, { out: d.out_order_no }, true);
        if (existing) {
          // A repeat of the very same unpaid order gets the same cashier; any other reuse is refused.
          if (existing.fingerprint === fingerprint && existing.order_status === '0') return existing;
          throw new LklError(CODES.duplicate);
        }
        const [created] = await q.query<OrderRow>(
          `INSERT INTO lklsim_orders (merchant_no, out_order_no, pay_order_no, channel_id, term_no, total_amount,
             order_info, out_user_id, notify_url, callback_url, support_refund, fingerprint, order_status, pay_code,
             efficient_at, created_at, updated_at)
           VALUES ($1, $2, $3, '25', $4, $5, $6, $7, $8, $9, $10, $11, '0', $12, $13, $14, $14) RETURNING *`,
          [
            d.merchant_no,
            d.out_order_no,
            `${lakalaTime(now).slice(2, 8)}11012001${digits(15)}`,
            keys.merchant.termNo,
            total,
            d.order_info,
            d.out_user_id ?? null,
            d.notify_url ?? null,
            d.callback_url ?? null,
            supportRefund,
            fingerprint,
            randomBytes(12).toString('hex'),
            efficient,
            now,
          ],
        );
        return created;
      });
      return {
        code: CCSS_OK,
        msg: '操作成功',
        data: {
          merchant_no: row.merchant_no,
          channel_id: row.channel_id,
          out_order_no: row.out_order_no,
          order_create_time: lakalaTime(date(row.created_at)!),
          order_efficient_time: lakalaTime(date(row.efficient_at)!),
          pay_order_no: row.pay_order_no,
          total_amount: Number(row.total_amount),
          counter_url: `${publicUrl()}${BASE_PATH}/counter/${row.pay_code}`,
        },
      };
    }),
  );

  app.post(
    `${BASE_PATH}${paths.query}`,
    api(async (d) => {
      requireMerchant(d, ccss);
      const order = await findOrder(ctx.db, d.merchant_no, orderKey(d));
      if (!order) throw new LklError(CODES.orderMissing);
      return { code: CCSS_OK, msg: '操作成功', data: await orderJson(ctx.db, order) };
    }),
  );

  app.post(
    `${BASE_PATH}${paths.close}`,
    api(async (d) => {
      requireMerchant(d, ccss);
      const key = orderKey(d);
      const order = await ctx.db.tx(async (q) => {
        const o = await findOrder(q, d.merchant_no, key, true);
        if (!o) throw new LklError(CODES.orderMissing);
        if (o.order_status === '2') throw new LklError(CODES.orderPaid);
        await q.query(
          `UPDATE lklsim_orders SET order_status = '7', updated_at = $3 WHERE merchant_no = $1 AND out_order_no = $2`,
          [o.merchant_no, o.out_order_no, ctx.clock.now()],
        );
        return o;
      });
      return {
        code: CCSS_OK,
        msg: '操作成功',
        data: {
          merchant_no: order.merchant_no,
          out_order_no: order.out_order_no,
          pay_order_no: order.pay_order_no,
        },
      };
    }),
  );

  // ---- labs refunds ----
  const refundJson = (r: RefundRow, o: OrderRow) => ({
    merchant_no: r.merchant_no,
    term_no: keys.merchant.termNo,
    out_trade_no: r.out_trade_no,
    trade_no: r.trade_no,
    log_no: r.log_no,
    acc_trade_no: o.acc_trade_no,
    total_amount: String(o.total_amount),
    refund_amount: String(r.refund_amount),
    payer_amount: String(r.refund_amount),
    trade_time: lakalaTime(date(r.trade_time ?? r.created_at)!),
    origin_trade_no: r.origin_trade_no,
    origin_out_trade_no: o.out_order_no,
    origin_log_no: o.log_no,
  });

  const requireTerm = (d: Record<string, any>) => {
    requireMerchant(d, labs);
    labs(d.term_no === keys.merchant.termNo, '终端号不存在');
  };

  app.post(
    `${BASE_PATH}${paths.refund}`,
    api(async (d) => {
      requireTerm(d);
      labs(
        typeof d.out_trade_no === 'string' && /^[0-9A-Za-z_-]{1,32}$/.test(d.out_trade_no),
        'out_trade_no不合法',
      );
      const amount = fenOf(d.refund_amount);
      labs(amount !== undefined, 'refund_amount必须是大于0的整数（单位：分）');
      labs(
        typeof d.location_info?.request_ip === 'string' && d.location_info.request_ip.length > 0,
        '缺少参数location_info.request_ip',
      );
      labs(
        ['origin_trade_no', 'origin_out_trade_no', 'origin_log_no'].some(
          (k) => typeof d[k] === 'string' && d[k],
        ),
        'origin_trade_no、origin_out_trade_no、origin_log_no不能同时为空',
      );
      const now = ctx.clock.now();
      const failing = faults.take('refund_fail');
      const processing = failing ? undefined : faults.take('refund_processing');
      const outcome = await ctx.db.tx(async (q) => {
        const [order] = await q.query<OrderRow>(
          `SELECT * FROM lklsim_orders WHERE merchant_no = $1
             AND (trade_no = $2 OR out_order_no = $3 OR log_no = $4) FOR UPDATE`,
          [d.merchant_no, d.origin_trade_no ?? null, d.origin_out_trade_no ?? null, d.origin_log_no ?? null],
        );
        if (!order || !order.trade_no) throw new LklError(CODES.tradeMissing);
        if (order.order_status !== '2') throw new LklError(CODES.notRefundable);
        if (order.support_refund !== 1) throw new LklError(CODES.notRefundable, 200, '订单不支持退款');
        const [same] = await q.query<RefundRow>(
          'SELECT * FROM lklsim_refunds WHERE merchant_no = $1 AND out_trade_no = $2',
          [d.merchant_no, d.out_trade_no],
        );
        if (same) {
          if (same.origin_out_order_no !== order.out_order_no || Number(same.refund_amount) !== amount) {
            throw new LklError(CODES.refundDuplicate);
          }
          return { refund: same, order };
        }
        if (failing) throw new LklError(CODES.refundFailed, 200, '账户余额不足');
        const [{ sum }] = await q.query<{ sum: string | number }>(
          `SELECT COALESCE(SUM(refund_amount), 0) AS sum FROM lklsim_refunds
           WHERE merchant_no = $1 AND origin_out_order_no = $2 AND trade_state IN ('DEAL', 'SUCCESS')`,
          [order.merchant_no, order.out_order_no],
        );
        if (amount! > Number(order.total_amount) - Number(sum)) throw new LklError(CODES.exceeds);
        const tradeNo = `${lakalaTime(now).slice(0, 8)}${digits(14)}`;
        const [created] = await q.query<RefundRow>(
          `INSERT INTO lklsim_refunds (trade_no, merchant_no, out_trade_no, log_no, origin_out_order_no, origin_trade_no,
             refund_amount, refund_reason, trade_state, outcome, settle_at, trade_time, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'SUCCESS', $10, $11, $12) RETURNING *`,
          [
            tradeNo,
            order.merchant_no,
            d.out_trade_no,
            tradeNo.slice(-14),
            order.out_order_no,
            order.trade_no,
            amount,
            typeof d.refund_reason === 'string' ? d.refund_reason.slice(0, 64) : null,
            processing ? 'DEAL' : 'SUCCESS',
            processing ? new Date(now.getTime() + processing.ms) : null,
            processing ? null : now,
            now,
          ],
        );
        return { refund: created, order };
      });
      const { refund, order } = outcome;
      if (refund.trade_state === 'DEAL')
        return { code: CODES.processing[0], msg: CODES.processing[1], data: null };
      if (refund.trade_state === 'FAIL') throw new LklError(CODES.refundFailed);
      return { code: LABS_OK, msg: '成功', data: refundJson(refund, order) };
    }),
  );

  app.post(
    `${BASE_PATH}${paths.refundQuery}`,
    api(async (d) => {
      requireTerm(d);
      labs(
        typeof d.out_refund_order_no === 'string' && d.out_refund_order_no.length > 0,
        '缺少参数out_refund_order_no',
      );
      await settleRefunds();
      const [refund] = await ctx.db.query<RefundRow>(
        'SELECT * FROM lklsim_refunds WHERE merchant_no = $1 AND out_trade_no = $2',
        [d.merchant_no, d.out_refund_order_no],
      );
      if (!refund) throw new LklError(CODES.tradeMissing, 200, '退款交易不存在');
      const order = (await findOrder(ctx.db, refund.merchant_no, { out: refund.origin_out_order_no }))!;
      const desc: Record<string, string> = { SUCCESS: '交易成功', FAIL: '交易失败', DEAL: '交易处理中' };
      return {
        code: LABS_OK,
        msg: '成功',
        data: {
          ...refundJson(refund, order),
          account_type: order.pay_mode,
          trade_state: refund.trade_state,
          trade_state_desc: desc[refund.trade_state] ?? refund.trade_state,
        },
      };
    }),
  );

  const settleRefunds = async () => {
    const now = ctx.clock.now();
    await ctx.db.query(
      `UPDATE lklsim_refunds SET trade_state = outcome, trade_time = $1
       WHERE trade_state = 'DEAL' AND settle_at <= $1`,
      [now],
    );
  };

  // ---- notifications: queued with the payment, delivered on Lakala's schedule ----
  const queueNotice = async (q: Queryable, o: OrderRow): Promise<string | undefined> => {
    if (!o.notify_url) return undefined;
    const now = ctx.clock.now();
    const id = randomUUID();
    const body = JSON.stringify({ ...(await orderHead(q, o)), order_trade_info: payTrade(o) });
    await queueUnderFaults(q, {
      table: 'lklsim_notices',
      faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        q.query(
          `INSERT INTO lklsim_notices (id, merchant_no, out_order_no, notify_url, body, status, next_at, flags, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, o.merchant_no, o.out_order_no, o.notify_url, body, status, nextAt, flags, now],
        ),
    });
    return id;
  };

  /** POSTs one notification; the HTTP status and whether the answer acknowledged it. */
  const post = async (url: string, body: string, headers: Record<string, string>) => {
    const acknowledged = (status: number, text: string) => {
      try {
        return status === 200 && JSON.parse(text)?.code === 'SUCCESS';
      } catch {
        return false;
      }
    };
    const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
    return answer
      ? { status: answer.status, ok: acknowledged(answer.status, answer.text) }
      : { status: null, ok: false };
  };

  const signedHeaders = (body: string, forged: boolean) => ({
    'content-type': 'application/json',
    authorization: notifyAuthorization(body, forged ? forgeKey() : platformKey),
  });

  /** One attempt of a claimed notification, acknowledged by {code: SUCCESS}; the kit reschedules it on failure. */
  const notices = noticeDelivery<NoticeRow>(ctx, {
    table: 'lklsim_notices',
    retryScheduleMs: NOTIFY_RETRY_SCHEDULE_MS,
    send: async (n, number, flags) => {
      const forged = !!flags.forge;
      const first = await post(n.notify_url, n.body, signedHeaders(n.body, forged));
      const record = (r: { status: number | null; ok: boolean }, f: boolean) =>
        deliveries.push({
          noticeId: n.id,
          outOrderNo: n.out_order_no,
          attempt: number,
          status: r.status,
          acknowledged: r.ok,
          forged: f,
        });
      record(first, forged);
      if (flags.duplicate) record(await post(n.notify_url, n.body, signedHeaders(n.body, false)), false);
      return first;
    },
  });

  const due = dueWork(async () => {
    await settleRefunds();
    await notices.deliverDue();
  });

  // ---- the payer ----
  const payerAct = async (outOrderNo: string, action: 'pay' | 'decline', payMode = 'WECHAT') => {
    const now = ctx.clock.now();
    const outcome = await ctx.db.tx(async (q) => {
      const order = await findOrder(q, keys.merchant.merchantNo, { out: outOrderNo }, true);
      if (!order) return { ok: false, reason: '订单不存在' };
      const status = await statusOf(q, order);
      if (status === '4') return { ok: false, reason: '订单已过期' };
      if (status !== '0') return { ok: false, reason: STATUS_REASON[status] ?? status };
      const tradeNo = `${lakalaTime(now).slice(0, 8)}${digits(14)}`;
      const [updated] = await q.query<OrderRow>(
        `UPDATE lklsim_orders SET order_status = $3, trade_no = $4, log_no = $5, acc_trade_no = $6, pay_mode = $7,
           trade_time = $8, updated_at = $8 WHERE merchant_no = $1 AND out_order_no = $2 RETURNING *`,
        [
          order.merchant_no,
          outOrderNo,
          action === 'pay' ? '2' : '3',
          tradeNo,
          tradeNo.slice(-14),
          action === 'pay' ? `4200${lakalaTime(now).slice(0, 8)}${digits(16)}` : null,
          payMode,
          now,
        ],
      );
      // Lakala notifies successful payments only: a declined order is found by query.
      return { ok: true, noticeId: action === 'pay' ? await queueNotice(q, updated) : undefined };
    });
    if (outcome.ok && 'noticeId' in outcome && outcome.noticeId) {
      await notices.deliverIfDue(outcome.noticeId);
      // If the background run claimed it first, return only once that delivery is done too.
      await due.settled();
    }
    return { ok: outcome.ok, ...('reason' in outcome && outcome.reason ? { reason: outcome.reason } : {}) };
  };

  // ---- the cashier page ----
  const orderByCode = async (code: string) =>
    /^[0-9a-f]{24}$/.test(code)
      ? (await ctx.db.query<OrderRow>('SELECT * FROM lklsim_orders WHERE pay_code = $1', [code]))[0]
      : undefined;
  const page = async (reply: FastifyReply, order: OrderRow, notice?: string) =>
    reply.type('text/html; charset=utf-8').send(
      counterPage(
        {
          code: order.pay_code,
          merchantNo: order.merchant_no,
          outOrderNo: order.out_order_no,
          payOrderNo: order.pay_order_no,
          orderInfo: order.order_info,
          total: Number(order.total_amount),
          status: await statusOf(ctx.db, order),
        },
        BASE_PATH,
        notice,
      ),
    );
  const missing = (reply: FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send('<h1>订单不存在 (no such order)</h1>');

  app.get(`${BASE_PATH}/counter/:code`, async (req, reply) => {
    const order = await orderByCode((req.params as { code: string }).code);
    return order ? page(reply, order) : missing(reply);
  });
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/counter/:code/${action}`, async (req, reply) => {
      const order = await orderByCode((req.params as { code: string }).code);
      if (!order) return missing(reply);
      const mode = new URLSearchParams(rawBody(req)).get('pay_mode');
      const result = await payerAct(
        order.out_order_no,
        action,
        mode && ['WECHAT', 'ALIPAY', 'UQRCODEPAY'].includes(mode) ? mode : 'WECHAT',
      );
      if (!result.ok) return page(reply.status(409), order, result.reason);
      // Paid: back to the merchant's page, as Lakala's cashier does with callback_url.
      if (action === 'pay' && order.callback_url) return reply.redirect(order.callback_url, 303);
      return reply.redirect(`${BASE_PATH}/counter/${order.pay_code}`, 303);
    });
  }

  // ---- wiring ----
  const simulator: LakalaSimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries, link, due }),
    payerAct,
    findOrder: async (outOrderNo) => {
      const row = await findOrder(ctx.db, keys.merchant.merchantNo, { out: outOrderNo });
      return row
        ? {
            merchantNo: row.merchant_no,
            status: await statusOf(ctx.db, row),
            total: Number(row.total_amount),
            counterUrl: `${publicUrl()}${BASE_PATH}/counter/${row.pay_code}`,
          }
        : undefined;
    },
  };
  // The payer API: plays the payer of a cashier order (test helpers, a wallet).
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      const body = jsonBody(request.body);
      const outOrderNo = typeof body.out_order_no === 'string' ? body.out_order_no : '';
      if (!outOrderNo || !(await simulator.findOrder(outOrderNo))) {
        return reply.status(404).send({ found: false });
      }
      await simulator.payerAct(outOrderNo, action);
      return reply.send({ found: true });
    });
  }
  putInService({
    ctx,
    simulator,
    instances: simulators,
    life,
    tickMs: tickMsOf(options),
    due,
  });
}

const STATUS_REASON: Record<string, string> = {
  '2': '订单已支付',
  '3': '订单支付失败',
  '5': '订单已取消',
  '6': '订单已退款',
  '7': '订单已关闭',
};

/**
 * The default merchant as Lakala's open platform hands it to a developer (appid, the API
 * certificate serial and key, merchant and terminal numbers, the platform certificate) with
 * the simulator's base URL, in a channel config's vocabulary.
 */
export function lakalaDefaultMerchant(sim: LakalaSimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  const { merchant, platform } = sim.keys;
  return {
    settings: {
      appid: merchant.appid,
      serial_no: merchant.serialNo,
      merchant_no: merchant.merchantNo,
      term_no: merchant.termNo,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: { private_key: merchant.privateKeyPem, platform_certificate: platform.certificatePem },
  };
}
