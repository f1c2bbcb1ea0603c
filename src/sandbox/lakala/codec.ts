import type { Queryable } from '../../db/db.js';
import type { SandboxContext } from '../_kit/context.js';
import { lakalaTime } from './wire.js';
import { type OrderRow, type RefundRow, refundedSum, successfulRefunds } from './repository.js';

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
export type Code = (typeof CODES)[keyof typeof CODES];

/** An answer that is not a success: Lakala's {code, msg} with the HTTP status it goes out with. */
export class LklError extends Error {
  constructor(
    readonly code: Code,
    readonly httpStatus = 200,
    detail?: string,
  ) {
    super(detail ? `${code[1]}: ${detail}` : code[1]);
  }
}

/** A check of a request parameter: refused with `code` and the detail when it does not hold. */
export const check = (code: Code) => (cond: boolean, detail: string) => {
  if (!cond) throw new LklError(code, 200, detail);
};
export const ccss = check(CODES.ccssParam);
export const labs = check(CODES.labsParam);

const time = (v: Date | string) => lakalaTime(new Date(v));

/** The shapes of Lakala's answers and notifications, from the simulator's rows. */
export function lakalaShapes(ctx: SandboxContext, termNo: string) {
  /** order_status as Lakala reports it: 4 for an unpaid order past its time, 6 once refunded. */
  const statusOf = async (q: Queryable, o: OrderRow) => {
    if (o.order_status === '0' && ctx.clock.now().getTime() > new Date(o.efficient_at).getTime()) return '4';
    if (o.order_status === '2' && (await refundedSum(q, o, ['SUCCESS'])) > 0) return '6';
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
    trade_time: o.trade_time ? time(o.trade_time) : undefined,
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
    order_create_time: time(o.created_at),
    order_efficient_time: time(o.efficient_at),
  });

  /** The query answer: newest trades first, refunds included. */
  const orderJson = async (q: Queryable, o: OrderRow) => {
    const trades: unknown[] = (await successfulRefunds(q, o)).map((r) => ({
      trade_no: r.trade_no,
      log_no: r.log_no,
      trade_type: 'REFUND',
      trade_status: 'S',
      trade_amount: Number(r.refund_amount),
      payer_amount: Number(r.refund_amount),
      busi_type: 'SCPAY',
      trade_time: time(r.trade_time ?? r.created_at),
      origin_trade_no: r.origin_trade_no,
    }));
    if (o.trade_no) trades.push(payTrade(o));
    return { ...(await orderHead(q, o)), order_trade_info_list: trades };
  };

  const refundJson = (r: RefundRow, o: OrderRow) => ({
    merchant_no: r.merchant_no,
    term_no: termNo,
    out_trade_no: r.out_trade_no,
    trade_no: r.trade_no,
    log_no: r.log_no,
    acc_trade_no: o.acc_trade_no,
    total_amount: String(o.total_amount),
    refund_amount: String(r.refund_amount),
    payer_amount: String(r.refund_amount),
    trade_time: time(r.trade_time ?? r.created_at),
    origin_trade_no: r.origin_trade_no,
    origin_out_trade_no: o.out_order_no,
    origin_log_no: o.log_no,
  });

  return { statusOf, payTrade, orderHead, orderJson, refundJson };
}
export type LakalaShapes = ReturnType<typeof lakalaShapes>;
