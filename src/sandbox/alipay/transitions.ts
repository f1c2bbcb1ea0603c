import { createHash, randomInt } from 'node:crypto';
import { chinaDateTime, parseChinaDateTime } from '../../domain/china-time.js';
import { type Biz, businessError, parseYuan, reject, str } from './codec.js';
import { findSandboxApp, type SandboxAlipayApp } from './keys.js';
import { deliverDue, enqueue } from './notify.js';
import * as repo from './repository.js';
import type { Trade } from './repository.js';
import { type AlipaySim, now } from './state.js';

/** Unpaid trades close after 15 days when the merchant gives no time_expire / timeout_express. */
const DEFAULT_TIMEOUT_MS = 15 * 24 * 3600_000;

const PRODUCT_CODES: Record<string, string | undefined> = {
  'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
  'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
};

/**
 * The payer pays (cashier button, barcode password, admin helper): TRADE_SUCCESS, and
 * the notification's first attempt is made before this returns, so the order of
 * events is deterministic (payment, notification, then whatever the caller does).
 */
export async function pay(sim: AlipaySim, tradeNo: string): Promise<Trade | undefined> {
  const buyer = payer();
  const trade = await sim.ctx.db.tx(async (q) => {
    const paid = await repo.markPaid(q, tradeNo, now(sim), buyer);
    if (!paid) return undefined;
    await enqueue(sim, q, (await findSandboxApp(q, sim.ctx.box, paid.appId))!, paid, {});
    return paid;
  });
  if (trade) await deliverDue(sim);
  return trade ?? (await tradeByNo(sim, tradeNo));
}

/** The payer gives up in the cashier: the trade closes (TRADE_CLOSED, notified). */
export async function decline(sim: AlipaySim, tradeNo: string): Promise<Trade | undefined> {
  // Declining means the payer had the order in front of them: it exists upstream now.
  await repo.markVisible(sim.ctx.db, tradeNo);
  await closeTrade(sim, tradeNo, { notify: true });
  return tradeByNo(sim, tradeNo);
}

export async function closeTrade(
  sim: AlipaySim,
  tradeNo: string,
  options: { notify: boolean },
): Promise<boolean> {
  const closed = await sim.ctx.db.tx(async (q) => {
    const trade = await repo.markClosed(q, tradeNo, now(sim));
    if (!trade) return false;
    // Nobody was told about a trade the payer never opened.
    if (options.notify && trade.visible) {
      await enqueue(sim, q, (await findSandboxApp(q, sim.ctx.box, trade.appId))!, trade, {});
    }
    return true;
  });
  if (closed && options.notify) await deliverDue(sim);
  return closed;
}

/** Unpaid trades past time_expire close the moment anyone looks at them (and in the worker). */
async function expireIfDue(sim: AlipaySim, trade: Trade): Promise<Trade> {
  if (trade.status !== 'WAIT_BUYER_PAY' || trade.expiresAt > now(sim)) return trade;
  await closeTrade(sim, trade.tradeNo, { notify: true });
  return (await repo.tradeByNo(sim.ctx.db, trade.tradeNo))!;
}

export async function closeExpired(sim: AlipaySim): Promise<number> {
  const due = await repo.expiredTradeNos(sim.ctx.db, now(sim));
  for (const tradeNo of due) await closeTrade(sim, tradeNo, { notify: true });
  return due.length;
}

/** The payer scanned the QR code or opened the cashier: the trade now exists for queries. */
export async function reveal(sim: AlipaySim, trade: Trade): Promise<Trade> {
  await repo.markVisible(sim.ctx.db, trade.tradeNo);
  return { ...trade, visible: true };
}

export async function findTrade(
  sim: AlipaySim,
  appId: string,
  outTradeNo: string | undefined,
): Promise<Trade | undefined> {
  if (!outTradeNo) return undefined;
  const trade = await repo.tradeByOutTradeNo(sim.ctx.db, appId, outTradeNo);
  return trade ? expireIfDue(sim, trade) : undefined;
}

export async function tradeByNo(sim: AlipaySim, tradeNo: string): Promise<Trade | undefined> {
  const trade = await repo.tradeByNo(sim.ctx.db, tradeNo);
  return trade ? expireIfDue(sim, trade) : undefined;
}

/** The latest trade opened for a merchant order number (or a trade_no), whichever app opened it. */
export async function latestTradeFor(
  sim: AlipaySim,
  ref: string,
  alsoTradeNo = false,
): Promise<Trade | undefined> {
  const tradeNo = await repo.latestTradeNo(sim.ctx.db, ref, alsoTradeNo);
  return tradeNo ? tradeByNo(sim, tradeNo) : undefined;
}

