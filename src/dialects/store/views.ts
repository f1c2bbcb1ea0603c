import { CHINA_OFFSET_MS, chinaDateTime, chinaDayStart } from '../../domain/china-time.js';
import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Charge, Refund } from '../../domain/charge.js';
import type { ChargeStatus, RefundStatus } from '../../domain/status.js';
import { findPayTag, tagOfProvider } from './channels.js';
import type { StoreOrder } from '../../core/stores/store-order.js';

/**
 * How store orders look on the wire. The document's examples write almost every value as
 * a string ("trade_amount": "1", "status": "1") and times as China-time
 * "YYYY-MM-DD HH:mm:ss"; absent values are null.
 */

/** "YYYY-MM-DD HH:mm:ss" in China time, the platform's clock. */
export function formatTime(date: Date | null | undefined): string | null {
  return date ? chinaDateTime(date) : null;
}

/** Start of the China-time day `date` falls in. */
export const cstDayStart = chinaDayStart;

/**
 * `sdate` / `edate` of the order list: "2017-06-20 17:05:50", "2017-06-20 17:05",
 * "2017-06-20", "20170620" (China time), or a Unix timestamp in seconds. A bare date means
 * the start of that day, or its end for the upper bound. null when the text is none of these.
 */
export function parseTime(text: string, bound: 'start' | 'end'): Date | null {
  const t = text.trim();
  if (/^\d{10}$/.test(t)) return new Date(Number(t) * 1000);
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const dateOnly = h === undefined;
  const parts = [Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)];
  const utc = Date.UTC(parts[0]!, parts[1]! - 1, parts[2]!, parts[3]!, parts[4]!, parts[5]!);
  const check = new Date(utc);
  // Reject 2017-02-30 and 25:00 rather than rolling them over.
  if (
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1]! - 1 ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    return null;
  }
  const start = utc - CHINA_OFFSET_MS;
  if (dateOnly && bound === 'end') return new Date(start + 24 * 3600 * 1000 - 1);
  if (!dateOnly && s === undefined && bound === 'end') return new Date(start + 59_999);
  return new Date(start);
}

export type StoreStatus = 1 | 2 | 4 | 9;

/** 1 paid, 2 unpaid, 9 payer confirming (barcode), 4 ended unpaid: canceled, closed, failed. */
export function chargeStatusCode(status: ChargeStatus): StoreStatus {
  switch (status) {
    case 'succeeded':
      return 1;
    case 'pending':
      return 2;
    case 'user_paying':
      return 9;
    default:
      return 4;
  }
}

/** A refund order: 1 refunded, 2 in progress, 4 failed. */
export function refundStatusCode(status: RefundStatus): StoreStatus {
  return status === 'succeeded' ? 1 : status === 'failed' ? 4 : 2;
}

export function statusOf(order: StoreOrder): StoreStatus {
  return order.refund ? refundStatusCode(order.refund.status) : chargeStatusCode(order.charge.status);
}

const str = (v: number | string | null | undefined): string | null =>
  v === null || v === undefined ? null : String(v);

/** What the acquirer said, as the document's `trade_result` string (ours: the channel outcome). */
function tradeResult(charge: Charge, refund: Refund | null): string {
  if (refund) {
    return JSON.stringify({
      channel: charge.channel,
      refund_status: refund.status,
      transaction_no: refund.transactionNo,
      failure_code: refund.failureCode,
      failure_msg: refund.failureMsg,
    });
  }
  return JSON.stringify({
    channel: charge.channel,
    method: charge.method,
    status: charge.status,
    transaction_no: charge.transactionNo,
    failure_code: charge.failureCode,
    failure_msg: charge.failureMsg,
  });
}

/**
 * One order as paystatus, order/view, the order list and payorder return it: the union of
 * the fields those sections document, so every client finds what its section promised.
 */
export function orderView(order: StoreOrder, store: StoreWithKey): Record<string, unknown> {
  const { row, charge, refund } = order;
  const tag = findPayTag(row.pmtTag, charge.livemode) ?? tagOfProvider(charge.channel, charge.livemode);
  const isRefund = row.ordType === 2 && refund !== null;
  const amount = isRefund ? refund.amount : charge.amount;
  const credential = (charge.credential ?? {}) as Record<string, unknown>;
  const qrCode = !isRefund && typeof credential.qr_code === 'string' ? credential.qr_code : null;
  return {
    pmt_tag: row.pmtTag,
    pmt_name: row.diyPmtName ?? tag?.name ?? row.pmtTag,
    diy_pmt_name: row.diyPmtName,
    ord_id: str(row.ordMctId),
    ord_mct_id: str(row.ordMctId),
    ord_shop_id: str(row.ordShopId),
    ord_no: isRefund ? row.ordNo : charge.orderSn,
    ord_type: String(row.ordType),
    ord_name: row.ordName ?? '',
    out_no: row.outNo,
    add_time: formatTime(isRefund ? refund.createdAt : charge.createdAt),
    original_amount: String(isRefund ? amount : (charge.amountOriginal ?? charge.amount)),
    discount_amount: String(isRefund ? 0 : charge.amountDiscount),
    ignore_amount: String(isRefund ? 0 : charge.amountIgnore),
    trade_amount: String(amount),
    trade_discout_amount: '0',
    // What the client sent (a card number for Cash/Diy), else who paid as the upstream said.
    trade_account: row.tradeAccount ?? charge.payerAccount ?? null,
    trade_no: isRefund ? refund.transactionNo : (charge.transactionNo ?? row.tradeNo),
    trade_qrcode: qrCode,
    trade_time: formatTime(isRefund ? refund.createdAt : charge.createdAt),
    trade_pay_time: formatTime(isRefund ? refund.succeededAt : charge.paidAt),
    trade_result: tradeResult(charge, isRefund ? refund : null),
    remark: row.remark ?? '',
    tag: row.tag ?? '',
    status: String(statusOf(order)),
    original_ord_no: isRefund ? charge.orderSn : null,
    currency: charge.currency,
    ord_currency: charge.currency,
    currency_sign: charge.currency === 'USD' ? '$' : '¥',
    scr_id: row.scrId ?? '',
    scr_true_name: row.scrTrueName ?? '',
    scr_user_name: row.scrId ?? '',
    tml_no: row.tmlNo ?? '',
    shop_no: store.id,
    shop_name: store.name,
    shop_full_name: store.name,
    qrc_id: typeof charge.extra.qrc_id === 'string' ? charge.extra.qrc_id : '',
  };
}
