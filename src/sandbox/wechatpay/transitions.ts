import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { chinaStamp } from '../../domain/china-time.js';
import {
  orderJson,
  payerOpenid,
  refundId,
  refundResource,
  STATE_DESC,
  TRADE_TYPES,
  transactionId,
} from './codec.js';
import { isInt, param, WxError, type WxSim } from './context.js';
import { queueCallback } from './notify.js';
import * as repo from './repository.js';
import { type PartnerOrder, partnerShape, refundMerchant, refundMerchantFields } from './routes-partner.js';

/** A refund callback's resource without its merchant (`mchid`, or `sp_mchid` + `sub_mchid`). */
function refundResourceBody(r: RefundRow) {
  const { mchid: _mchid, ...rest } = refundResource(r);
  return rest;
}
import type { OrderRow, RefundRow } from './repository.js';

/**
 * The WeChat Pay trade and refund state machine: v3 orders (create with WeChat's
 * idempotency by out_trade_no, close), refunds (PROCESSING, settling SUCCESS or ABNORMAL
 * when due), and the payer's pay/decline, each in one transaction with the callback it owes.
 * Micropay and reverse (v2) are in transitions-v2.ts.
 */

const URL_RE = /^https?:\/\/[^?#]+$/;
const expired = (sim: WxSim, o: OrderRow) =>
  !!o.time_expire && sim.ctx.clock.now().getTime() > new Date(o.time_expire).getTime();

/** An order's JSON with what has been refunded of it. */
export const orderView = async (q: Queryable, o: OrderRow) =>
  // A service provider's order answers (and calls back) in the partner shape.
  partnerShape(orderJson(o, await repo.refundedSum(q, o.mchid, o.out_trade_no, ['SUCCESS'])), o);

/** POST /v3/pay/transactions/{native,jsapi,app,h5}: answers code_url, h5_url or prepay_id. */
export async function createOrder(
  sim: WxSim,
  kind: string,
  b: any,
  partner?: PartnerOrder,
): Promise<Record<string, string>> {
  const { merchant } = sim.keys;
  const tradeType = TRADE_TYPES[kind];
  if (!tradeType) throw new WxError(404, 'NOT_FOUND', '无效的请求地址');
  // A partner order's merchants were checked by routes-partner.ts; it is kept under sub_mchid.
  if (!partner) {
    param(typeof b.appid === 'string' && b.appid.length > 0, '缺少参数appid');
    param(typeof b.mchid === 'string' && b.mchid.length > 0, '缺少参数mchid');
    if (b.mchid !== merchant.mchid) throw new WxError(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (b.appid !== merchant.appid) throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
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
  param(typeof b.notify_url === 'string' && URL_RE.test(b.notify_url), '参数notify_url不合法');
  param(b.amount && typeof b.amount === 'object', '缺少参数amount');
  param(isInt(b.amount.total) && b.amount.total > 0, '参数amount.total必须是大于0的整数（单位：分）');
  param(b.amount.currency === undefined || b.amount.currency === 'CNY', '参数amount.currency不合法');
  let expire: Date | undefined;
  if (b.time_expire !== undefined) {
    const parsed = typeof b.time_expire === 'string' ? new Date(b.time_expire) : undefined;
    expire = parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
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
  const now = sim.ctx.clock.now();
  const row = await sim.ctx.db.tx(async (q) => {
    const existing = await repo.findOrder(q, mchid, { outTradeNo: b.out_trade_no }, true);
    if (existing) {
      if (existing.trade_state === 'SUCCESS') throw new WxError(400, 'ORDERPAID', '该订单已支付');
      if (existing.trade_state === 'CLOSED' || existing.trade_state === 'REVOKED') {
        throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
      }
      if (existing.fingerprint !== fingerprint) throw new WxError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
      return existing;
    }
    const prepay =
      tradeType === 'NATIVE' || tradeType === 'MWEB'
        ? null
        : `wx${chinaStamp(now)}${randomBytes(10).toString('hex')}`;
    return repo.insertOrder(q, {
      mchid,
      out_trade_no: b.out_trade_no,
      appid: b.appid,
      trade_type: tradeType,
      description: b.description,
      total: b.amount.total,
      currency: 'CNY',
      payer_openid: openid,
      notify_url: b.notify_url,
      attach: b.attach ?? null,
      fingerprint,
      trade_state: 'NOTPAY',
      trade_state_desc: STATE_DESC.NOTPAY,
      prepay_id: prepay,
      pay_code: randomBytes(12).toString('hex'),
      time_expire: expire ?? null,
      created_at: now,
      updated_at: now,
      sp_mchid: partner?.spMchid ?? null,
      sub_appid: partner?.subAppid ?? null,
      openid_kind: partner?.openidKind ?? null,
    });
  });
  const base = sim.baseUrl();
  if (tradeType === 'NATIVE') return { code_url: `${base}/qr/${row.pay_code}` };
  if (tradeType === 'MWEB') return { h5_url: `${base}/h5/${row.pay_code}` };
  return { prepay_id: row.prepay_id! };
}

/** POST .../out-trade-no/{no}/close: a paid order cannot close; closing twice is fine. */
export async function closeOrder(sim: WxSim, mchid: string, outTradeNo: string): Promise<void> {
  await sim.ctx.db.tx(async (q) => {
    const order = await repo.findOrder(q, mchid, { outTradeNo }, true);
    if (!order) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (order.trade_state === 'SUCCESS') throw new WxError(400, 'ORDERPAID', '订单已支付');
    if (order.trade_state === 'CLOSED') return;
    await repo.updateOrder(q, mchid, outTradeNo, {
      trade_state: 'CLOSED',
      trade_state_desc: STATE_DESC.CLOSED,
      updated_at: sim.ctx.clock.now(),
    });
  });
}

/** POST /v3/refund/domestic/refunds: PROCESSING, idempotent by out_refund_no, never over the order. */
export async function createRefund(sim: WxSim, b: any): Promise<RefundRow> {
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
  if (b.notify_url !== undefined) {
    param(typeof b.notify_url === 'string' && URL_RE.test(b.notify_url), '参数notify_url不合法');
  }
  // A service provider refunds for a bound sub-merchant by naming its sub_mchid.
  const mchid = await refundMerchant(sim.ctx.db, sim.keys.merchant.mchid, b.sub_mchid);
  const now = sim.ctx.clock.now();
  const abnormal = sim.faults.take('refund_abnormal');
  return sim.ctx.db.tx(async (q) => {
    const key =
      typeof b.out_trade_no === 'string'
        ? { outTradeNo: b.out_trade_no }
        : { transactionId: b.transaction_id };
    const order = await repo.findOrder(q, mchid, key, true);
    if (!order) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (order.trade_state !== 'SUCCESS') throw new WxError(400, 'INVALID_REQUEST', '订单未支付，不能退款');
    if (b.amount.total !== Number(order.total))
      throw new WxError(400, 'PARAM_ERROR', '订单金额与原订单不一致');
    const same = await repo.findRefund(q, mchid, b.out_refund_no);
    if (same) {
      if (same.out_trade_no !== order.out_trade_no || Number(same.refund) !== b.amount.refund) {
        throw new WxError(400, 'INVALID_REQUEST', '退款单号重复，且请求参数与原退款不一致');
      }
      return same;
    }
    const taken = await repo.refundedSum(q, mchid, order.out_trade_no, ['PROCESSING', 'SUCCESS']);
    if (b.amount.refund > Number(order.total) - taken) {
      throw new WxError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    }
    return repo.insertRefund(q, {
      refund_id: refundId(now),
      mchid,
      out_refund_no: b.out_refund_no,
      out_trade_no: order.out_trade_no,
      transaction_id: order.transaction_id!,
      refund: b.amount.refund,
      total: order.total,
      currency: 'CNY',
      reason: typeof b.reason === 'string' ? b.reason.slice(0, 80) : null,
      notify_url: b.notify_url ?? order.notify_url,
      status: 'PROCESSING',
      outcome: abnormal ? 'ABNORMAL' : 'SUCCESS',
      settle_at: new Date(now.getTime() + sim.refundSettleMs),
      created_at: now,
    });
  });
}

/** Settles the refunds whose time has come (SUCCESS, or ABNORMAL under the fault), each with its callback. */
export async function settleRefunds(sim: WxSim): Promise<void> {
  for (const id of await repo.dueRefundIds(sim.ctx.db, sim.ctx.clock.now())) {
    await sim.ctx.db.tx(async (q) => {
      const r = await repo.lockProcessingRefund(q, id);
      if (!r) return;
      const ok = r.outcome === 'SUCCESS';
      const settled = await repo.settleRefund(q, id, r.outcome, ok ? sim.ctx.clock.now() : null);
      if (!settled.notify_url) return;
      await queueCallback(sim, q, {
        mchid: settled.mchid,
        eventType: ok ? 'REFUND.SUCCESS' : 'REFUND.ABNORMAL',
        resourceType: 'refund',
        resource: { ...(await refundMerchantFields(q, settled.mchid)), ...refundResourceBody(settled) },
        notifyUrl: settled.notify_url,
      });
    });
  }
}

/**
 * The payer pays or declines an open order (payer page, payer API). Paying queues
 * TRANSACTION.SUCCESS in the same transaction; answers its id to deliver at once.
 */
export async function payerDecides(
  sim: WxSim,
  mchid: string,
  outTradeNo: string,
  action: 'pay' | 'decline',
): Promise<{ ok: boolean; reason?: string; callbackId?: string }> {
  const now = sim.ctx.clock.now();
  return sim.ctx.db.tx(async (q) => {
    const order = await repo.findOrder(q, mchid, { outTradeNo }, true);
    if (!order) return { ok: false, reason: '订单不存在' };
    if (order.trade_state !== 'NOTPAY' && order.trade_state !== 'USERPAYING') {
      return { ok: false, reason: STATE_DESC[order.trade_state] ?? order.trade_state_desc };
    }
    if (expired(sim, order)) return { ok: false, reason: '订单已过期' };
    if (action === 'decline') {
      await repo.updateOrder(q, mchid, outTradeNo, {
        trade_state: 'PAYERROR',
        trade_state_desc: '用户取消支付',
        updated_at: now,
      });
      return { ok: true };
    }
    const paid = await repo.updateOrder(q, mchid, outTradeNo, {
      trade_state: 'SUCCESS',
      trade_state_desc: STATE_DESC.SUCCESS,
      transaction_id: transactionId(now),
      success_time: now,
      payer_openid: order.payer_openid ?? payerOpenid(),
      updated_at: now,
    });
    if (!paid.notify_url) return { ok: true };
    const callbackId = await queueCallback(sim, q, {
      mchid,
      eventType: 'TRANSACTION.SUCCESS',
      resourceType: 'transaction',
      resource: await orderView(q, paid),
      notifyUrl: paid.notify_url,
    });
    return { ok: true, callbackId };
  });
}

export { expired as orderExpired };