/** Finds a trade by trade_no or out_trade_no as query/close/refund do. */
export async function tradeFor(
  sim: AlipaySim,
  app: SandboxAlipayApp,
  biz: Biz,
  options: { visibleOnly: boolean },
): Promise<Trade> {
  const tradeNo = str(biz.trade_no);
  const outTradeNo = str(biz.out_trade_no);
  if (!tradeNo && !outTradeNo) {
    reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no 与 trade_no 不能同时为空'));
  }
  let trade = tradeNo ? await tradeByNo(sim, tradeNo) : await findTrade(sim, app.appId, outTradeNo);
  if (trade && (trade.appId !== app.appId || (outTradeNo && trade.outTradeNo !== outTradeNo)))
    trade = undefined;
  if (!trade || (options.visibleOnly && !trade.visible))
    reject(businessError('ACQ.TRADE_NOT_EXIST', '交易不存在'));
  return trade!;
}

/** The order fields every create API shares; throws ACQ.INVALID_PARAMETER like Alipay. */
export function validateOrder(
  biz: Biz,
  method: string,
): { outTradeNo: string; amount: number; subject: string } {
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

function expiry(sim: AlipaySim, biz: Biz): Date {
  const at = now(sim);
  const timeExpire = str(biz.time_expire);
  if (timeExpire) {
    const parsed = parseChinaDateTime(timeExpire);
    if (!parsed) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: time_expire'));
    return parsed!;
  }
  const express = str(biz.timeout_express);
  if (express) {
    const m = /^(\d+)([mhdc])$/.exec(express);
    if (!m) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: timeout_express'));
    const n = Number(m![1]);
    const unit = { m: 60_000, h: 3600_000, d: 86_400_000, c: 86_400_000 }[m![2] as 'm' | 'h' | 'd' | 'c'];
    return new Date(at.getTime() + n * unit);
  }
  return new Date(at.getTime() + DEFAULT_TIMEOUT_MS);
}

/**
 * Creates the trade, or finds the one an earlier identical request created. The same
 * out_trade_no with different content is ACQ.CONTEXT_INCONSISTENT; a paid or closed
 * one is ACQ.TRADE_HAS_SUCCESS / ACQ.TRADE_HAS_CLOSE.
 */
export async function placeOrder(
  sim: AlipaySim,
  app: SandboxAlipayApp,
  method: string,
  biz: Biz,
  params: Record<string, string>,
  options: { visible: boolean; authCode?: string; buyer?: { id: string; logonId: string } },
): Promise<Trade> {
  const order = validateOrder(biz, method);
  const expiresAt = expiry(sim, biz);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([order.amount, order.subject, str(biz.product_code) ?? null, method]))
    .digest('hex');
  const existing = await findTrade(sim, app.appId, order.outTradeNo);
  if (existing) return reuse(sim, existing, fingerprint, options.visible);
  const at = now(sim);
  const inserted = await repo.insertTrade(sim.ctx.db, {
    trade_no: `${chinaDateTime(at).slice(0, 10).replaceAll('-', '')}22001${digits(15)}`,
    app_id: app.appId,
    out_trade_no: order.outTradeNo,
    api_method: method,
    product_code: str(biz.product_code) ?? null,
    total_amount: order.amount,
    subject: order.subject,
    fingerprint,
    buyer_id: options.buyer?.id ?? null,
    buyer_logon_id: options.buyer?.logonId ?? null,
    auth_code: options.authCode ?? null,
    notify_url: params.notify_url ?? null,
    return_url: params.return_url ?? null,
    expires_at: expiresAt,
    visible: options.visible,
    created_at: at,
  });
  if (!inserted) {
    return reuse(sim, (await findTrade(sim, app.appId, order.outTradeNo))!, fingerprint, options.visible);
  }
  return inserted;
}

async function reuse(sim: AlipaySim, existing: Trade, fingerprint: string, visible: boolean): Promise<Trade> {
  if (existing.fingerprint !== fingerprint)
    reject(businessError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'));
  const trade = await expireIfDue(sim, existing);
  if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') {
    reject(businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'));
  }
  if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
  if (visible && !trade.visible) await reveal(sim, trade);
  return trade;
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1_000_000)).padStart(6, '0');
  return out.slice(0, n);
}

/** A sandbox buyer: Alipay user ids are 2088 + 12 digits. */
export function payer(): { id: string; logonId: string } {
  return { id: `2088${digits(12)}`, logonId: 'san***@sandbox.com' };
}
