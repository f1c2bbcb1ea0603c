import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { dueWork } from '../_kit/due-work.js';
import { foreignKey } from '../_kit/foreign-key.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { rawBody, takeRawBodies } from '../_kit/raw-body.js';
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
  aesGcmEncrypt,
  compactCst,
  lines,
  MAX_CLOCK_SKEW_SECONDS,
  nonce,
  parseAuthorization,
  parseRfc3339,
  parseXml,
  privateKeyOf,
  publicKeyOf,
  rfc3339Cst,
  rsaSign,
  rsaVerify,
  toXml,
  V3_SCHEME,
  type V2SignType,
  v2Sign,
  v2SignMatches,
  wallSeconds,
} from '../../channels/wechatpay/protocol.js';
import { Faults } from './faults.js';
import { type SandboxKeys, loadOrCreateKeys } from './keys.js';
import { sandboxAppSecret, wechatOauthRoutes } from './oauth.js';
import { payerPage } from './pages.js';
import { type WechatBills, wechatpayBills } from './bills.js';
import {
  PartnerError,
  type PartnerOrder,
  bindSandboxSubMerchant,
  partnerShape,
  refundMerchant,
  refundMerchantFields,
  wechatpayPartnerRoutes,
} from './routes-partner.js';

export const BASE_PATH = '/sandbox/wechatpay';

/** WeChat's callback retry intervals after each failed attempt (24h4m in all). */
export const CALLBACK_RETRY_SCHEDULE_MS = [
  15e3, 15e3, 30e3, 180e3, 600e3, 1200e3, 1800e3, 1800e3, 1800e3, 3600e3, 10800e3, 10800e3, 10800e3, 21600e3,
  21600e3,
];

export interface WechatpaySimulatorOptions extends SimulatorOptions {
  /** Statement fee rate in parts per million. Default 6000 (0.60%). */
  feeRatePpm?: number;
  /** Business-clock ms before a refund settles (PROCESSING -> SUCCESS). Default 0. */
  refundSettleMs?: number;
}

/** A WeChat Pay error answer: HTTP status + {code, message}. */
class WxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface OrderRow {
  mchid: string;
  out_trade_no: string;
  appid: string;
  trade_type: string;
  description: string;
  total: string | number;
  currency: string;
  payer_openid: string | null;
  notify_url: string | null;
  attach: string | null;
  fingerprint: string;
  trade_state: string;
  trade_state_desc: string;
  prepay_id: string | null;
  pay_code: string;
  transaction_id: string | null;
  time_expire: Date | string | null;
  success_time: Date | string | null;
  created_at: Date | string;
  /** Service-provider orders (routes-partner.ts): mchid is then the sub_mchid. */
  sp_mchid: string | null;
  sub_appid: string | null;
  openid_kind: string | null;
}

interface RefundRow {
  refund_id: string;
  mchid: string;
  out_refund_no: string;
  out_trade_no: string;
  transaction_id: string;
  refund: string | number;
  total: string | number;
  currency: string;
  reason: string | null;
  notify_url: string | null;
  status: string;
  outcome: string;
  success_time: Date | string | null;
  created_at: Date | string;
}

interface CallbackRow extends OwedNotice {
  mchid: string;
  event_type: string;
  notify_url: string;
  body: string;
  status: string;
}

export interface DeliveryRecord {
  callbackId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  forged: boolean;
}

const STATE_DESC: Record<string, string> = {
  NOTPAY: '订单未支付',
  USERPAYING: '用户支付中',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REVOKED: '订单已撤销',
  PAYERROR: '支付失败',
  REFUND: '转入退款',
};

const TRADE_TYPES: Record<string, string> = { native: 'NATIVE', jsapi: 'JSAPI', app: 'APP', h5: 'MWEB' };

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/** The simulator's handle: what tests, the admin API and the test helper act through. */
export interface WechatpaySimulator extends SandboxSimulator<SandboxKeys, Faults, DeliveryRecord> {
  /**
   * Binds a sub-merchant (and the appids it may name as sub_appid) to the default merchant
   * as its service provider; undefined if another provider holds it.
   */
  bindSubMerchant(
    subMchid: string,
    subAppids?: string[],
  ): Promise<{ subMchid: string; spMchid: string; subAppids: string[] } | undefined>;
  /** The payer pays / declines an order, as on the payer page. */
  payerAct(
    mchid: string,
    outTradeNo: string,
    action: 'pay' | 'decline',
  ): Promise<{ ok: boolean; reason?: string }>;
  findOrderByOutTradeNo(
    outTradeNo: string,
  ): Promise<
    { mchid: string; state: string; tradeType: string; total: number; cashierUrl: string } | undefined
  >;
  /** The daily statements: their faults and fee rate. */
  bills: WechatBills;
}

const simulators = simulatorInstances<WechatpaySimulator>();
export const simulatorOf = simulators.of;

/**
 * The WeChat Pay simulator, mounted under /sandbox/wechatpay: API v3 (native, JSAPI, app,
 * H5 orders; query; close; refunds; platform certificates) and API v2 (micropay,
 * orderquery, reverse), verifying requests as WeChat does and signing answers so the
 * official client's verifier accepts them; signed, encrypted callbacks with WeChat's
 * retry schedule on the injected clock; and the payer pages.
 */
