import type { DueWork } from '../_kit/due-work.js';
import type { LakalaNotices } from './notify.js';
import { type LakalaParts, digits } from './parts.js';
import { findOrder, payOrder, settleDueRefunds } from './repository.js';
import { lakalaTime } from './wire.js';

const STATUS_REASON: Record<string, string> = {
  '2': '订单已支付',
  '3': '订单支付失败',
  '5': '订单已取消',
  '6': '订单已退款',
  '7': '订单已关闭',
};

/**
 * The order state machine's payer side (an open order paid or declined; Lakala notifies
 * successful payments only) and refunds answered as processing settling when due.
 */
export function lakalaTransitions(p: LakalaParts, notices: LakalaNotices, due: () => DueWork) {
  const { ctx, keys } = p;

  const settleRefunds = () => settleDueRefunds(ctx.db, ctx.clock.now());

  const payerAct = async (outOrderNo: string, action: 'pay' | 'decline', payMode = 'WECHAT') => {
    const now = ctx.clock.now();
    const outcome = await ctx.db.tx(async (q) => {
      const order = await findOrder(q, keys.merchant.merchantNo, { out: outOrderNo }, true);
      if (!order) return { ok: false, reason: '订单不存在' };
      const status = await p.shapes.statusOf(q, order);
      if (status === '4') return { ok: false, reason: '订单已过期' };
      if (status !== '0') return { ok: false, reason: STATUS_REASON[status] ?? status };
      const tradeNo = `${lakalaTime(now).slice(0, 8)}${digits(14)}`;
      const updated = await payOrder(q, order, {
        status: action === 'pay' ? '2' : '3',
        tradeNo,
        logNo: tradeNo.slice(-14),
        accTradeNo: action === 'pay' ? `4200${lakalaTime(now).slice(0, 8)}${digits(16)}` : null,
        payMode,
        now,
      });
      // Lakala notifies successful payments only: a declined order is found by query.
      return { ok: true, noticeId: action === 'pay' ? await notices.queue(q, updated) : undefined };
    });
    if (outcome.ok && 'noticeId' in outcome && outcome.noticeId) {
      await notices.deliverIfDue(outcome.noticeId);
      // If the background run claimed it first, return only once that delivery is done too.
      await due().settled();
    }
    return { ok: outcome.ok, ...('reason' in outcome && outcome.reason ? { reason: outcome.reason } : {}) };
  };

  return { settleRefunds, payerAct };
}
export type LakalaTransitions = ReturnType<typeof lakalaTransitions>;
