import { chinaDateTime } from '../../domain/china-time.js';
import { type Biz, businessError, formatYuan, type Reply, reject, str, SUCCESS } from './codec.js';
import type { SandboxAlipayApp } from './keys.js';
import type { Trade } from './repository.js';
import * as repo from './repository.js';
import { type AlipaySim, now } from './state.js';
import { closeTrade, findTrade, pay, payer, placeOrder, tradeFor, validateOrder } from './transitions.js';

type Params = Record<string, string>;

/** Where a precreated trade's QR code points: scanning it is what makes the trade exist. */
export const qrCode = (sim: AlipaySim, trade: Trade): string =>
  `${sim.ctx.publicUrl}/sandbox/alipay/qr/${trade.tradeNo}`;

export function tradeFields(trade: Trade): Reply {
  return {
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    buyer_logon_id: trade.buyerLogonId ?? undefined,
    total_amount: formatYuan(trade.totalAmount),
    buyer_user_id: trade.buyerId ?? undefined,
  };
}

/** alipay.trade.precreate: a QR code the payer scans (the trade exists once scanned). */
export async function precreate(
  sim: AlipaySim,
  app: SandboxAlipayApp,
  biz: Biz,
  params: Params,
): Promise<Reply> {
  const trade = await placeOrder(sim, app, 'alipay.trade.precreate', biz, params, { visible: false });
  return { ...SUCCESS, out_trade_no: trade.outTradeNo, qr_code: qrCode(sim, trade) };
}

/**
 * Barcode (付款码) payment. The payer is played by the auth code itself, documented in
 * the README: ...0000 makes the payer confirm with a password later (10003), ...9999
 * has too little balance (ACQ.BUYER_BALANCE_NOT_ENOUGH), anything else pays at once.
 */
export async function barcodePay(
  sim: AlipaySim,
  app: SandboxAlipayApp,
  biz: Biz,
  params: Params,
): Promise<Reply> {
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
  const existing = await findTrade(sim, app.appId, str(biz.out_trade_no));
  if (existing && existing.status === 'TRADE_SUCCESS')
    reject(businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'));
  if (authCode!.endsWith('9999')) {
    validateOrder(biz, 'alipay.trade.pay');
    reject(businessError('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'));
  }
  let trade = await placeOrder(sim, app, 'alipay.trade.pay', biz, params, {
    visible: true,
    authCode: authCode!,
    buyer: payer(),
  });
  if (trade.status === 'WAIT_BUYER_PAY' && !authCode!.endsWith('0000')) {
    trade = (await pay(sim, trade.tradeNo)) ?? trade;
  }
  if (trade.status === 'WAIT_BUYER_PAY') {
    return { code: '10003', msg: ' order success pay inprocess', ...tradeFields(trade) };
  }
  if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
  return {
    ...SUCCESS,
    ...tradeFields(trade),
    gmt_payment: chinaDateTime(trade.paidAt!),
    fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: formatYuan(trade.totalAmount) }],
  };
}

/** alipay.trade.create: a JSAPI / mini-program trade for a known buyer. */
export async function jsapiCreate(
  sim: AlipaySim,
  app: SandboxAlipayApp,
  biz: Biz,
  params: Params,
): Promise<Reply> {
  const buyerId = str(biz.buyer_id) ?? str(biz.buyer_open_id) ?? str(biz.op_buyer_open_id);
  if (!buyerId)
    reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: buyer_id 与 buyer_open_id 不能同时为空'));
  if (str(biz.buyer_id) && !/^2088\d{12}$/.test(buyerId!)) {
    reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: buyer_id'));
  }
  const trade = await placeOrder(sim, app, 'alipay.trade.create', biz, params, {
    visible: true,
    buyer: { id: buyerId!, logonId: 'sandbox-buyer@example.com' },
  });
  return { ...SUCCESS, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo };
}

export async function query(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const trade = await tradeFor(sim, app, biz, { visibleOnly: true });
  const reply: Reply = { ...SUCCESS, ...tradeFields(trade), trade_status: trade.status };
  if (trade.paidAt) reply.send_pay_date = chinaDateTime(trade.paidAt);
  if (trade.status === 'TRADE_SUCCESS' || trade.paidAt) {
    reply.buyer_pay_amount = formatYuan(trade.totalAmount);
    reply.receipt_amount = formatYuan(trade.totalAmount);
  }
  return reply;
}

export async function close(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const trade = await tradeFor(sim, app, biz, { visibleOnly: false });
  if (trade.status !== 'WAIT_BUYER_PAY') reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
  // The merchant closed it and has the answer: Alipay notifies TRADE_CLOSED only for
  // timeouts and full refunds (and, in this simulator, a payer who cancels).
  const closed = await closeTrade(sim, trade.tradeNo, { notify: false });
  if (!closed) reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
  return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
}

/** Reverse a barcode payment: close it if unpaid, refund it in full if paid. */
export async function cancel(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const trade = await tradeFor(sim, app, biz, { visibleOnly: false });
  let action = 'close';
  if (trade.status === 'WAIT_BUYER_PAY') {
    if (!(await closeTrade(sim, trade.tradeNo, { notify: false }))) return cancel(sim, app, biz);
  } else if (trade.status === 'TRADE_SUCCESS') {
    action = 'refund';
    await repo.markReversed(sim.ctx.db, trade.tradeNo, now(sim));
  } else if (trade.status !== 'TRADE_CLOSED') {
    reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
  }
  return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, retry_flag: 'N', action };
}