export async function wechatpaySimulator(
  app: FastifyInstance,
  options: WechatpaySimulatorOptions,
): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateKeys(ctx);
  const merchantKey = publicKeyOf(keys.merchant.publicKeyPem);
  const platformKey = privateKeyOf(keys.platform.privateKeyPem);
  const forgeKey = foreignKey();
  const faults = new Faults();
  const deliveries: DeliveryRecord[] = [];
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const link = linkFromOptions(options, keys, () => `${publicUrl()}${BASE_PATH}/`);
  const life = simulatorLife(app, 'wechatpay', ctx.log);

  // ---- request parsing: raw bodies, since signatures cover the exact bytes ----
  takeRawBodies(app, 256 * 1024);

  // ---- v3: authenticate, answer signed ----
  const sendV3 = (reply: FastifyReply, status: number, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const ts = String(wallSeconds());
    const n = nonce(32);
    reply
      .status(status)
      .header('Request-ID', randomUUID())
      .header('Wechatpay-Nonce', n)
      .header('Wechatpay-Timestamp', ts)
      .header('Wechatpay-Serial', keys.platform.serial)
      .header('Wechatpay-Signature-Type', V3_SCHEME)
      .header('Wechatpay-Signature', rsaSign(lines(ts, n, text), platformKey));
    if (text === '') return reply.send();
    return reply.type('application/json; charset=utf-8').send(text);
  };

  const hold = life.hold;

  type V3Handler = (ctx: {
    body: any;
    params: any;
    query: any;
  }) => Promise<{ status: number; body?: unknown }>;
  const v3 = (handler: V3Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (faults.take('error_5xx')) return sendV3(reply, 500, { code: 'SYSTEM_ERROR', message: '系统错误' });
    const raw = rawBody(request);
    const auth = parseAuthorization(request.headers.authorization);
    if (!auth) return sendV3(reply, 401, { code: 'SIGN_ERROR', message: 'Authorization不合法' });
    if (auth.mchid !== keys.merchant.mchid) {
      return sendV3(reply, 401, { code: 'SIGN_ERROR', message: '商户号不存在或未开通API v3' });
    }
    if (auth.serial_no !== keys.merchant.serialNo) {
      return sendV3(reply, 401, { code: 'SIGN_ERROR', message: '商户证书序列号有误' });
    }
    if (
      !/^\d+$/.test(auth.timestamp) ||
      Math.abs(wallSeconds() - Number(auth.timestamp)) > MAX_CLOCK_SKEW_SECONDS
    ) {
      return sendV3(reply, 401, { code: 'SIGN_ERROR', message: '请求时间戳已过期' });
    }
    const message = lines(request.method, request.url, auth.timestamp, auth.nonce_str, raw);
    if (!rsaVerify(message, auth.signature, merchantKey)) {
      return sendV3(reply, 401, { code: 'SIGN_ERROR', message: '签名错误' });
    }
    let body: any = undefined;
    if (request.method !== 'GET') {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendV3(reply, 400, { code: 'PARAM_ERROR', message: '请求体不是合法的JSON' });
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return sendV3(reply, 400, { code: 'PARAM_ERROR', message: '请求体必须是JSON对象' });
      }
    }
    let answer: { status: number; body?: unknown };
    try {
      answer = await handler({ body, params: request.params, query: request.query });
    } catch (error) {
      if (!(error instanceof WxError || error instanceof PartnerError)) throw error;
      answer = { status: error.status, body: { code: error.code, message: error.message } };
    }
    const slow = faults.take('timeout');
    if (slow) await hold(slow.ms || 30_000);
    return sendV3(reply, answer.status, answer.body);
  };

  const bills = wechatpayBills(app, {
    ctx,
    basePath: BASE_PATH,
    mchid: keys.merchant.mchid,
    // The bill file is fetched with a signed GET whose answer is raw bytes, not a signed JSON.
    signedByMerchant: (request) => {
      const auth = parseAuthorization(request.headers.authorization);
      return (
        !!auth &&
        auth.mchid === keys.merchant.mchid &&
        auth.serial_no === keys.merchant.serialNo &&
        rsaVerify(lines('GET', request.url, auth.timestamp, auth.nonce_str, ''), auth.signature, merchantKey)
      );
    },
    publicUrl,
    v3,
    feeRatePpm: options.feeRatePpm,
  });

  const param = (cond: boolean, message: string) => {
    if (!cond) throw new WxError(400, 'PARAM_ERROR', message);
  };
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

  // ---- orders (v3) ----
  const directOrderJson = async (q: Queryable, o: OrderRow) => {
    const refunded = await refundedTotal(q, o.mchid, o.out_trade_no);
    const paid = o.trade_state === 'SUCCESS';
    const state = paid && refunded > 0 ? 'REFUND' : o.trade_state;
    const total = Number(o.total);
    return {
      appid: o.appid,
      mchid: o.mchid,
      out_trade_no: o.out_trade_no,
      ...(o.transaction_id ? { transaction_id: o.transaction_id } : {}),
      trade_type: o.trade_type,
      trade_state: state,
      trade_state_desc: state === 'REFUND' ? STATE_DESC.REFUND : o.trade_state_desc,
      ...(paid ? { bank_type: 'OTHERS', success_time: rfc3339Cst(date(o.success_time)!) } : {}),
      ...(o.attach ? { attach: o.attach } : {}),
      payer: o.payer_openid ? { openid: o.payer_openid } : {},
      amount: paid
        ? { total, payer_total: total, currency: o.currency, payer_currency: o.currency }
        : { total, currency: o.currency },
    };
  };
  // A service provider's order answers (and calls back) in the partner shape.
  const orderJson = async (q: Queryable, o: OrderRow) => partnerShape(await directOrderJson(q, o), o);

  const refundedTotal = async (q: Queryable, mchid: string, outTradeNo: string) => {
    const [row] = await q.query<{ sum: string | number }>(
      `SELECT COALESCE(SUM(refund), 0) AS sum FROM wxsim_refunds WHERE mchid = $1 AND out_trade_no = $2 AND status = 'SUCCESS'`,
      [mchid, outTradeNo],
    );
    return Number(row.sum);
  };

  const findOrder = async (q: Queryable, mchid: string, outTradeNo: string, lock = false) =>
    (
      await q.query<OrderRow>(
        `SELECT * FROM wxsim_orders WHERE mchid = $1 AND out_trade_no = $2${lock ? ' FOR UPDATE' : ''}`,
        [mchid, outTradeNo],
      )
    )[0];

  const createOrder = async (kind: string, b: any, partner?: PartnerOrder) => {
    const tradeType = TRADE_TYPES[kind];
    if (!tradeType) throw new WxError(404, 'NOT_FOUND', '无效的请求地址');
    // A partner order's merchants were checked by routes-partner.ts; it is kept under sub_mchid.
    if (!partner) {
      param(typeof b.appid === 'string' && b.appid.length > 0, '缺少参数appid');
      param(typeof b.mchid === 'string' && b.mchid.length > 0, '缺少参数mchid');
      if (b.mchid !== keys.merchant.mchid) throw new WxError(400, 'MCH_NOT_EXISTS', '商户号不存在');
      if (b.appid !== keys.merchant.appid)
        throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    }
    const mchid: string = partner ? partner.subMchid : b.mchid;
    param(
      typeof b.description === 'string' && b.description.length > 0 && b.description.length <= 127,
      '参数description不合法',
    );
    param(
      typeof b.out_trade_no === 'string' && /^[0-9A-Za-z_\-|*]{6,32}$/.test(b.out_trade_no),
      '参数out_trade_no不合法',
    );
    param(
      typeof b.notify_url === 'string' && /^https?:\/\/[^?#]+$/.test(b.notify_url),
      '参数notify_url不合法',
    );
    param(b.amount && typeof b.amount === 'object', '缺少参数amount');
    param(isInt(b.amount.total) && b.amount.total > 0, '参数amount.total必须是大于0的整数（单位：分）');
    param(b.amount.currency === undefined || b.amount.currency === 'CNY', '参数amount.currency不合法');
    let expire: Date | undefined;
    if (b.time_expire !== undefined) {
      expire = parseRfc3339(b.time_expire);
      param(!!expire && /[+-]\d{2}:\d{2}$|Z$/.test(b.time_expire), '参数time_expire不合法');
    }
    if (b.attach !== undefined)
      param(typeof b.attach === 'string' && b.attach.length <= 128, '参数attach不合法');
    let openid: string | null = partner?.openid ?? null;
    if (tradeType === 'JSAPI' && !partner) {
      param(typeof b.payer?.openid === 'string' && b.payer.openid.length > 0, '缺少参数payer.openid');
      openid = b.payer.openid;
    }
    if (tradeType === 'MWEB') {
      param(typeof b.scene_info?.payer_client_ip === 'string', '缺少参数scene_info.payer_client_ip');
      param(typeof b.scene_info?.h5_info?.type === 'string', '缺少参数scene_info.h5_info.type');
    }
    const fingerprint = JSON.stringify([
      tradeType,
      b.appid,
      b.description,
      b.amount.total,
      openid,
      b.notify_url,
      b.attach ?? null,
      ...(partner ? [partner.subAppid] : []),
    ]);
    const now = ctx.clock.now();
    const row = await ctx.db.tx(async (q) => {
      const existing = await findOrder(q, mchid, b.out_trade_no, true);
      if (existing) {
        if (existing.trade_state === 'SUCCESS') throw new WxError(400, 'ORDERPAID', '该订单已支付');
        if (existing.trade_state === 'CLOSED' || existing.trade_state === 'REVOKED') {
          throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
        }
        if (existing.fingerprint !== fingerprint)
          throw new WxError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
        return existing;
      }
      const code = randomBytes(12).toString('hex');
      const prepay =
        tradeType === 'NATIVE' || tradeType === 'MWEB'
          ? null
          : `wx${compactCst(now)}${randomBytes(10).toString('hex')}`;
      const [created] = await q.query<OrderRow>(
        `INSERT INTO wxsim_orders (mchid, out_trade_no, appid, trade_type, description, total, currency, payer_openid,
           notify_url, attach, fingerprint, trade_state, trade_state_desc, prepay_id, pay_code, time_expire, created_at, updated_at,
           sp_mchid, sub_appid, openid_kind)
         VALUES ($1, $2, $3, $4, $5, $6, 'CNY', $7, $8, $9, $10, 'NOTPAY', $11, $12, $13, $14, $15, $15, $16, $17, $18) RETURNING *`,
        [
          mchid,
          b.out_trade_no,
          b.appid,
          tradeType,
          b.description,
          b.amount.total,
          openid,
          b.notify_url,
          b.attach ?? null,
          fingerprint,
          STATE_DESC.NOTPAY,
          prepay,
          code,
          expire ?? null,
          now,
          partner?.spMchid ?? null,
          partner?.subAppid ?? null,
          partner?.openidKind ?? null,
        ],
      );
      return created;
    });
    const base = `${publicUrl()}${BASE_PATH}`;
    if (tradeType === 'NATIVE') return { status: 200, body: { code_url: `${base}/qr/${row.pay_code}` } };
    if (tradeType === 'MWEB') return { status: 200, body: { h5_url: `${base}/h5/${row.pay_code}` } };
    return { status: 200, body: { prepay_id: row.prepay_id } };
  };

  async function closeOrder(mchid: string, outTradeNo: string): Promise<void> {
    await ctx.db.tx(async (q) => {
      const order = await findOrder(q, mchid, outTradeNo, true);
      if (!order) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (order.trade_state === 'SUCCESS') throw new WxError(400, 'ORDERPAID', '订单已支付');
      if (order.trade_state === 'CLOSED') return;
      await q.query(
        `UPDATE wxsim_orders SET trade_state = 'CLOSED', trade_state_desc = $3, updated_at = $4
         WHERE mchid = $1 AND out_trade_no = $2`,
        [mchid, outTradeNo, STATE_DESC.CLOSED, ctx.clock.now()],
      );
    });
  }

  const requireMchidQuery = (query: any) => {
    param(typeof query?.mchid === 'string' && query.mchid.length > 0, '缺少参数mchid');
    if (query.mchid !== keys.merchant.mchid) throw new WxError(400, 'MCH_NOT_EXISTS', '商户号不存在');
  };

  app.post(
    `${BASE_PATH}/v3/pay/transactions/:kind`,
    v3(({ body, params }) => createOrder(params.kind, body)),
  );

  app.get(
    `${BASE_PATH}/v3/pay/transactions/out-trade-no/:no`,
    v3(async ({ params, query }) => {
      requireMchidQuery(query);
      const order = await findOrder(ctx.db, keys.merchant.mchid, params.no);
      if (!order) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      return { status: 200, body: await orderJson(ctx.db, order) };
    }),
  );

  app.get(
    `${BASE_PATH}/v3/pay/transactions/id/:tid`,
    v3(async ({ params, query }) => {
      requireMchidQuery(query);
      const [order] = await ctx.db.query<OrderRow>(
        'SELECT * FROM wxsim_orders WHERE mchid = $1 AND transaction_id = $2',
        [keys.merchant.mchid, params.tid],
      );
      if (!order) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      return { status: 200, body: await orderJson(ctx.db, order) };
    }),
  );

  app.post(
    `${BASE_PATH}/v3/pay/transactions/out-trade-no/:no/close`,
    v3(async ({ params, body }) => {
      param(typeof body.mchid === 'string', '缺少参数mchid');
      if (body.mchid !== keys.merchant.mchid) throw new WxError(400, 'MCH_NOT_EXISTS', '商户号不存在');
      await closeOrder(body.mchid, params.no);
      return { status: 204 };
    }),
  );

  // The service provider's API (routes-partner.ts), over the same orders.
  await wechatpayPartnerRoutes(app, {
    ctx,
    basePath: BASE_PATH,
    spMchid: keys.merchant.mchid,
    spAppid: keys.merchant.appid,
    v3,
    createOrder,
    orderJson: async (mchid, outTradeNo) => {
      const order = await findOrder(ctx.db, mchid, outTradeNo);
      return order ? orderJson(ctx.db, order) : undefined;
    },
    closeOrder,
  });

  // ---- refunds (v3) ----
  const refundJson = (r: RefundRow) => {
    const refund = Number(r.refund);
    const total = Number(r.total);
    return {
      refund_id: r.refund_id,
      out_refund_no: r.out_refund_no,
      transaction_id: r.transaction_id,
      out_trade_no: r.out_trade_no,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      ...(r.success_time ? { success_time: rfc3339Cst(date(r.success_time)!) } : {}),
      create_time: rfc3339Cst(date(r.created_at)!),
      status: r.status,
      funds_account: 'AVAILABLE',
      amount: {
        total,
        refund,
        payer_total: total,
        payer_refund: refund,
        settlement_total: total,
        settlement_refund: refund,
        discount_refund: 0,
        currency: r.currency,
        refund_fee: 0,
      },
    };
  };

  app.post(
    `${BASE_PATH}/v3/refund/domestic/refunds`,
    v3(async ({ body: b }) => {
      param(
        typeof b.out_refund_no === 'string' && /^[0-9A-Za-z_\-|*@]{1,64}$/.test(b.out_refund_no),
        '参数out_refund_no不合法',
      );
      param(
        typeof b.out_trade_no === 'string' || typeof b.transaction_id === 'string',
        '缺少参数out_trade_no或transaction_id',
      );
      param(b.amount && typeof b.amount === 'object', '缺少参数amount');
      param(isInt(b.amount.refund) && b.amount.refund > 0, '参数amount.refund必须是大于0的整数（单位：分）');
      param(isInt(b.amount.total) && b.amount.total > 0, '参数amount.total必须是大于0的整数（单位：分）');
      param(b.amount.currency === 'CNY', '参数amount.currency不合法');
      if (b.notify_url !== undefined)
        param(
          typeof b.notify_url === 'string' && /^https?:\/\/[^?#]+$/.test(b.notify_url),
          '参数notify_url不合法',
        );
      // A service provider refunds for a bound sub-merchant by naming its sub_mchid.
      const mchid = await refundMerchant(ctx.db, keys.merchant.mchid, b.sub_mchid);
      const now = ctx.clock.now();
      const abnormal = faults.take('refund_abnormal');
      const row = await ctx.db.tx(async (q) => {
        const [order] = await q.query<OrderRow>(
          typeof b.out_trade_no === 'string'
            ? 'SELECT * FROM wxsim_orders WHERE mchid = $1 AND out_trade_no = $2 FOR UPDATE'
            : 'SELECT * FROM wxsim_orders WHERE mchid = $1 AND transaction_id = $2 FOR UPDATE',
          [mchid, b.out_trade_no ?? b.transaction_id],
        );
        if (!order) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
        if (order.trade_state !== 'SUCCESS')
          throw new WxError(400, 'INVALID_REQUEST', '订单未支付，不能退款');
        if (b.amount.total !== Number(order.total))
          throw new WxError(400, 'PARAM_ERROR', '订单金额与原订单不一致');
        const [same] = await q.query<RefundRow>(
          'SELECT * FROM wxsim_refunds WHERE mchid = $1 AND out_refund_no = $2',
          [mchid, b.out_refund_no],
        );
        if (same) {
          if (same.out_trade_no !== order.out_trade_no || Number(same.refund) !== b.amount.refund) {
            throw new WxError(400, 'INVALID_REQUEST', '退款单号重复，且请求参数与原退款不一致');
          }
          return same;
        }
        const [{ sum }] = await q.query<{ sum: string | number }>(
          `SELECT COALESCE(SUM(refund), 0) AS sum FROM wxsim_refunds
           WHERE mchid = $1 AND out_trade_no = $2 AND status IN ('PROCESSING', 'SUCCESS')`,
          [mchid, order.out_trade_no],
        );
        if (b.amount.refund > Number(order.total) - Number(sum)) {
          throw new WxError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
        }
        const [created] = await q.query<RefundRow>(
          `INSERT INTO wxsim_refunds (refund_id, mchid, out_refund_no, out_trade_no, transaction_id, refund, total, currency,
             reason, notify_url, status, outcome, settle_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'CNY', $8, $9, 'PROCESSING', $10, $11, $12) RETURNING *`,
          [
            `5030${compactCst(now).slice(0, 8)}${digits(20)}`,
            mchid,
            b.out_refund_no,
            order.out_trade_no,
            order.transaction_id,
            b.amount.refund,
            order.total,
            typeof b.reason === 'string' ? b.reason.slice(0, 80) : null,
            b.notify_url ?? order.notify_url,
            abnormal ? 'ABNORMAL' : 'SUCCESS',
            new Date(now.getTime() + (options.refundSettleMs ?? 0)),
            now,
          ],
        );
        return created;
      });
      return { status: 200, body: refundJson(row) };
    }),
  );

  app.get(
    `${BASE_PATH}/v3/refund/domestic/refunds/:no`,
    v3(async ({ params, query }) => {
      const [row] = await ctx.db.query<RefundRow>(
        'SELECT * FROM wxsim_refunds WHERE mchid = $1 AND out_refund_no = $2',
        [await refundMerchant(ctx.db, keys.merchant.mchid, query?.sub_mchid), params.no],
      );
      if (!row) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return { status: 200, body: refundJson(row) };
    }),
  );

  // Platform certificates, encrypted with the API v3 key, as GET /v3/certificates answers.
  app.get(
    `${BASE_PATH}/v3/certificates`,
    v3(async () => {
      const iv = nonce(12);
      return {
        status: 200,
        body: {
          data: [
            {
              serial_no: keys.platform.serial,
              effective_time: rfc3339Cst(new Date(Date.now() - 86_400_000)),
              expire_time: rfc3339Cst(new Date(Date.now() + 5 * 365 * 86_400_000)),
              encrypt_certificate: {
                algorithm: 'AEAD_AES_256_GCM',
                nonce: iv,
                associated_data: 'certificate',
                ciphertext: aesGcmEncrypt(
                  keys.platform.certificatePem,
                  keys.merchant.apiV3Key,
                  iv,
                  'certificate',
                ),
              },
            },
          ],
        },
      };
    }),
  );

  // ---- v2 (XML): micropay, orderquery, reverse ----
  type V2Handler = (fields: Record<string, string>) => Promise<Record<string, string | number | undefined>>;
  const v2 = (handler: V2Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
    const xml = (status: number, fields: Record<string, string | number | undefined>) =>
      reply.status(status).type('text/xml; charset=utf-8').send(toXml(fields));
    if (faults.take('error_5xx')) return xml(500, { return_code: 'FAIL', return_msg: 'SYSTEMERROR' });
    const fields = parseXml(rawBody(request));
    if (!fields) return xml(200, { return_code: 'FAIL', return_msg: 'XML格式错误' });
    if (fields.mch_id !== keys.merchant.mchid)
      return xml(200, { return_code: 'FAIL', return_msg: 'mch_id参数格式错误' });
    if (fields.appid !== keys.merchant.appid)
      return xml(200, { return_code: 'FAIL', return_msg: 'appid和mch_id不匹配' });
    if (!fields.nonce_str) return xml(200, { return_code: 'FAIL', return_msg: '缺少参数nonce_str' });
    const signType = (fields.sign_type ?? 'MD5') as V2SignType;
    if (signType !== 'MD5' && signType !== 'HMAC-SHA256')
      return xml(200, { return_code: 'FAIL', return_msg: 'sign_type参数错误' });
    if (!fields.sign || !v2SignMatches(fields, keys.merchant.apiV2Key, signType)) {
      return xml(200, { return_code: 'FAIL', return_msg: '签名错误' });
    }
    const result = await handler(fields);
    const answer: Record<string, string> = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: keys.merchant.appid,
      mch_id: keys.merchant.mchid,
      nonce_str: nonce(32),
    };
    for (const [k, v] of Object.entries(result)) if (v !== undefined && v !== '') answer[k] = String(v);
    answer.sign = v2Sign(answer, keys.merchant.apiV2Key, signType);
    const slow = faults.take('timeout');
    if (slow) await hold(slow.ms || 30_000);
    return xml(200, answer);
  };

  const v2Fail = (err_code: string, err_code_des: string) => ({
    result_code: 'FAIL',
    err_code,
    err_code_des,
  });
  const v2Order = (o: OrderRow) => {
    const paid = o.trade_state === 'SUCCESS';
    return {
      device_info: undefined,
      openid: o.payer_openid ?? undefined,
      is_subscribe: 'N',
      trade_type: o.trade_type,
      bank_type: paid ? 'OTHERS' : undefined,
      fee_type: o.currency,
      total_fee: Number(o.total),
      cash_fee_type: paid ? o.currency : undefined,
      cash_fee: paid ? Number(o.total) : undefined,
      transaction_id: o.transaction_id ?? undefined,
      out_trade_no: o.out_trade_no,
      attach: o.attach ?? undefined,
      time_end: paid ? compactCst(date(o.success_time)!) : undefined,
    };
  };

  app.post(
    `${BASE_PATH}/pay/micropay`,
    v2(async (f) => {
      for (const name of ['body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'auth_code']) {
        if (!f[name]) return v2Fail('PARAM_ERROR', `缺少参数${name}`);
      }
      if (!/^[0-9A-Za-z_\-|*@]{1,32}$/.test(f.out_trade_no))
        return v2Fail('PARAM_ERROR', 'out_trade_no参数格式错误');
      if (!/^[1-9]\d{0,15}$/.test(f.total_fee)) return v2Fail('PARAM_ERROR', 'total_fee参数格式错误');
      if (f.fee_type && f.fee_type !== 'CNY') return v2Fail('PARAM_ERROR', 'fee_type参数格式错误');
      if (!/^1[0-5]\d{16}$/.test(f.auth_code)) return v2Fail('AUTH_CODE_INVALID', '付款码无效，请重新扫码');
      const total = Number(f.total_fee);
      const fingerprint = JSON.stringify(['MICROPAY', f.appid, f.body, total, f.auth_code, f.attach ?? null]);
      const now = ctx.clock.now();
      // Sandbox payer behaviour by auth code: 13... needs the payer's password (USERPAYING),
      // 14... has too little balance (NOTENOUGH), anything else pays at once.
      const behaviour = f.auth_code.startsWith('13')
        ? 'password'
        : f.auth_code.startsWith('14')
          ? 'notenough'
          : 'pay';
      return ctx.db.tx(async (q) => {
        const existing = await findOrder(q, f.mch_id, f.out_trade_no, true);
        if (existing) {
          if (existing.fingerprint !== fingerprint) return v2Fail('OUT_TRADE_NO_USED', '商户订单号重复');
          if (existing.trade_state === 'SUCCESS') return { result_code: 'SUCCESS', ...v2Order(existing) };
          if (existing.trade_state === 'USERPAYING') return v2Fail('USERPAYING', '需要用户输入支付密码');
          if (existing.trade_state === 'REVOKED') return v2Fail('ORDERREVERSED', '订单已撤销');
          return v2Fail('TRADE_ERROR', existing.trade_state_desc);
        }
        const state = behaviour === 'pay' ? 'SUCCESS' : behaviour === 'password' ? 'USERPAYING' : 'PAYERROR';
        const [order] = await q.query<OrderRow>(
          `INSERT INTO wxsim_orders (mchid, out_trade_no, appid, trade_type, description, total, currency, payer_openid,
             attach, fingerprint, trade_state, trade_state_desc, pay_code, transaction_id, success_time, created_at, updated_at)
           VALUES ($1, $2, $3, 'MICROPAY', $4, $5, 'CNY', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING *`,
          [
            f.mch_id,
            f.out_trade_no,
            f.appid,
            f.body,
            total,
            payerOpenid(),
            f.attach ?? null,
            fingerprint,
            state,
            behaviour === 'notenough' ? '余额不足' : STATE_DESC[state],
            randomBytes(12).toString('hex'),
            state === 'SUCCESS' ? transactionId(now) : null,
            state === 'SUCCESS' ? now : null,
            now,
          ],
        );
        if (state === 'SUCCESS') return { result_code: 'SUCCESS', ...v2Order(order) };
        if (state === 'USERPAYING') return v2Fail('USERPAYING', '需要用户输入支付密码');
        return v2Fail('NOTENOUGH', '余额不足');
      });
    }),
  );

  app.post(
    `${BASE_PATH}/pay/orderquery`,
    v2(async (f) => {
      if (!f.out_trade_no && !f.transaction_id) return v2Fail('PARAM_ERROR', '缺少参数out_trade_no');
      const [order] = await ctx.db.query<OrderRow>(
        f.out_trade_no
          ? 'SELECT * FROM wxsim_orders WHERE mchid = $1 AND out_trade_no = $2'
          : 'SELECT * FROM wxsim_orders WHERE mchid = $1 AND transaction_id = $2',
        [f.mch_id, f.out_trade_no || f.transaction_id],
      );
      if (!order) return v2Fail('ORDERNOTEXIST', '此交易订单号不存在');
      const refunded = await refundedTotal(ctx.db, order.mchid, order.out_trade_no);
      const state = order.trade_state === 'SUCCESS' && refunded > 0 ? 'REFUND' : order.trade_state;
      return {
        result_code: 'SUCCESS',
        trade_state: state,
        trade_state_desc: state === 'REFUND' ? STATE_DESC.REFUND : order.trade_state_desc,
        ...v2Order(order),
      };
    }),
  );

  app.post(
    `${BASE_PATH}/secapi/pay/reverse`,
    v2(async (f) => {
      if (!f.out_trade_no && !f.transaction_id) return v2Fail('PARAM_ERROR', '缺少参数out_trade_no');
      return ctx.db.tx(async (q) => {
        const [order] = await q.query<OrderRow>(
          'SELECT * FROM wxsim_orders WHERE mchid = $1 AND (out_trade_no = $2 OR transaction_id = $2) FOR UPDATE',
          [f.mch_id, f.out_trade_no || f.transaction_id],
        );
        if (!order) return v2Fail('ORDERNOTEXIST', '此交易订单号不存在');
        if (order.trade_type !== 'MICROPAY') return v2Fail('TRADE_ERROR', '非付款码支付订单不能撤销');
        await q.query(
          `UPDATE wxsim_orders SET trade_state = 'REVOKED', trade_state_desc = $3, updated_at = $4
           WHERE mchid = $1 AND out_trade_no = $2`,
          [order.mchid, order.out_trade_no, STATE_DESC.REVOKED, ctx.clock.now()],
        );
        return { result_code: 'SUCCESS', recall: 'N' };
      });
    }),
  );

  // ---- callbacks: queued in the state's transaction, delivered with WeChat's schedule ----
  const queueCallback = async (
    q: Queryable,
    mchid: string,
    eventType: string,
    resourceType: 'transaction' | 'refund',
    resource: Record<string, unknown>,
    notifyUrl: string,
  ): Promise<string> => {
    const now = ctx.clock.now();
    const iv = nonce(12);
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: rfc3339Cst(now),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary:
        resourceType === 'transaction'
          ? '支付成功'
          : eventType === 'REFUND.SUCCESS'
            ? '退款成功'
            : '退款异常',
      resource: {
        original_type: resourceType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aesGcmEncrypt(JSON.stringify(resource), keys.merchant.apiV3Key, iv, resourceType),
        associated_data: resourceType,
        nonce: iv,
      },
    });
    await queueUnderFaults(q, {
      table: 'wxsim_callbacks',
      faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        q.query(
          `INSERT INTO wxsim_callbacks (id, mchid, event_type, notify_url, body, status, next_at, flags, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, mchid, eventType, notifyUrl, body, status, nextAt, flags, now],
        ),
    });
    return id;
  };

  const post = async (url: string, body: string, headers: Record<string, string>): Promise<number | null> => {
    const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
    return answer?.status ?? null;
  };

  const signedHeaders = (body: string, forged: boolean) => {
    const ts = String(wallSeconds());
    const n = nonce(32);
    const signer = forged ? forgeKey() : platformKey;
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0',
      'Wechatpay-Nonce': n,
      'Wechatpay-Timestamp': ts,
      'Wechatpay-Serial': keys.platform.serial,
      'Wechatpay-Signature-Type': V3_SCHEME,
      'Wechatpay-Signature': rsaSign(lines(ts, n, body), signer),
    };
  };

  /** One attempt of a claimed callback (WeChat takes 200 or 204); the kit reschedules it on failure. */
  const callbacks = noticeDelivery<CallbackRow>(ctx, {
    table: 'wxsim_callbacks',
    retryScheduleMs: CALLBACK_RETRY_SCHEDULE_MS,
    send: async (cb, number, flags) => {
      const forged = !!flags.forge;
      const status = await post(cb.notify_url, cb.body, signedHeaders(cb.body, forged));
      deliveries.push({ callbackId: cb.id, eventType: cb.event_type, attempt: number, status, forged });
      if (flags.duplicate) {
        const again = await post(cb.notify_url, cb.body, signedHeaders(cb.body, false));
        deliveries.push({
          callbackId: cb.id,
          eventType: cb.event_type,
          attempt: number,
          status: again,
          forged: false,
        });
      }
      return { status, ok: status === 200 || status === 204 };
    },
  });

  const settleRefunds = async () => {
    const due = await ctx.db.query<{ refund_id: string }>(
      `SELECT refund_id FROM wxsim_refunds WHERE status = 'PROCESSING' AND settle_at <= $1 ORDER BY created_at`,
      [ctx.clock.now()],
    );
    for (const { refund_id } of due) {
      await ctx.db.tx(async (q) => {
        const [r] = await q.query<RefundRow>(
          `SELECT * FROM wxsim_refunds WHERE refund_id = $1 AND status = 'PROCESSING' FOR UPDATE`,
          [refund_id],
        );
        if (!r) return;
        const now = ctx.clock.now();
        const ok = r.outcome === 'SUCCESS';
        const [settled] = await q.query<RefundRow>(
          `UPDATE wxsim_refunds SET status = $2, success_time = $3 WHERE refund_id = $1 RETURNING *`,
          [refund_id, r.outcome, ok ? now : null],
        );
        if (!settled.notify_url) return;
        const json = refundJson(settled);
        await queueCallback(
          q,
          settled.mchid,
          ok ? 'REFUND.SUCCESS' : 'REFUND.ABNORMAL',
          'refund',
          {
            ...(await refundMerchantFields(q, settled.mchid)),
            out_trade_no: settled.out_trade_no,
            transaction_id: settled.transaction_id,
            out_refund_no: settled.out_refund_no,
            refund_id: settled.refund_id,
            refund_status: settled.status,
            ...(json.success_time ? { success_time: json.success_time } : {}),
            amount: {
              total: json.amount.total,
              refund: json.amount.refund,
              payer_total: json.amount.payer_total,
              payer_refund: json.amount.payer_refund,
            },
            user_received_account: json.user_received_account,
          },
          settled.notify_url,
        );
      });
    }
  };

  const due = dueWork(async () => {
    await settleRefunds();
    await callbacks.deliverDue();
  });

  // ---- the payer ----
  const payerAct = async (mchid: string, outTradeNo: string, action: 'pay' | 'decline') => {
    const now = ctx.clock.now();
    const outcome = await ctx.db.tx(async (q) => {
      const order = await findOrder(q, mchid, outTradeNo, true);
      if (!order) return { ok: false, reason: '订单不存在' };
      if (order.trade_state !== 'NOTPAY' && order.trade_state !== 'USERPAYING') {
        return { ok: false, reason: STATE_DESC[order.trade_state] ?? order.trade_state_desc };
      }
      const expire = date(order.time_expire);
      if (expire && now.getTime() > expire.getTime()) return { ok: false, reason: '订单已过期' };
      if (action === 'decline') {
        await q.query(
          `UPDATE wxsim_orders SET trade_state = 'PAYERROR', trade_state_desc = '用户取消支付', updated_at = $3
           WHERE mchid = $1 AND out_trade_no = $2`,
          [mchid, outTradeNo, now],
        );
        return { ok: true };
      }
      const [paid] = await q.query<OrderRow>(
        `UPDATE wxsim_orders SET trade_state = 'SUCCESS', trade_state_desc = $3, transaction_id = $4, success_time = $5,
           payer_openid = COALESCE(payer_openid, $6), updated_at = $5 WHERE mchid = $1 AND out_trade_no = $2 RETURNING *`,
        [mchid, outTradeNo, STATE_DESC.SUCCESS, transactionId(now), now, payerOpenid()],
      );
      const callbackId = paid.notify_url
        ? await queueCallback(
            q,
            mchid,
            'TRANSACTION.SUCCESS',
            'transaction',
            await orderJson(q, paid),
            paid.notify_url,
          )
        : undefined;
      return { ok: true, callbackId };
    });
    if (outcome.ok && 'callbackId' in outcome && outcome.callbackId) {
      await callbacks.deliverIfDue(outcome.callbackId);
      // If the background run claimed it first, return only once that delivery is done too.
      await due.settled();
    }
    return { ok: outcome.ok, ...(outcome.reason ? { reason: outcome.reason } : {}) };
  };

  // ---- payer pages: QR landing, H5, and the cashier for JSAPI / app / barcode password ----
  await wechatOauthRoutes(app, { ctx, keys, basePath: BASE_PATH });
  // The payer API: whoever plays the payer of a merchant order (test helpers, a wallet).
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      // Raw bodies here (signatures elsewhere cover the exact bytes): a JSON {out_trade_no}.
      const outTradeNo = payerOrderNo(request.body);
      const [order] = outTradeNo
        ? await ctx.db.query<OrderRow>('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [outTradeNo])
        : [];
      if (!order) return reply.status(404).send({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      const result = await payerAct(order.mchid, outTradeNo, action);
      return reply.send({ out_trade_no: outTradeNo, ok: result.ok, reason: result.reason ?? null });
    });
  }
  const orderByCode = async (code: string) =>
    (await ctx.db.query<OrderRow>('SELECT * FROM wxsim_orders WHERE pay_code = $1', [code]))[0];
  const page = async (reply: FastifyReply, code: string, notice?: string) => {
    const order = /^[0-9a-f]{24}$/.test(code) ? await orderByCode(code) : undefined;
    if (!order)
      return reply.status(404).type('text/html; charset=utf-8').send('<h1>订单不存在 (no such order)</h1>');
    const expire = date(order.time_expire);
    return reply.type('text/html; charset=utf-8').send(
      payerPage(
        {
          code: order.pay_code,
          mchid: order.mchid,
          outTradeNo: order.out_trade_no,
          tradeType: order.trade_type,
          description: order.description,
          total: Number(order.total),
          state: order.trade_state,
          stateDesc: order.trade_state_desc,
          expired: !!expire && ctx.clock.now().getTime() > expire.getTime(),
        },
        BASE_PATH,
        notice,
      ),
    );
  };
  // What a JSAPI / mini-program / app payer's WeChat would open for a prepay_id.
  app.get(`${BASE_PATH}/jsapi`, async (request, reply) => {
    const prepayId = (request.query as { prepay_id?: unknown }).prepay_id;
    const [order] =
      typeof prepayId === 'string' && prepayId.length <= 64
        ? await ctx.db.query<OrderRow>('SELECT * FROM wxsim_orders WHERE prepay_id = $1', [prepayId])
        : [];
    if (!order)
      return reply.status(404).type('text/html; charset=utf-8').send('<h1>订单不存在 (no such order)</h1>');
    return reply.redirect(`${BASE_PATH}/cashier/${order.pay_code}`, 303);
  });
  for (const kind of ['qr', 'h5', 'cashier']) {
    app.get(`${BASE_PATH}/${kind}/:code`, async (request, reply) =>
      page(reply, (request.params as { code: string }).code),
    );
  }
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/cashier/:code/${action}`, async (request, reply) => {
      const { code } = request.params as { code: string };
      const order = /^[0-9a-f]{24}$/.test(code) ? await orderByCode(code) : undefined;
      if (!order)
        return reply.status(404).type('text/html; charset=utf-8').send('<h1>订单不存在 (no such order)</h1>');
      const result = await payerAct(order.mchid, order.out_trade_no, action);
      if (!result.ok) return page(reply.status(409), code, result.reason);
      return reply.redirect(`${BASE_PATH}/cashier/${code}`, 303);
    });
  }

  // ---- wiring ----
  const simulator: WechatpaySimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries, link, due }),
    payerAct,
    bills,
    bindSubMerchant: (subMchid, subAppids = []) =>
      bindSandboxSubMerchant(ctx, keys.merchant.mchid, subMchid, subAppids),
    findOrderByOutTradeNo: async (outTradeNo) => {
      const [row] = await ctx.db.query<OrderRow>('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [
        outTradeNo,
      ]);
      return row
        ? {
            mchid: row.mchid,
            state: row.trade_state,
            tradeType: row.trade_type,
            total: Number(row.total),
            cashierUrl: `${publicUrl()}${BASE_PATH}/cashier/${row.pay_code}`,
          }
        : undefined;
    },
  };
  putInService({
    ctx,
    simulator,
    instances: simulators,
    life,
    tickMs: tickMsOf(options),
    due,
  });
}

