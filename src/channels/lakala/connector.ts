import { parseLakalaNotification } from './parse-notification.js';
import { lakalaStatement } from './statement.js';
import type {
  ChannelResult,
  Connector,
  ConnectorContext,
  PayResult,
  RefundContext,
  RefundResult,
} from '../_kit/connector.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { failed, pending, succeeded, unknown as unknownResult } from '../_kit/results.js';
import { type CallOutcome, type Merchant, call, merchantFor } from './client.js';
import { CCSS_OK, LABS_IN_PROGRESS, LABS_OK, fenOf, lakalaTime, parseLakalaTime, paths } from './protocol.js';

/** The connector's surface beyond Connector: refund query, for the polling worker and refund sync. */
export interface LakalaConnector extends Connector {
  queryRefund(ctx: RefundContext): Promise<RefundResult>;
}

/** Lakala's own limit on order_efficient_time: at most 7 days after the order is made. */
const MAX_EFFICIENT_MS = 7 * 24 * 3600 * 1000;

/**
 * Codes our simulator and Lakala's public clients use for "no such order / refund": the
 * create never reached Lakala, so there is nothing to pay (README: assumptions).
 */
export const NOT_FOUND_CODES = new Set(['CSS00003', 'BBS11003']);
/** The order was paid before the close reached Lakala. */
export const ALREADY_PAID_CODE = 'CSS00004';

const ORDER_FAILURES: Record<string, [string, string]> = {
  '3': ['ORDER_FAILED', '支付失败'],
  '4': ['ORDER_EXPIRED', '订单已过期'],
  '5': ['ORDER_CANCELED', '订单已取消'],
  '7': ['ORDER_CLOSED', '订单已关闭'],
};

/**
 * Lakala through its open platform API v3, cashier (聚合收银台) product: one hosted
 * cashier order (special_create -> counter_url) serves the page, h5 and app methods;
 * query and close on the cashier order; refunds and refund queries on the labs trade
 * endpoints. Every answer is verified against the platform certificate; an answer that
 * does not verify, a timeout or a 5xx is `unknown` (resolved by a query), never `failed`.
 */
export function lakalaConnector(): LakalaConnector {
  return {
    name: 'lakala',
    parseNotification: parseLakalaNotification,
    capabilities: { methods: ['page', 'h5', 'app'] },
    validateConfig: (config) => void merchantFor(config),
    validate: requireCny,
    pay: createOrder,
    query: queryOrder,
    close: closeOrder,
    refund,
    queryRefund,
    // No statement file exists for Lakala: the day is reconciled by querying it (statement.ts).
    statement: lakalaStatement,
  };
}

export function notifyUrlOf(publicUrl: string, m: Merchant): string {
  return `${publicUrl.replace(/\/+$/, '')}/notify/lakala/${m.configId}`;
}

/** Upstream out_order_no: the charge's numeric system order number, unique per attempt. */
export const outOrderNoOf = (charge: Charge): string => charge.orderSn;

const unknown = (reason: string): ChannelResult => unknownResult(reason.slice(0, 200));

const extraString = (charge: Charge, key: string): string | undefined => {
  const value = charge.extra?.[key];
  return typeof value === 'string' && value ? value : undefined;
};

function requireCny(charge: Charge): void {
  if (charge.currency !== 'CNY') {
    throw new JuheError('channel_not_supported', 'Lakala cashier orders are in CNY only', 'currency');
  }
}

