import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import type { Queryable } from '../../db/db.js';
import { type SandboxAlipayApp, findSandboxApp, rsaKeyPair } from './keys.js';
import { AlipayAuthCodes } from './oauth.js';
import {
  SUCCESS,
  beijingTime,
  businessError,
  formatYuan,
  isvError,
  parseBeijingTime,
  parseYuan,
  rsa2Sign,
  rsa2Verify,
  signContent,
  signedResponse,
  systemError,
} from './protocol.js';

/** Methods the payer's browser or the Alipay app carries to the gateway (cashier flows). */
export const PAGE_METHODS = [
  'alipay.trade.page.pay',
  'alipay.trade.wap.pay',
  'alipay.trade.app.pay',
] as const;
/** Server-to-server methods answered with signed JSON. */
export const API_METHODS = [
  'alipay.trade.precreate',
  'alipay.trade.pay',
  'alipay.trade.create',
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.cancel',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
  'alipay.system.oauth.token',
] as const;

const PRODUCT_CODES: Record<string, string | undefined> = {
  'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
  'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
};

/** Alipay's documented async-notify schedule after the first attempt: 4m,10m,10m,1h,2h,6h,15h. */
export const NOTIFY_RETRY_DELAYS_MS = [4, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

/** Unpaid trades close after 15 days when the merchant gives no time_expire / timeout_express. */
const DEFAULT_TIMEOUT_MS = 15 * 24 * 3600_000;

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface Trade {
  tradeNo: string;
  appId: string;
  outTradeNo: string;
  apiMethod: string;
  productCode: string | null;
  totalAmount: number;
  subject: string;
  fingerprint: string;
  status: TradeStatus;
  buyerId: string | null;
  buyerLogonId: string | null;
  authCode: string | null;
  notifyUrl: string | null;
  returnUrl: string | null;
  expiresAt: Date;
  visible: boolean;
  refunded: number;
  createdAt: Date;
  paidAt: Date | null;
  closedAt: Date | null;
}

function toTrade(r: Record<string, any>): Trade {
  return {
    tradeNo: r.trade_no,
    appId: r.app_id,
    outTradeNo: r.out_trade_no,
    apiMethod: r.api_method,
    productCode: r.product_code,
    totalAmount: Number(r.total_amount),
    subject: r.subject,
    fingerprint: r.fingerprint,
    status: r.status,
    buyerId: r.buyer_id,
    buyerLogonId: r.buyer_logon_id,
    authCode: r.auth_code,
    notifyUrl: r.notify_url,
    returnUrl: r.return_url,
    expiresAt: new Date(r.expires_at),
    visible: r.visible,
    refunded: Number(r.refunded),
    createdAt: new Date(r.created_at),
    paidAt: r.paid_at ? new Date(r.paid_at) : null,
    closedAt: r.closed_at ? new Date(r.closed_at) : null,
  };
}

export interface Fault {
  id: string;
  kind: FaultKind;
  apiMethod: string | null;
  remaining: number;
  params: Record<string, unknown>;
}

export const NOTIFY_FAULTS = ['delay', 'duplicate', 'reorder', 'drop', 'forge'] as const;
export const GATEWAY_FAULTS = ['error_5xx', 'timeout', 'business_error'] as const;
export type FaultKind = (typeof NOTIFY_FAULTS)[number] | (typeof GATEWAY_FAULTS)[number];

/** What the gateway route sends back: a signed JSON body, or an injected transport fault. */
export type GatewayAnswer =
  { kind: 'json'; body: string; delayMs?: number } | { kind: 'http_error'; status: number };

/** Outcome of one notification attempt, as the simulator saw it. */
export interface NotifyAttempt {
  id: string;
  status: number | null;
  body: string;
  acknowledged: boolean;
}

/**
 * Sends a notification form and returns what the receiver answered. The plugin supplies
 * one that loops back in-process for the gateway's own URLs and uses fetch otherwise.
 */
export type NotifySender = (
  url: string,
  form: Record<string, string>,
) => Promise<{ status: number; body: string }>;

type Biz = Record<string, unknown>;
type Reply = Record<string, unknown>;

class Rejection extends Error {
  constructor(readonly payload: Record<string, string>) {
    super(payload.sub_msg);
  }
}
const reject = (payload: Record<string, string>): never => {
  throw new Rejection(payload);
};

/**
 * The Alipay simulator: the state machine of trades, refunds and notifications behind
 * /sandbox/alipay/gateway.do, the cashier pages and the fault-injection admin API.
 */
export class AlipaySimulator {
  /** The auth codes of the payers' web authorizations (oauth.ts). */
  readonly authCodes: AlipayAuthCodes;

  constructor(
    readonly ctx: SandboxContext,
    private readonly send: NotifySender,
  ) {
    this.authCodes = new AlipayAuthCodes(ctx);
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  // ---------------------------------------------------------------- request checks

  /**
   * The common-parameter checks and the RSA2 signature check, in the gateway's order.
   * Returns the app and parsed biz_content, or throws a Rejection shaped as Alipay answers.
   */
  async authenticate(params: Record<string, string>): Promise<{ app: SandboxAlipayApp; biz: Biz }> {
    if (!params.app_id) reject(isvError('40001', 'isv.missing-app-id', '缺少AppID参数'));
    if (!params.method) reject(isvError('40001', 'isv.missing-method', '缺少方法名参数'));
    if (!params.sign) reject(isvError('40001', 'isv.missing-signature', '缺少签名参数'));
    if (!params.sign_type) reject(isvError('40001', 'isv.missing-signature-type', '缺少签名类型参数'));
    if (!params.timestamp) reject(isvError('40001', 'isv.missing-timestamp', '缺少时间戳参数'));
    if (!params.version) reject(isvError('40001', 'isv.missing-version', '缺少版本参数'));
    const app = await findSandboxApp(this.ctx.db, this.ctx.box, params.app_id);
    if (!app) reject(isvError('40002', 'isv.invalid-app-id', '无效的AppID参数'));
    if (params.sign_type !== 'RSA2') {
      reject(isvError('40002', 'isv.invalid-signature-type', '无效的签名类型参数'));
    }
    if (params.charset && params.charset.toLowerCase() !== 'utf-8') {
      reject(isvError('40002', 'isv.invalid-charset', '字符集错误'));
    }
    if (!parseBeijingTime(params.timestamp)) {
      reject(isvError('40002', 'isv.invalid-timestamp', '非法的时间戳参数'));
    }
    if (params.version !== '1.0') reject(isvError('40002', 'isv.invalid-version', '版本号错误'));
    if (params.format && params.format.toUpperCase() !== 'JSON') {
      reject(isvError('40002', 'isv.invalid-format', '无效的数据格式参数'));
    }
    const content = signContent(params);
    if (!rsa2Verify(content, params.sign, app!.appPublicKey)) {
      reject(
        isvError(
          '40002',
          'isv.invalid-signature',
          `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
        ),
      );
    }
    for (const url of [params.notify_url, params.return_url]) {
      if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) {
        reject(isvError('40002', 'isv.invalid-parameter', `非法的URL参数: ${url}`));
      }
    }
    let biz: unknown = {};
    if (params.biz_content !== undefined) {
      try {
        biz = JSON.parse(params.biz_content);
      } catch {
        reject(isvError('40002', 'isv.invalid-parameter', 'biz_content 不是合法的 JSON'));
      }
    }
    if (!biz || typeof biz !== 'object' || Array.isArray(biz)) {
      reject(isvError('40002', 'isv.invalid-parameter', 'biz_content 不是 JSON 对象'));
    }
    return { app: app!, biz: biz as Biz };
  }

  // ---------------------------------------------------------------- JSON API

  /** One gateway call for a server-to-server method: always a signed answer (or a fault). */
  async api(params: Record<string, string>): Promise<GatewayAnswer> {
    const method = params.method ?? '';
    const fault = (API_METHODS as readonly string[]).includes(method)
      ? await this.takeFault(GATEWAY_FAULTS, method)
      : undefined;
    if (fault?.kind === 'error_5xx') {
      return { kind: 'http_error', status: Number(fault.params.status ?? 502) };
    }
    let app: SandboxAlipayApp | undefined;
    let payload: Reply;
    try {
      const authed = await this.authenticate(params);
      app = authed.app;
      if (!(API_METHODS as readonly string[]).includes(method)) {
        reject(isvError('40002', 'isv.invalid-method', `不存在的方法名: ${method}`));
      }
      if (fault?.kind === 'business_error') {
        // Without a sub code it is Alipay's "system busy" (20000 ACQ.SYSTEM_ERROR): retry later.
        payload = fault.params.sub_code
          ? businessError(String(fault.params.sub_code), String(fault.params.sub_msg ?? '业务处理失败'))
          : systemError();
      } else if (method === 'alipay.system.oauth.token') {
        return { kind: 'json', body: this.oauthToken(app, params) };
      } else {
        payload = await this.dispatch(method, app, authed.biz, params);
      }
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      payload = error.payload;
    }
    // Alipay signs every answer it can attribute to an app, errors included.
    const signer = app ?? (await this.anyAppForErrors(params.app_id));
    const known = (API_METHODS as readonly string[]).includes(method);
    const body = signer
      ? signedResponse(method, payload, signer.alipayPrivateKey, known ? undefined : 'error_response')
      : JSON.stringify({ error_response: payload });
    const delayMs =
      fault?.kind === 'timeout' ? Math.min(Number(fault.params.ms ?? 10_000), 60_000) : undefined;
    return { kind: 'json', body, delayMs };
  }

  private async anyAppForErrors(appId: string | undefined): Promise<SandboxAlipayApp | undefined> {
    return appId ? findSandboxApp(this.ctx.db, this.ctx.box, appId) : undefined;
  }

  /**
   * alipay.system.oauth.token: the code (top-level parameter, not biz_content) for the
   * buyer's user_id. Alipay answers a success without code/msg, and a bad code as a signed
   * error_response (40002 isv.code-invalid).
   */
  private oauthToken(app: SandboxAlipayApp, params: Record<string, string>): string {
    const method = 'alipay.system.oauth.token';
    const fail = (subCode: string, subMsg: string) =>
      signedResponse(
        method,
        { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg },
        app.alipayPrivateKey,
        'error_response',
      );
    if (params.grant_type !== 'authorization_code')
      return fail('isv.grant-type-invalid', 'grant_type参数不正确');
    const userId = params.code ? this.authCodes.redeem(app.appId, params.code) : undefined;
    if (!userId) return fail('isv.code-invalid', '授权码code无效');
    return signedResponse(
      method,
      {
        user_id: userId,
        access_token: `authbseB${randomUUID().replaceAll('-', '')}`,
        expires_in: 1296000,
        refresh_token: `authbseB${randomUUID().replaceAll('-', '')}`,
        re_expires_in: 2592000,
        auth_start: beijingTime(this.now()),
      },
      app.alipayPrivateKey,
    );
  }

  private dispatch(method: string, app: SandboxAlipayApp, biz: Biz, params: Record<string, string>) {
    switch (method) {
      case 'alipay.trade.precreate':
        return this.precreate(app, biz, params);
      case 'alipay.trade.pay':
        return this.barcodePay(app, biz, params);
      case 'alipay.trade.create':
        return this.jsapiCreate(app, biz, params);
      case 'alipay.trade.query':
        return this.query(app, biz);
      case 'alipay.trade.close':
        return this.close(app, biz);
      case 'alipay.trade.cancel':
        return this.cancel(app, biz);
      case 'alipay.trade.refund':
        return this.refund(app, biz);
      default:
        return this.refundQuery(app, biz);
    }
  }

  private async precreate(app: SandboxAlipayApp, biz: Biz, params: Record<string, string>): Promise<Reply> {
    const trade = await this.placeOrder(app, 'alipay.trade.precreate', biz, params, { visible: false });
    return { ...SUCCESS, out_trade_no: trade.outTradeNo, qr_code: this.qrCode(trade) };
  }

  qrCode(trade: Trade): string {
    return `${this.ctx.publicUrl}/sandbox/alipay/qr/${trade.tradeNo}`;
  }

  /**
   * Barcode (付款码) payment. The payer is played by the auth code itself, documented in
   * the README: ...0000 makes the payer confirm with a password later (10003), ...9999
   * has too little balance (ACQ.BUYER_BALANCE_NOT_ENOUGH), anything else pays at once.
   */
  private async barcodePay(app: SandboxAlipayApp, biz: Biz, params: Record<string, string>): Promise<Reply> {
    const authCode = str(biz.auth_code);
    if (!authCode) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: auth_code'));
    if (!/^(2[5-9]|30)\d{14,22}$/.test(authCode!)) {
      reject(
        businessError(
          'ACQ.PAYMENT_AUTH_CODE_INVALID',
          '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
        ),
      );
    }
    const scene = str(biz.scene) ?? 'bar_code';
    if (scene !== 'bar_code' && scene !== 'security_code') {
      reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: scene'));
    }
    const existing = await this.findTrade(app.appId, str(biz.out_trade_no));
    if (existing && existing.status === 'TRADE_SUCCESS') {
      reject(businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'));
    }
    if (authCode!.endsWith('9999')) {
      this.validateOrder(biz, 'alipay.trade.pay');
      reject(businessError('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'));
    }
    let trade = await this.placeOrder(app, 'alipay.trade.pay', biz, params, {
      visible: true,
      authCode: authCode!,
      buyer: payer(),
    });
    if (trade.status === 'WAIT_BUYER_PAY' && !authCode!.endsWith('0000')) {
      trade = (await this.pay(trade.tradeNo)) ?? trade;
    }
    if (trade.status === 'WAIT_BUYER_PAY') {
      return {
        code: '10003',
        msg: ' order success pay inprocess',
        ...this.tradeFields(trade),
      };
    }
    if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
    return {
      ...SUCCESS,
      ...this.tradeFields(trade),
      gmt_payment: beijingTime(trade.paidAt!),
      fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: formatYuan(trade.totalAmount) }],
    };
  }

  private async jsapiCreate(app: SandboxAlipayApp, biz: Biz, params: Record<string, string>): Promise<Reply> {
    const buyerId = str(biz.buyer_id) ?? str(biz.buyer_open_id) ?? str(biz.op_buyer_open_id);
    if (!buyerId)
      reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: buyer_id 与 buyer_open_id 不能同时为空'));
    if (str(biz.buyer_id) && !/^2088\d{12}$/.test(buyerId!)) {
      reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: buyer_id'));
    }
    const trade = await this.placeOrder(app, 'alipay.trade.create', biz, params, {
      visible: true,
      buyer: { id: buyerId!, logonId: 'sandbox-buyer@example.com' },
    });
    return { ...SUCCESS, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
  }

  private async query(app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
    const trade = await this.tradeFor(app, biz, { visibleOnly: true });
    const reply: Reply = {
      ...SUCCESS,
      ...this.tradeFields(trade),
      trade_status: trade.status,
    };
    if (trade.paidAt) reply.send_pay_date = beijingTime(trade.paidAt);
    if (trade.status === 'TRADE_SUCCESS' || trade.paidAt) {
      reply.buyer_pay_amount = formatYuan(trade.totalAmount);
      reply.receipt_amount = formatYuan(trade.totalAmount);
    }
    return reply;
  }

  private async close(app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
    const trade = await this.tradeFor(app, biz, { visibleOnly: false });
    if (trade.status !== 'WAIT_BUYER_PAY') reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
    // The merchant closed it and has the answer: Alipay notifies TRADE_CLOSED only for
    // timeouts and full refunds (and, in this simulator, a payer who cancels).
    const closed = await this.closeTrade(trade.tradeNo, { notify: false });
    if (!closed) reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
    return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
  }

  /** Reverse a barcode payment: close it if unpaid, refund it in full if paid. */
  private async cancel(app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
    const trade = await this.tradeFor(app, biz, { visibleOnly: false });
    let action = 'close';
    if (trade.status === 'WAIT_BUYER_PAY') {
      if (!(await this.closeTrade(trade.tradeNo, { notify: false }))) return this.cancel(app, biz);
    } else if (trade.status === 'TRADE_SUCCESS') {
      action = 'refund';
      await this.ctx.db.query(
        `UPDATE alipay_sandbox_trades SET status = 'TRADE_CLOSED', refunded = total_amount, closed_at = $2
         WHERE trade_no = $1 AND status = 'TRADE_SUCCESS'`,
        [trade.tradeNo, this.now()],
      );
    } else if (trade.status !== 'TRADE_CLOSED') {
      reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
    }
    return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, retry_flag: 'N', action };
  }

  private async refund(app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
    const amount = parseYuan(biz.refund_amount);
    if (amount === undefined) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: refund_amount'));
    const found = await this.tradeFor(app, biz, { visibleOnly: true });
    const outRequestNo = str(biz.out_request_no) ?? found.outTradeNo;
    if (outRequestNo.length > 64) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_request_no'));
    return this.ctx.db
      .tx(async (q) => {
        const trade = toTrade(
          (
            await q.query('SELECT * FROM alipay_sandbox_trades WHERE trade_no = $1 FOR UPDATE', [
              found.tradeNo,
            ])
          )[0],
        );
        const [previous] = await q.query(
          'SELECT * FROM alipay_sandbox_refunds WHERE trade_no = $1 AND out_request_no = $2',
          [trade.tradeNo, outRequestNo],
        );
        const base = {
          trade_no: trade.tradeNo,
          out_trade_no: trade.outTradeNo,
          buyer_logon_id: trade.buyerLogonId,
          buyer_user_id: trade.buyerId,
        };
        if (previous) {
          // A retried request: same answer, no money moves again (fund_change N).
          if (Number(previous.refund_amount) !== amount) {
            reject(
              businessError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改: 同一退款请求号的退款金额不一致'),
            );
          }
          return {
            ...SUCCESS,
            ...base,
            fund_change: 'N',
            refund_fee: formatYuan(trade.refunded),
            gmt_refund_pay: beijingTime(new Date(previous.created_at)),
          };
        }
        if (trade.status === 'WAIT_BUYER_PAY')
          reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
        if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
        if (trade.status === 'TRADE_FINISHED') reject(businessError('ACQ.TRADE_HAS_FINISHED', '交易已完结'));
        if (amount! > trade.totalAmount - trade.refunded) {
          reject(businessError('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
        }
        const now = this.now();
        const refunded = trade.refunded + amount!;
        const full = refunded === trade.totalAmount;
        await q.query(
          `INSERT INTO alipay_sandbox_refunds (trade_no, out_request_no, refund_amount, refund_reason, created_at)
         VALUES ($1, $2, $3, $4, $5)`,
          [trade.tradeNo, outRequestNo, amount, str(biz.refund_reason) ?? null, now],
        );
        await q.query(
          `UPDATE alipay_sandbox_trades SET refunded = $2, status = $3, closed_at = $4 WHERE trade_no = $1`,
          [trade.tradeNo, refunded, full ? 'TRADE_CLOSED' : trade.status, full ? now : trade.closedAt],
        );
        const after = { ...trade, refunded, status: (full ? 'TRADE_CLOSED' : trade.status) as TradeStatus };
        if (full) after.closedAt = now;
        await this.enqueue(q, app, after, {
          refund_fee: formatYuan(refunded),
          out_biz_no: outRequestNo,
          gmt_refund: `${beijingTime(now)}.000`,
        });
        return {
          ...SUCCESS,
          ...base,
          fund_change: 'Y',
          refund_fee: formatYuan(refunded),
          gmt_refund_pay: beijingTime(now),
        };
      })
      .then(async (reply) => {
        await this.deliverDue();
        return reply;
      });
  }

  private async refundQuery(app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
    const outRequestNo = str(biz.out_request_no);
    if (!outRequestNo) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_request_no'));
    const trade = await this.tradeFor(app, biz, { visibleOnly: true });
    const [refund] = await this.ctx.db.query(
      'SELECT * FROM alipay_sandbox_refunds WHERE trade_no = $1 AND out_request_no = $2',
      [trade.tradeNo, outRequestNo],
    );
    // Alipay answers 10000 without refund fields when no such refund exists.
    if (!refund) return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
    return {
      ...SUCCESS,
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      out_request_no: outRequestNo,
      total_amount: formatYuan(trade.totalAmount),
      refund_amount: formatYuan(Number(refund.refund_amount)),
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: beijingTime(new Date(refund.created_at)),
    };
  }

  // ---------------------------------------------------------------- orders

  /** The order fields every create API shares; throws ACQ.INVALID_PARAMETER like Alipay. */
  private validateOrder(biz: Biz, method: string): { outTradeNo: string; amount: number; subject: string } {
    const outTradeNo = str(biz.out_trade_no);
    if (!outTradeNo || !/^[A-Za-z0-9_\-.]{1,64}$/.test(outTradeNo)) {
      reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no'));
    }
    const amount = parseYuan(biz.total_amount);
    if (amount === undefined) {
      reject(
        businessError(
          typeof biz.total_amount === 'string' &&
            /^\d+(\.\d{1,2})?$/.test(biz.total_amount) &&
            Number(biz.total_amount) > 0
            ? 'ACQ.TOTAL_FEE_EXCEED'
            : 'ACQ.INVALID_PARAMETER',
          '参数无效: total_amount',
        ),
      );
    }
    const subject = str(biz.subject);
    if (!subject || subject.length > 256) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: subject'));
    const product = PRODUCT_CODES[method];
    if (product && biz.product_code !== product) {
      reject(businessError('ACQ.INVALID_PARAMETER', `参数无效: product_code 应为 ${product}`));
    }
    return { outTradeNo: outTradeNo!, amount: amount!, subject: subject! };
  }

  private expiry(biz: Biz): Date {
    const now = this.now();
    const timeExpire = str(biz.time_expire);
    if (timeExpire) {
      const at = parseBeijingTime(timeExpire);
      if (!at) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: time_expire'));
      return at!;
    }
    const express = str(biz.timeout_express);
    if (express) {
      const m = /^(\d+)([mhdc])$/.exec(express);
      if (!m) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: timeout_express'));
      const n = Number(m![1]);
      const unit = { m: 60_000, h: 3600_000, d: 86_400_000, c: 86_400_000 }[m![2] as 'm' | 'h' | 'd' | 'c'];
      return new Date(now.getTime() + n * unit);
    }
    return new Date(now.getTime() + DEFAULT_TIMEOUT_MS);
  }

  /**
   * Creates the trade, or finds the one an earlier identical request created. The same
   * out_trade_no with different content is ACQ.CONTEXT_INCONSISTENT; a paid or closed
   * one is ACQ.TRADE_HAS_SUCCESS / ACQ.TRADE_HAS_CLOSE.
   */
  async placeOrder(
    app: SandboxAlipayApp,
    method: string,
    biz: Biz,
    params: Record<string, string>,
    options: { visible: boolean; authCode?: string; buyer?: { id: string; logonId: string } },
  ): Promise<Trade> {
    const order = this.validateOrder(biz, method);
    const expiresAt = this.expiry(biz);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([order.amount, order.subject, str(biz.product_code) ?? null, method]))
      .digest('hex');
    const existing = await this.findTrade(app.appId, order.outTradeNo);
    if (existing) return this.reuse(existing, fingerprint, options.visible);
    const now = this.now();
    const tradeNo = `${beijingTime(now).slice(0, 10).replaceAll('-', '')}22001${digits(15)}`;
    const inserted = await this.ctx.db.query(
      `INSERT INTO alipay_sandbox_trades (trade_no, app_id, out_trade_no, api_method, product_code, total_amount,
         subject, fingerprint, status, buyer_id, buyer_logon_id, auth_code, notify_url, return_url, expires_at,
         visible, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'WAIT_BUYER_PAY', $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (app_id, out_trade_no) DO NOTHING RETURNING *`,
      [
        tradeNo,
        app.appId,
        order.outTradeNo,
        method,
        str(biz.product_code) ?? null,
        order.amount,
        order.subject,
        fingerprint,
        options.buyer?.id ?? null,
        options.buyer?.logonId ?? null,
        options.authCode ?? null,
        params.notify_url ?? null,
        params.return_url ?? null,
        expiresAt,
        options.visible,
        now,
      ],
    );
    if (inserted.length === 0) {
      return this.reuse((await this.findTrade(app.appId, order.outTradeNo))!, fingerprint, options.visible);
    }
    return toTrade(inserted[0]);
  }

  private async reuse(existing: Trade, fingerprint: string, visible: boolean): Promise<Trade> {
    if (existing.fingerprint !== fingerprint) {
      reject(businessError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'));
    }
    const trade = await this.expireIfDue(existing);
    if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') {
      reject(businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'));
    }
    if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
    if (visible && !trade.visible) await this.reveal(trade);
    return trade;
  }

  async findTrade(appId: string, outTradeNo: string | undefined): Promise<Trade | undefined> {
    if (!outTradeNo) return undefined;
    const [row] = await this.ctx.db.query(
      'SELECT * FROM alipay_sandbox_trades WHERE app_id = $1 AND out_trade_no = $2',
      [appId, outTradeNo],
    );
    return row ? this.expireIfDue(toTrade(row)) : undefined;
  }

  async tradeByNo(tradeNo: string): Promise<Trade | undefined> {
    const [row] = await this.ctx.db.query('SELECT * FROM alipay_sandbox_trades WHERE trade_no = $1', [
      tradeNo,
    ]);
    return row ? this.expireIfDue(toTrade(row)) : undefined;
  }

  /** The latest trade opened for a merchant order number, whichever app opened it. */
  async latestTradeFor(outTradeNo: string): Promise<Trade | undefined> {
    const [row] = await this.ctx.db.query(
      'SELECT trade_no FROM alipay_sandbox_trades WHERE out_trade_no = $1 ORDER BY created_at DESC LIMIT 1',
      [outTradeNo],
    );
    return row ? this.tradeByNo(row.trade_no) : undefined;
  }

  /** Finds a trade by trade_no or out_trade_no as query/close/refund do. */
  private async tradeFor(app: SandboxAlipayApp, biz: Biz, options: { visibleOnly: boolean }): Promise<Trade> {
    const tradeNo = str(biz.trade_no);
    const outTradeNo = str(biz.out_trade_no);
    if (!tradeNo && !outTradeNo) {
      reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no 与 trade_no 不能同时为空'));
    }
    let trade = tradeNo ? await this.tradeByNo(tradeNo) : await this.findTrade(app.appId, outTradeNo);
    if (trade && (trade.appId !== app.appId || (outTradeNo && trade.outTradeNo !== outTradeNo)))
      trade = undefined;
    if (!trade || (options.visibleOnly && !trade.visible))
      reject(businessError('ACQ.TRADE_NOT_EXIST', '交易不存在'));
    return trade!;
  }

  private tradeFields(trade: Trade): Reply {
    return {
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: trade.buyerLogonId ?? undefined,
      total_amount: formatYuan(trade.totalAmount),
      buyer_user_id: trade.buyerId ?? undefined,
    };
  }

  /** The payer scanned the QR code or opened the cashier: the trade now exists for queries. */
  async reveal(trade: Trade): Promise<Trade> {
    await this.ctx.db.query('UPDATE alipay_sandbox_trades SET visible = true WHERE trade_no = $1', [
      trade.tradeNo,
    ]);
    return { ...trade, visible: true };
  }

  /**
   * The payer opened a page/wap/app order: verify it as the gateway does and create (or
   * find) its trade. Throws a Rejection with Alipay's error payload.
   */
  async openOrder(params: Record<string, string>): Promise<Trade> {
    const { app, biz } = await this.authenticate(params);
    if (!(PAGE_METHODS as readonly string[]).includes(params.method)) {
      reject(isvError('40002', 'isv.invalid-method', `不存在的方法名: ${params.method}`));
    }
    try {
      return await this.placeOrder(app, params.method, biz, params, { visible: true });
    } catch (error) {
      // Re-opening a paid order shows its receipt rather than an error page.
      if (error instanceof Rejection && error.payload.sub_code === 'ACQ.TRADE_HAS_SUCCESS') {
        return (await this.findTrade(app.appId, str(biz.out_trade_no)))!;
      }
      throw error;
    }
  }

  // ---------------------------------------------------------------- payer actions

  /**
   * The payer pays (cashier button, barcode password, admin helper): TRADE_SUCCESS, and
   * the notification's first attempt is made before this returns, so the order of
   * events is deterministic (payment, notification, then whatever the caller does).
   */
  async pay(tradeNo: string): Promise<Trade | undefined> {
    const now = this.now();
    const buyer = payer();
    const trade = await this.ctx.db.tx(async (q) => {
      const [row] = await q.query(
        `UPDATE alipay_sandbox_trades SET status = 'TRADE_SUCCESS', paid_at = $2, visible = true,
           buyer_id = COALESCE(buyer_id, $3), buyer_logon_id = COALESCE(buyer_logon_id, $4)
         WHERE trade_no = $1 AND status = 'WAIT_BUYER_PAY' AND expires_at > $2 RETURNING *`,
        [tradeNo, now, buyer.id, buyer.logonId],
      );
      if (!row) return undefined;
      const paid = toTrade(row);
      const app = (await findSandboxApp(q, this.ctx.box, paid.appId))!;
      await this.enqueue(q, app, paid, {});
      return paid;
    });
    if (trade) await this.deliverDue();
    return trade ?? (await this.tradeByNo(tradeNo));
  }

  /** The payer gives up in the cashier: the trade closes (TRADE_CLOSED, notified). */
  async decline(tradeNo: string): Promise<Trade | undefined> {
    // Declining means the payer had the order in front of them: it exists upstream now.
    await this.ctx.db.query('UPDATE alipay_sandbox_trades SET visible = true WHERE trade_no = $1', [tradeNo]);
    await this.closeTrade(tradeNo, { notify: true });
    return this.tradeByNo(tradeNo);
  }

  private async closeTrade(tradeNo: string, options: { notify: boolean }): Promise<boolean> {
    const now = this.now();
    const closed = await this.ctx.db.tx(async (q) => {
      const [row] = await q.query(
        `UPDATE alipay_sandbox_trades SET status = 'TRADE_CLOSED', closed_at = $2
         WHERE trade_no = $1 AND status = 'WAIT_BUYER_PAY' RETURNING *`,
        [tradeNo, now],
      );
      if (!row) return false;
      const trade = toTrade(row);
      // Nobody was told about a trade the payer never opened.
      if (options.notify && trade.visible) {
        await this.enqueue(q, (await findSandboxApp(q, this.ctx.box, trade.appId))!, trade, {});
      }
      return true;
    });
    if (closed && options.notify) await this.deliverDue();
    return closed;
  }

  /** Unpaid trades past time_expire close the moment anyone looks at them (and in the worker). */
  private async expireIfDue(trade: Trade): Promise<Trade> {
    if (trade.status !== 'WAIT_BUYER_PAY' || trade.expiresAt > this.now()) return trade;
    await this.closeTrade(trade.tradeNo, { notify: true });
    const [row] = await this.ctx.db.query('SELECT * FROM alipay_sandbox_trades WHERE trade_no = $1', [
      trade.tradeNo,
    ]);
    return toTrade(row);
  }

  async closeExpired(): Promise<number> {
    const rows = await this.ctx.db.query(
      `SELECT trade_no FROM alipay_sandbox_trades WHERE status = 'WAIT_BUYER_PAY' AND expires_at <= $1 LIMIT 100`,
      [this.now()],
    );
    for (const r of rows) await this.closeTrade(r.trade_no, { notify: true });
    return rows.length;
  }

  // ---------------------------------------------------------------- notifications

  /** Builds the signed trade_status_sync form for a trade's current state and queues it. */
  private async enqueue(q: Queryable, app: SandboxAlipayApp, trade: Trade, extra: Record<string, string>) {
    if (!trade.notifyUrl) return;
    const now = this.now();
    const form: Record<string, string> = {
      notify_time: beijingTime(now),
      notify_type: 'trade_status_sync',
      notify_id: randomUUID().replaceAll('-', ''),
      app_id: app.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      trade_status: trade.status,
      total_amount: formatYuan(trade.totalAmount),
      subject: trade.subject,
      gmt_create: beijingTime(trade.createdAt),
      seller_id: `2088${app.appId.slice(-12)}`,
      ...extra,
    };
    if (trade.buyerId) form.buyer_id = trade.buyerId;
    if (trade.buyerLogonId) form.buyer_logon_id = trade.buyerLogonId;
    if (trade.paidAt) {
      form.gmt_payment = beijingTime(trade.paidAt);
      form.receipt_amount = formatYuan(trade.totalAmount);
      form.buyer_pay_amount = formatYuan(trade.totalAmount);
      form.fund_bill_list = JSON.stringify([
        { amount: formatYuan(trade.totalAmount), fundChannel: 'ALIPAYACCOUNT' },
      ]);
    }
    if (trade.closedAt) form.gmt_close = beijingTime(trade.closedAt);
    // Alipay signs notifications over every field except sign and sign_type.
    form.sign = rsa2Sign(signContent(form, ['sign', 'sign_type']), app.alipayPrivateKey);

    const fault = await this.takeFault(NOTIFY_FAULTS, undefined, q);
    const id = `ntf_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    let state = 'pending';
    let nextAt = now;
    if (fault?.kind === 'drop') state = 'dropped';
    if (fault?.kind === 'reorder') state = 'held';
    if (fault?.kind === 'delay') nextAt = new Date(now.getTime() + Number(fault.params.ms ?? 60_000));
    await q.query(
      `INSERT INTO alipay_sandbox_notifications (id, app_id, trade_no, url, params, state, attempts, next_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)`,
      [id, app.appId, trade.tradeNo, trade.notifyUrl, JSON.stringify(form), state, nextAt, now],
    );
    if (fault?.kind === 'duplicate') {
      await q.query(
        `INSERT INTO alipay_sandbox_notifications (id, app_id, trade_no, url, params, state, attempts, next_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)`,
        [`${id}d`, app.appId, trade.tradeNo, trade.notifyUrl, JSON.stringify(form), nextAt, now],
      );
    }
    if (fault?.kind === 'forge') {
      // An attacker's copy: the amount changed, the signature made with a key that is not Alipay's.
      const forged: Record<string, string> = {
        ...form,
        total_amount: formatYuan(trade.totalAmount + 100),
        notify_id: `${form.notify_id}f`,
      };
      forged.sign = rsa2Sign(signContent(forged, ['sign', 'sign_type']), forgerKey());
      await q.query(
        `INSERT INTO alipay_sandbox_notifications (id, app_id, trade_no, url, params, state, attempts, next_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'forged', 0, $6, $7)`,
        [`${id}f`, app.appId, trade.tradeNo, trade.notifyUrl, JSON.stringify(forged), now, now],
      );
    }
  }

  private delivering = false;
  private moreDue = false;

  /**
   * Sends every notification that is due by the injected clock (first attempts and
   * retries), oldest first, and returns the attempts made. One pass runs at a time per
   * process: a call made while one runs (the worker, or a receiver that calls the gateway
   * back from its notify handler) returns at once and the running pass picks its notices
   * up, so nobody waits on itself. Across processes rows are claimed under SKIP LOCKED
   * with a one-minute lease, so two nodes never post the same attempt.
   */
  async deliverDue(): Promise<NotifyAttempt[]> {
    if (this.delivering) {
      this.moreDue = true;
      return [];
    }
    this.delivering = true;
    const attempts: NotifyAttempt[] = [];
    try {
      do {
        this.moreDue = false;
        attempts.push(...(await this.deliverDueNow()));
      } while (this.moreDue);
    } finally {
      this.delivering = false;
    }
    return attempts;
  }

  private async deliverDueNow(): Promise<NotifyAttempt[]> {
    const attempts: NotifyAttempt[] = [];
    for (;;) {
      const now = this.now();
      const claimed = await this.ctx.db.query(
        `WITH due AS (
           SELECT id, next_at FROM alipay_sandbox_notifications
           WHERE state IN ('pending', 'forged') AND next_at <= $1
           ORDER BY state = 'forged' DESC, next_at, seq LIMIT 50 FOR UPDATE SKIP LOCKED)
         UPDATE alipay_sandbox_notifications n SET next_at = $2 FROM due WHERE n.id = due.id
         RETURNING n.*, due.next_at AS due_at`,
        [now, new Date(now.getTime() + 60_000)],
      );
      if (claimed.length === 0) return attempts;
      const rows = claimed.sort(
        (a, b) =>
          Number(b.state === 'forged') - Number(a.state === 'forged') ||
          new Date(a.due_at).getTime() - new Date(b.due_at).getTime() ||
          Number(a.seq) - Number(b.seq),
      );
      for (const row of rows) {
        const attempt = await this.attempt(row);
        attempts.push(attempt);
        // A held (reordered) notification goes out right after the next one for its app.
        if (row.state !== 'forged') {
          await this.ctx.db.query(
            `UPDATE alipay_sandbox_notifications SET state = 'pending', next_at = $2 WHERE app_id = $1 AND state = 'held'`,
            [row.app_id, now],
          );
        }
      }
    }
  }

  private async attempt(row: Record<string, any>): Promise<NotifyAttempt> {
    const form = typeof row.params === 'string' ? JSON.parse(row.params) : row.params;
    let status: number | null = null;
    let body: string;
    try {
      const answer = await this.send(row.url, form);
      status = answer.status;
      body = answer.body;
    } catch (error) {
      body = `transport error: ${(error as Error).message}`;
    }
    // Alipay counts only the exact body "success" as received.
    const acknowledged = status === 200 && body.trim() === 'success';
    const attempts = Number(row.attempts) + 1;
    const delay = NOTIFY_RETRY_DELAYS_MS[attempts - 1];
    const state =
      row.state === 'forged'
        ? 'delivered'
        : acknowledged
          ? 'delivered'
          : delay === undefined
            ? 'given_up'
            : 'pending';
    // Retries count from when this attempt was due, not from the lease.
    const base = new Date(row.due_at).getTime();
    await this.ctx.db.query(
      `UPDATE alipay_sandbox_notifications SET state = $2, attempts = $3, next_at = $4, last_result = $5,
         last_attempt_seq = nextval('alipay_sandbox_attempt_seq') WHERE id = $1`,
      [row.id, state, attempts, new Date(base + (delay ?? 0)), `${status ?? '-'} ${body.slice(0, 200)}`],
    );
    return { id: row.id, status, body, acknowledged };
  }

  async notifications(
    filter: { tradeNo?: string; outTradeNo?: string } = {},
  ): Promise<Record<string, unknown>[]> {
    const rows = await this.ctx.db.query(
      `SELECT n.* FROM alipay_sandbox_notifications n JOIN alipay_sandbox_trades t ON t.trade_no = n.trade_no
       WHERE ($1::text IS NULL OR n.trade_no = $1) AND ($2::text IS NULL OR t.out_trade_no = $2)
       ORDER BY n.seq`,
      [filter.tradeNo ?? null, filter.outTradeNo ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      trade_no: r.trade_no,
      url: r.url,
      state: r.state,
      attempts: Number(r.attempts),
      next_at: new Date(r.next_at).toISOString(),
      last_result: r.last_result,
      last_attempt_seq: r.last_attempt_seq === null ? null : Number(r.last_attempt_seq),
      params: typeof r.params === 'string' ? JSON.parse(r.params) : r.params,
    }));
  }

  // ---------------------------------------------------------------- faults

  async addFault(
    kind: FaultKind,
    options: { apiMethod?: string; count?: number; params?: Record<string, unknown> },
  ) {
    const [row] = await this.ctx.db.query(
      `INSERT INTO alipay_sandbox_faults (kind, api_method, remaining, params, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [kind, options.apiMethod ?? null, options.count ?? 1, JSON.stringify(options.params ?? {}), this.now()],
    );
    return toFault(row);
  }

  async listFaults(): Promise<Fault[]> {
    const rows = await this.ctx.db.query(
      'SELECT * FROM alipay_sandbox_faults WHERE remaining > 0 ORDER BY id',
    );
    return rows.map(toFault);
  }

  async clearFaults(): Promise<void> {
    await this.ctx.db.query('DELETE FROM alipay_sandbox_faults');
  }

  /** Consumes one matching fault, oldest first. */
  private async takeFault(
    kinds: readonly FaultKind[],
    method?: string,
    q: Queryable = this.ctx.db,
  ): Promise<Fault | undefined> {
    const [row] = await q.query(
      `UPDATE alipay_sandbox_faults SET remaining = remaining - 1
       WHERE id = (SELECT id FROM alipay_sandbox_faults WHERE remaining > 0 AND kind = ANY($1::text[])
                   AND (api_method IS NULL OR api_method = $2) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [kinds, method ?? null],
    );
    return row ? toFault(row) : undefined;
  }
}

function toFault(r: Record<string, any>): Fault {
  return {
    id: String(r.id),
    kind: r.kind,
    apiMethod: r.api_method,
    remaining: Number(r.remaining),
    params: typeof r.params === 'string' ? JSON.parse(r.params) : (r.params ?? {}),
  };
}

export function isRejection(error: unknown): error is Rejection {
  return error instanceof Rejection;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1_000_000)).padStart(6, '0');
  return out.slice(0, n);
}

/** A sandbox buyer: Alipay user ids are 2088 + 12 digits. */
function payer(): { id: string; logonId: string } {
  return { id: `2088${digits(12)}`, logonId: 'san***@sandbox.com' };
}

let forger: string | undefined;
function forgerKey(): string {
  forger ??= rsaKeyPair().privateKey;
  return forger;
}