/** The out_trade_no of a payer API call: a JSON `{out_trade_no}` over the raw body ('' when absent). */
function payerOrderNo(body: unknown): string {
  try {
    const parsed = JSON.parse(String(body ?? '')) as { out_trade_no?: unknown };
    return typeof parsed.out_trade_no === 'string' ? parsed.out_trade_no : '';
  } catch {
    return '';
  }
}

/**
 * The default merchant as WeChat Pay's merchant platform shows it to a developer (mchid,
 * appid, API certificate serial and key, APIv3/v2 keys, the platform certificate, the
 * official account's AppSecret) with the simulator's base URL, in a channel config's vocabulary.
 */
export function wechatpayDefaultMerchant(sim: WechatpaySimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  const { merchant, platform } = sim.keys;
  return {
    settings: {
      mch_id: merchant.mchid,
      appid: merchant.appid,
      serial_no: merchant.serialNo,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}/`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: {
      private_key: merchant.privateKeyPem,
      api_v3_key: merchant.apiV3Key,
      api_v2_key: merchant.apiV2Key,
      platform_certificate: platform.certificatePem,
      app_secret: sandboxAppSecret(sim.keys),
    },
  };
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1e9)).padStart(9, '0');
  return out.slice(0, n);
}

/** 28 digits like WeChat's: 4200 + yyyyMMdd + 16 digits. */
function transactionId(now: Date): string {
  return `4200${compactCst(now).slice(0, 8)}${digits(16)}`;
}

function payerOpenid(): string {
  return `oSandbox${randomBytes(10).toString('base64url')}`;
}