async function createOrder(ctx: ConnectorContext): Promise<PayResult> {
  const { charge, publicUrl, clock } = ctx;
  requireCny(charge);
  if (!['page', 'h5', 'app'].includes(charge.method)) {
    throw new JuheError('channel_not_supported', `lakala does not support ${charge.method}`, 'method');
  }
  const m = merchantFor(ctx.config);
  const now = clock.now();
  const efficient = new Date(Math.min(charge.expiresAt.getTime(), now.getTime() + MAX_EFFICIENT_MS));
  const callbackUrl = charge.returnUrl ?? extraString(charge, 'return_url');
  const userId = extraString(charge, 'user_id');
  const reqData: Record<string, unknown> = {
    out_order_no: outOrderNoOf(charge),
    merchant_no: m.merchantNo,
    total_amount: charge.amount,
    order_efficient_time: lakalaTime(efficient),
    notify_url: notifyUrlOf(publicUrl, m),
    support_cancel: 0,
    support_refund: 1,
    support_repeat_pay: 0,
    order_info: [...(charge.subject || charge.body || 'order')].slice(0, 64).join(''),
    ...(callbackUrl ? { callback_url: callbackUrl } : {}),
    ...(userId ? { out_user_id: userId.slice(0, 64) } : {}),
  };
  const outcome = await call(m, paths.create, reqData, now);
  if (outcome.kind === 'unknown') return unknown(outcome.reason);
  if (outcome.code !== CCSS_OK) {
    throw new JuheError('channel_error', `Lakala ${outcome.code}: ${outcome.msg}`, undefined, {
      upstream_code: outcome.code,
    });
  }
  const d = outcome.data;
  if (d.out_order_no !== outOrderNoOf(charge) || typeof d.counter_url !== 'string') {
    return unknown('create answer does not match the request');
  }
  if (fenOf(d.total_amount) !== undefined && fenOf(d.total_amount) !== charge.amount) {
    return unknown('create answer amount does not match the charge');
  }
  const counterUrl = d.counter_url;
  // Pending until the notification arrives; polled too, so a lost notification is found by query.
  return pending({
    polling: true,
    credential:
      charge.method === 'app' ? { order_string: counterUrl, pay_url: counterUrl } : { pay_url: counterUrl },
  });
}

/**
 * A cashier order (query answer or notification body) as a ChannelResult, checked against
 * the charge: its number, and on payment the amount. Paid is order_status 2, or 6
 * (refunded partly or fully: it was paid).
 */
export function orderResult(charge: Charge, order: Record<string, any>): ChannelResult {
  if (order.out_order_no !== outOrderNoOf(charge)) {
    return unknown('out_order_no does not match the charge');
  }
  const status = String(order.order_status ?? '');
  if (status === '2' || status === '6') {
    if (fenOf(order.total_amount) !== charge.amount) return unknown('paid amount does not match the charge');
    const trades: Record<string, any>[] = Array.isArray(order.order_trade_info_list)
      ? order.order_trade_info_list
      : order.order_trade_info && typeof order.order_trade_info === 'object'
        ? [order.order_trade_info]
        : [];
    const payment = trades.find((t) => t?.trade_type === 'PAY' && t?.trade_status === 'S');
    if (!payment || typeof payment.trade_no !== 'string')
      return unknown('paid order carries no successful PAY trade');
    return succeeded({ transactionNo: payment.trade_no, paidAt: parseLakalaTime(payment.trade_time) });
  }
  if (status === '0') return pending();
  if (status === '1') return pending({ polling: true });
  const failure = ORDER_FAILURES[status];
  if (failure) return failed(failure[0], failure[1]);
  return unknown(`unexpected order_status ${status}`);
}

async function queryOrder(ctx: ConnectorContext): Promise<ChannelResult> {
  const m = merchantFor(ctx.config);
  const outcome = await call(
    m,
    paths.query,
    { merchant_no: m.merchantNo, out_order_no: outOrderNoOf(ctx.charge) },
    ctx.clock.now(),
  );
  if (outcome.kind === 'unknown') return unknown(outcome.reason);
  // Never created upstream (the create call died before Lakala had it): nothing to pay.
  if (NOT_FOUND_CODES.has(outcome.code)) return pending();
  if (outcome.code !== CCSS_OK) return unknown(`Lakala ${outcome.code}: ${outcome.msg}`);
  return orderResult(ctx.charge, outcome.data);
}

