import type { FastifyInstance } from 'fastify';
import type { Handler } from './auth.js';
import { CODES, LklError, labs } from './codec.js';
import { BASE_PATH, type LakalaParts, digits } from './parts.js';
import { findOrder, findRefund, insertRefund, orderForRefund, refundedSum } from './repository.js';
import { requireMerchant } from './routes-orders.js';
import { LABS_OK, fenOf, lakalaTime, paths } from './wire.js';

/** The labs refund API: refund (SUCCESS at once, or processing under a fault) and idmrefundquery. */
export function refundRoutes(
  app: FastifyInstance,
  p: LakalaParts,
  api: (h: Handler) => any,
  settleRefunds: () => Promise<void>,
): void {
  const { ctx, keys, faults } = p;
  const requireTerm = (d: Record<string, any>) => {
    requireMerchant(p, d, labs);
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
      const { refund, order } = await ctx.db.tx(async (q) => {
        const order = await orderForRefund(q, d.merchant_no, {
          tradeNo: d.origin_trade_no,
          outOrderNo: d.origin_out_trade_no,
          logNo: d.origin_log_no,
        });
        if (!order || !order.trade_no) throw new LklError(CODES.tradeMissing);
        if (order.order_status !== '2') throw new LklError(CODES.notRefundable);
        if (order.support_refund !== 1) throw new LklError(CODES.notRefundable, 200, '订单不支持退款');
        const same = await findRefund(q, d.merchant_no, d.out_trade_no);
        if (same) {
          if (same.origin_out_order_no !== order.out_order_no || Number(same.refund_amount) !== amount) {
            throw new LklError(CODES.refundDuplicate);
          }
          return { refund: same, order };
        }
        if (failing) throw new LklError(CODES.refundFailed, 200, '账户余额不足');
        const refunding = await refundedSum(q, order, ['DEAL', 'SUCCESS']);
        if (amount! > Number(order.total_amount) - refunding) throw new LklError(CODES.exceeds);
        const tradeNo = `${lakalaTime(now).slice(0, 8)}${digits(14)}`;
        const created = await insertRefund(q, {
          trade_no: tradeNo,
          merchant_no: order.merchant_no,
          out_trade_no: d.out_trade_no,
          log_no: tradeNo.slice(-14),
          origin_out_order_no: order.out_order_no,
          origin_trade_no: order.trade_no,
          refund_amount: amount!,
          refund_reason: typeof d.refund_reason === 'string' ? d.refund_reason.slice(0, 64) : null,
          trade_state: processing ? 'DEAL' : 'SUCCESS',
          outcome: 'SUCCESS',
          settle_at: processing ? new Date(now.getTime() + processing.ms) : null,
          trade_time: processing ? null : now,
          created_at: now,
        });
        return { refund: created, order };
      });
      if (refund.trade_state === 'DEAL')
        return { code: CODES.processing[0], msg: CODES.processing[1], data: null };
      if (refund.trade_state === 'FAIL') throw new LklError(CODES.refundFailed);
      return { code: LABS_OK, msg: '成功', data: p.shapes.refundJson(refund, order) };
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
      const refund = await findRefund(ctx.db, d.merchant_no, d.out_refund_order_no);
      if (!refund) throw new LklError(CODES.tradeMissing, 200, '退款交易不存在');
      const order = (await findOrder(ctx.db, refund.merchant_no, { out: refund.origin_out_order_no }))!;
      const desc: Record<string, string> = { SUCCESS: '交易成功', FAIL: '交易失败', DEAL: '交易处理中' };
      return {
        code: LABS_OK,
        msg: '成功',
        data: {
          ...p.shapes.refundJson(refund, order),
          account_type: order.pay_mode,
          trade_state: refund.trade_state,
          trade_state_desc: desc[refund.trade_state] ?? refund.trade_state,
        },
      };
    }),
  );
}
