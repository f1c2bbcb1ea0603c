import { verifyShopPass } from '../../../core/apps/stores.js';
import { listChargeRefunds } from '../../../core/payments/retrieve-charge.js';
import { createRefund } from '../../../core/refunds/create-refund.js';
import { findStoreOrder } from '../../../core/stores/find-orders.js';
import {
  dayNetTakings,
  linkStoreRefund,
  settleFailedRefundOrder,
} from '../../../core/stores/refund-order.js';
import { OutNoTaken, reserveStoreOrder } from '../../../core/stores/reserve-order.js';
import { refundNoOf } from '../../../core/stores/store-order.js';
import type { Refund } from '../../../domain/charge.js';
import { readMembers } from '../members.js';
import { findPayTag, isOffline, tagOfProvider } from '../channels.js';
import { StoreError, fromCore } from '../errors.js';
import type { StoreContext, StoreResult } from '../handler.js';
import { OUT_NO, Params } from '../params.js';
import { cstDayStart, formatTime, refundStatusCode, statusOf } from '../views.js';

/**
 * 4.7 payrefund: a new refund order (ord_type 2, its own ord_no, out_no = refund_out_no)
 * against a paid order of this store; the original order keeps status 1. Checks, in the
 * order of the document's errcodes: original named (8014), amount (8015), supervisor
 * password sha1 (8016, 8017), original exists (8018) and is paid (8019), refund_out_no
 * unused in the store (8020), the amount within what is left (8021) and what was paid
 * (8022), and, for online channels, within the app's net takings on that channel today
 * (8040: refunds are paid out of the day's settlement). A refund the channel refuses is 8023.
 */
export async function payrefund(ctx: StoreContext): Promise<StoreResult> {
  const { core, store } = ctx;
  const p = new Params(ctx.data, ctx.literals);
  const outNo = p.string('out_no', { max: 64, invalid: 'original_no_missing' });
  const ordNo = p.string('ord_no', { max: 64, invalid: 'original_no_missing' });
  if (!outNo && !ordNo) throw new StoreError('original_no_missing', 'out_no和ord_no必须填写一项');
  const amount = p.fen('refund_amount', {
    missing: 'refund_amount_missing',
    invalid: 'refund_amount_missing',
  })!;
  if (amount <= 0) throw new StoreError('refund_amount_missing', 'refund_amount必须大于0');
  const refundOutNo = readRefundOutNo(p);
  const refundOrdName = p.string('refund_ord_name', { max: 50, invalid: 'refund_failed' });
  const remark = p.string('remark', { max: 200, invalid: 'refund_failed' });
  const shopPass = p.string('shop_pass', {
    max: 128,
    missing: 'shop_pass_missing',
    invalid: 'shop_pass_wrong',
  })!;
  const verdict = /^[0-9a-fA-F]{40}$/.test(shopPass)
    ? await verifyShopPass(core, store.id, shopPass)
    : { ok: false };
  if (verdict.retryAfterSeconds) {
    throw new StoreError('shop_pass_wrong', `主管密码错误次数过多，请${verdict.retryAfterSeconds}秒后再试`);
  }
  if (!verdict.ok) throw new StoreError('shop_pass_wrong', 'shop_pass为主管密码的sha1值');

  const original = await findStoreOrder(core, store.id, ordNo ? { ordNo } : { outNo: outNo! });
  if (!original || (ordNo && outNo && original.row.outNo !== outNo)) {
    throw new StoreError('original_not_found', ordNo ? `ord_no ${ordNo}` : `out_no ${outNo}`);
  }
  if (original.row.ordType === 2) throw new StoreError('not_refundable', '退款订单不能再退款');
  const status = statusOf(original);
  if (status !== 1) throw new StoreError('not_refundable', `订单状态为${status}`);
  const charge = original.charge;
  if (amount > charge.amount) {
    throw new StoreError('refund_exceeds_paid', `refund_amount(${amount}) > trade_amount(${charge.amount})`);
  }
  const committed = (await listChargeRefunds(core, charge.id))
    .filter((r) => r.status !== 'failed')
    .reduce((sum, r) => sum + r.amount, 0);
  if (amount > charge.amount - committed) {
    throw new StoreError('refund_exceeds_remaining', `可退金额为${charge.amount - committed}`);
  }
  const tag =
    findPayTag(original.row.pmtTag, charge.livemode) ?? tagOfProvider(charge.channel, charge.livemode);
  if (!tag || !isOffline(tag)) {
    const now = core.clock.now();
    const dayStart = cstDayStart(now);
    const net = await dayNetTakings(core, {
      appId: charge.appId,
      livemode: charge.livemode,
      provider: charge.channel,
      dayStart,
      dayEnd: new Date(dayStart.getTime() + 24 * 3600 * 1000),
    });
    if (amount > net)
      throw new StoreError('refund_exceeds_today', `今日该支付通道可退金额为${Math.max(net, 0)}`);
  }

  const row = await reserveStoreOrder(core, store, {
    outNo: refundOutNo,
    ordType: 2,
    chargeId: charge.id,
    pmtTag: original.row.pmtTag,
    diyPmtName: original.row.diyPmtName,
    ordName: refundOrdName,
    remark,
    ...(await readMembers(ctx, p)),
  }).catch((error: unknown) => {
    throw error instanceof OutNoTaken ? new StoreError('refund_no_exists', error.outNo) : error;
  });
  const refundNo = refundNoOf(store.id, refundOutNo);
  let refund: Refund;
  try {
    refund = await createRefund(core, {
      chargeId: charge.id,
      amount,
      refundNo,
      description: remark ?? refundOrdName ?? null,
      metadata: { store_out_no: refundOutNo, store_ord_no: row.ordNo },
    });
  } catch (error) {
    await settleFailedRefundOrder(core, { storeId: store.id, outNo: refundOutNo, chargeId: charge.id });
    throw fromCore(error, 'payrefund') ?? error;
  }
  await linkStoreRefund(core, store.id, refundOutNo, refund.id);
  if (refund.status === 'failed')
    throw new StoreError('refund_failed', refund.failureMsg ?? refund.failureCode ?? undefined);
  const code = refundStatusCode(refund.status);
  return {
    msg: code === 1 ? '订单退款成功' : '退款处理中',
    msgEn: code === 1 ? 'Refund succeeded' : 'Refund in progress',
    data: {
      ord_no: row.ordNo,
      ord_shop_id: String(row.ordShopId),
      ord_mct_id: String(row.ordMctId),
      out_no: refundOutNo,
      trade_amount: String(refund.amount),
      trade_discout_amount: '0',
      ord_currency: refund.currency,
      currency_sign: refund.currency === 'USD' ? '$' : '¥',
      trade_time: formatTime(refund.succeededAt ?? refund.createdAt),
      original_ord_no: charge.orderSn,
      status: String(code),
    },
  };
}

/**
 * The new refund's number: `refund_out_no` in the document; several real clients (a
 * bank's merchant console, a POS app, a Python integration) name it `refund_ord_no`.
 * Either is accepted; both given must agree, so a client never refunds under a number
 * it did not mean.
 */
function readRefundOutNo(p: Params): string {
  const rules = { max: 64, pattern: OUT_NO, invalid: 'refund_failed' } as const;
  const documented = p.string('refund_out_no', rules);
  const alias = p.string('refund_ord_no', rules);
  if (documented && alias && documented !== alias) {
    throw new StoreError('invalid_parameter', `refund_out_no(${documented})与refund_ord_no(${alias})不一致`);
  }
  const value = documented ?? alias;
  if (!value) throw new StoreError('out_no_missing', 'refund_out_no不能为空');
  return value;
}