/** Closes an unpaid order; a paid one is reported as succeeded so the cancel is refused. */
async function closeOrder(ctx: ConnectorContext): Promise<ChannelResult> {
  const current = await queryOrder(ctx);
  if (current.status === 'succeeded') return current;
  const m = merchantFor(ctx.config);
  const outcome = await call(
    m,
    paths.close,
    { merchant_no: m.merchantNo, out_order_no: outOrderNoOf(ctx.charge) },
    ctx.clock.now(),
  );
  if (outcome.kind === 'unknown') return unknown(outcome.reason);
  if (outcome.code === ALREADY_PAID_CODE) return queryOrder(ctx);
  if (outcome.code === CCSS_OK || NOT_FOUND_CODES.has(outcome.code)) return pending();
  return unknown(`Lakala ${outcome.code}: ${outcome.msg}`);
}

function requireTermNo(m: Merchant): void {
  if (!m.termNo) {
    throw new JuheError(
      'channel_not_available',
      'Lakala refunds need settings.term_no (the terminal Lakala assigned)',
      'channel',
    );
  }
}

/** A labs refund answer (refund or refund query) as a RefundResult. */
function refundOutcome(outcome: CallOutcome, refundAmount: number, fromQuery: boolean): RefundResult {
  if (outcome.kind === 'unknown') return unknown(outcome.reason);
  if ((LABS_IN_PROGRESS as readonly string[]).includes(outcome.code)) {
    return pending({ polling: true });
  }
  if (fromQuery && NOT_FOUND_CODES.has(outcome.code)) return pending();
  if (outcome.code !== LABS_OK) {
    return fromQuery ? unknown(`Lakala ${outcome.code}: ${outcome.msg}`) : failed(outcome.code, outcome.msg);
  }
  const d = outcome.data;
  const amount = fenOf(d.refund_amount);
  if (amount !== undefined && amount !== refundAmount) return unknown('refund answer amount does not match');
  const extra = { trade_no: d.trade_no, log_no: d.log_no };
  // The refund answer has no state of its own: BBS00000 is the refund done. The query's trade_state says.
  const state = fromQuery ? String(d.trade_state ?? '') : 'SUCCESS';
  if (state === 'SUCCESS') return succeeded({ transactionNo: String(d.trade_no ?? ''), extra });
  if (state === 'FAIL') {
    return failed('FAIL', String(d.trade_state_desc ?? '退款失败'), { extra });
  }
  return pending({ polling: true, extra });
}

async function refund(ctx: RefundContext): Promise<RefundResult> {
  const { charge, refund: r } = ctx;
  const m = merchantFor(ctx.config);
  requireTermNo(m);
  if (!charge.transactionNo) {
    throw new JuheError(
      'charge_not_refundable',
      'The Lakala payment has no trade number to refund',
      'charge',
    );
  }
  const reqData: Record<string, unknown> = {
    merchant_no: m.merchantNo,
    term_no: m.termNo,
    out_trade_no: r.id,
    origin_trade_no: charge.transactionNo,
    refund_amount: String(r.amount),
    location_info: { request_ip: charge.clientIp || '127.0.0.1' },
    ...(r.description ? { refund_reason: [...r.description].slice(0, 32).join('') } : {}),
  };
  const outcome = await call(m, paths.refund, reqData, ctx.clock.now());
  if (outcome.kind === 'answer' && outcome.code === LABS_OK && outcome.data.out_trade_no !== r.id) {
    return unknown('refund answer does not match the request');
  }
  return refundOutcome(outcome, r.amount, false);
}

async function queryRefund(ctx: RefundContext): Promise<RefundResult> {
  const m = merchantFor(ctx.config);
  requireTermNo(m);
  const outcome = await call(
    m,
    paths.refundQuery,
    { merchant_no: m.merchantNo, term_no: m.termNo, out_refund_order_no: ctx.refund.id },
    ctx.clock.now(),
  );
  return refundOutcome(outcome, ctx.refund.amount, true);
}
