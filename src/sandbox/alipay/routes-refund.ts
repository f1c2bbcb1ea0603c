import { chinaDateTime } from '../../domain/china-time.js';
import { type Biz, businessError, formatYuan, parseYuan, type Reply, reject, str, SUCCESS } from './codec.js';
import type { SandboxAlipayApp } from './keys.js';
import { deliverDue, enqueue } from './notify.js';
import * as repo from './repository.js';
import type { TradeStatus } from './repository.js';
import { type AlipaySim, now } from './state.js';
import { tradeFor } from './transitions.js';

/**
 * alipay.trade.refund: partial and repeated refunds up to the amount paid; the same
 * out_request_no again is the same refund (fund_change N), with a different amount it is
 * ACQ.CONTEXT_INCONSISTENT. A full refund closes the trade; each refund is notified.
 */
export async function refund(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const amount = parseYuan(biz.refund_amount);
  if (amount === undefined) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: refund_amount'));
  const found = await tradeFor(sim, app, biz, { visibleOnly: true });
  const outRequestNo = str(biz.out_request_no) ?? found.outTradeNo;
  if (outRequestNo.length > 64) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_request_no'));
  const reply = await sim.ctx.db.tx(async (q): Promise<Reply> => {
    const trade = await repo.tradeByNoForUpdate(q, found.tradeNo);
    const previous = await repo.refundOf(q, trade.tradeNo, outRequestNo);
    const base = {
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: trade.buyerLogonId,
      buyer_user_id: trade.buyerId,
    };
    if (previous) {
      // A retried request: same answer, no money moves again (fund_change N).
      if (previous.amount !== amount) {
        reject(businessError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改: 同一退款请求号的退款金额不一致'));
      }
      return {
        ...SUCCESS,
        ...base,
        fund_change: 'N',
        refund_fee: formatYuan(trade.refunded),
        gmt_refund_pay: chinaDateTime(previous.createdAt),
      };
    }
    if (trade.status === 'WAIT_BUYER_PAY') reject(businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
    if (trade.status === 'TRADE_CLOSED') reject(businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
    if (trade.status === 'TRADE_FINISHED') reject(businessError('ACQ.TRADE_HAS_FINISHED', '交易已完结'));
    if (amount! > trade.totalAmount - trade.refunded) {
      reject(businessError('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
    }
    const at = now(sim);
    const refunded = trade.refunded + amount!;
    const full = refunded === trade.totalAmount;
    const status: TradeStatus = full ? 'TRADE_CLOSED' : trade.status;
    const closedAt = full ? at : trade.closedAt;
    await repo.insertRefund(q, {
      tradeNo: trade.tradeNo,
      outRequestNo,
      amount: amount!,
      reason: str(biz.refund_reason) ?? null,
      createdAt: at,
    });
    await repo.setRefunded(q, trade.tradeNo, { refunded, status, closedAt });
    await enqueue(
      sim,
      q,
      app,
      { ...trade, refunded, status, closedAt },
      {
        refund_fee: formatYuan(refunded),
        out_biz_no: outRequestNo,
        gmt_refund: `${chinaDateTime(at)}.000`,
      },
    );
    return {
      ...SUCCESS,
      ...base,
      fund_change: 'Y',
      refund_fee: formatYuan(refunded),
      gmt_refund_pay: chinaDateTime(at),
    };
  });
  await deliverDue(sim);
  return reply;
}

/** alipay.trade.fastpay.refund.query: 10000 without refund fields when no such refund exists. */
export async function refundQuery(sim: AlipaySim, app: SandboxAlipayApp, biz: Biz): Promise<Reply> {
  const outRequestNo = str(biz.out_request_no);
  if (!outRequestNo) reject(businessError('ACQ.INVALID_PARAMETER', '参数无效: out_request_no'));
  const trade = await tradeFor(sim, app, biz, { visibleOnly: true });
  const found = await repo.refundOf(sim.ctx.db, trade.tradeNo, outRequestNo!);
  if (!found) return { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
  return {
    ...SUCCESS,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    out_request_no: outRequestNo,
    total_amount: formatYuan(trade.totalAmount),
    refund_amount: formatYuan(found.amount),
    refund_status: 'REFUND_SUCCESS',
    gmt_refund_pay: chinaDateTime(found.createdAt),
  };
}
