import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { parseDecimal } from '../../domain/money.js';
import { isStorableText } from '../../domain/storable-text.js';
import type { Core } from '../context.js';
import { createChargeWithEntry } from '../payments/create-charge.js';
import type { StoreQrTarget } from './store-qr-codes.js';

/**
 * The payer's app, and who the payer is in it (web authorization). UnionPay's app pays by
 * UnionPay's mobile web payment, which needs no payer id up front.
 */
export type QrPayer =
  | { provider: 'wechatpay'; openid: string }
  | { provider: 'alipay'; buyerId: string }
  | { provider: 'unionpay' };

export interface StoreQrPayment {
  target: StoreQrTarget;
  payer: QrPayer;
  /** What the payer typed on the keypad, in yuan: "12.5". */
  amountText: string;
  remark: string;
  /** The store's pay tag for the provider (pmt_tag in the store API), chosen by the caller. */
  pmtTag: string;
  clientIp: string | null;
  /** Where UnionPay's page sends the payer back to, for this charge's id. */
  resultUrl?: (chargeId: string) => string;
}

/** A payer-entered amount above this is a typo, not a purchase at a counter. */
const MAX_QR_AMOUNT = 5_000_000;

/**
 * The payer scanned a store's aggregated code, typed the amount and pays by JSAPI in their
 * app. The order is the store's like any other: its order book entry (out_no QR...), its
 * serials, paystatus/list and the store's notify; it carries the code's id (qrc_id) and
 * the desk or terminal it stands on. The payer is known already, so the payment starts at
 * once and the answer holds the JSAPI parameters (UnionPay: the signed front form of its
 * mobile web payment, method wap).
 */
export async function payStoreQr(core: Core, p: StoreQrPayment): Promise<Charge> {
  const amount = parseDecimal(p.amountText.trim(), 'CNY', 'amount');
  if (amount <= 0) throw new JuheError('invalid_amount', 'amount must be greater than 0', 'amount');
  if (amount > MAX_QR_AMOUNT) throw new JuheError('invalid_amount', 'amount is too large', 'amount');
  const remark = p.remark.trim();
  // Text PostgreSQL cannot store (a NUL, a lone surrogate) is the payer's mistake, not a 500.
  if (!isStorableText(remark))
    throw new JuheError('invalid_parameter', 'remark contains unusable characters', 'remark');
  if (remark.length > 100)
    throw new JuheError('invalid_parameter', 'remark is longer than 100 characters', 'remark');
  const { store, code } = p.target;
  const outNo = `QR${core.ids.orderSn(core.clock.now())}`;
  const id = core.ids.next('charge');
  const { charge } = await createChargeWithEntry(core, {
    id,
    appId: store.appId,
    storeId: store.id,
    livemode: store.livemode,
    dialect: 'store',
    orderNo: outNo,
    channel: p.payer.provider,
    method: p.payer.provider === 'unionpay' ? 'wap' : 'jsapi',
    amount,
    currency: 'CNY',
    subject: store.name,
    description: remark || null,
    clientIp: p.clientIp,
    returnUrl: p.resultUrl?.(id) ?? null,
    extra: {
      ...(p.payer.provider === 'wechatpay' ? { openid: p.payer.openid } : {}),
      ...(p.payer.provider === 'alipay' ? { buyer_id: p.payer.buyerId } : {}),
      pmt_tag: p.pmtTag,
      qrc_id: code.id,
      ...(code.label ? { qrc_label: code.label } : {}),
    },
    storeEntry: {
      merchantId: p.target.merchantId,
      pmtTag: p.pmtTag,
      ordName: store.name,
      remark: remark || null,
      tag: code.label,
      diyPmtName: null,
      tradeAccount: null,
      tradeNo: null,
    },
  });
  if (charge.status === 'failed') {
    throw new JuheError('channel_error', charge.failureMsg ?? 'The payment channel declined the order');
  }
  return charge;
}
