import { randomBytes, randomInt } from 'node:crypto';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { chinaRfc3339, chinaStamp } from '../../domain/china-time.js';
import type { OrderRow, RefundRow } from './repository.js';

/** WeChat's trade_state_desc for each trade_state. */
export const STATE_DESC: Record<string, string> = {
  NOTPAY: '订单未支付',
  USERPAYING: '用户支付中',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REVOKED: '订单已撤销',
  PAYERROR: '支付失败',
  REFUND: '转入退款',
};

/** The v3 order path's kind to its trade_type. */
export const TRADE_TYPES: Record<string, string> = {
  native: 'NATIVE',
  jsapi: 'JSAPI',
  app: 'APP',
  h5: 'MWEB',
};

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

/** An order as v3 query answers and TRANSACTION.SUCCESS carries it; `refunded` in fen. */
export function orderJson(o: OrderRow, refunded: number) {
  const paid = o.trade_state === 'SUCCESS';
  const state = paid && refunded > 0 ? 'REFUND' : o.trade_state;
  const total = Number(o.total);
  return {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    ...(o.transaction_id ? { transaction_id: o.transaction_id } : {}),
    trade_type: o.trade_type,
    trade_state: state,
    trade_state_desc: state === 'REFUND' ? STATE_DESC.REFUND : o.trade_state_desc,
    ...(paid ? { bank_type: 'OTHERS', success_time: chinaRfc3339(date(o.success_time!)) } : {}),
    ...(o.attach ? { attach: o.attach } : {}),
    payer: o.payer_openid ? { openid: o.payer_openid } : {},
    amount: paid
      ? { total, payer_total: total, currency: o.currency, payer_currency: o.currency }
      : { total, currency: o.currency },
  };
}

/** A refund as v3 refund create and query answer it. */
export function refundJson(r: RefundRow) {
  const refund = Number(r.refund);
  const total = Number(r.total);
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.success_time ? { success_time: chinaRfc3339(date(r.success_time)) } : {}),
    create_time: chinaRfc3339(date(r.created_at)),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total,
      refund,
      payer_total: total,
      payer_refund: refund,
      settlement_total: total,
      settlement_refund: refund,
      discount_refund: 0,
      currency: r.currency,
      refund_fee: 0,
    },
  };
}

/** The resource of a REFUND.SUCCESS / REFUND.ABNORMAL callback. */
export function refundResource(r: RefundRow) {
  const json = refundJson(r);
  return {
    mchid: r.mchid,
    out_trade_no: r.out_trade_no,
    transaction_id: r.transaction_id,
    out_refund_no: r.out_refund_no,
    refund_id: r.refund_id,
    refund_status: r.status,
    ...(json.success_time ? { success_time: json.success_time } : {}),
    amount: {
      total: json.amount.total,
      refund: json.amount.refund,
      payer_total: json.amount.payer_total,
      payer_refund: json.amount.payer_refund,
    },
    user_received_account: json.user_received_account,
  };
}

export type V2Fields = Record<string, string | number | undefined>;

/** An order's fields in v2 answers (micropay, orderquery). */
export function v2Order(o: OrderRow): V2Fields {
  const paid = o.trade_state === 'SUCCESS';
  return {
    openid: o.payer_openid ?? undefined,
    is_subscribe: 'N',
    trade_type: o.trade_type,
    bank_type: paid ? 'OTHERS' : undefined,
    fee_type: o.currency,
    total_fee: Number(o.total),
    cash_fee_type: paid ? o.currency : undefined,
    cash_fee: paid ? Number(o.total) : undefined,
    transaction_id: o.transaction_id ?? undefined,
    out_trade_no: o.out_trade_no,
    attach: o.attach ?? undefined,
    time_end: paid ? chinaStamp(date(o.success_time!)) : undefined,
  };
}

/** A v2 business failure (return_code SUCCESS, result_code FAIL). */
export const v2Fail = (err_code: string, err_code_des: string): V2Fields => ({
  result_code: 'FAIL',
  err_code,
  err_code_des,
});

const xmlParser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
  htmlEntities: false,
});
const xmlBuilder = new XMLBuilder({ cdataPropName: '__cdata', processEntities: true });

/**
 * A flat v2 document `<xml><k>v</k>...</xml>` into its fields; undefined when it is not
 * one (malformed, a DOCTYPE or entity declaration, another root, nested or repeated elements).
 */
export function parseV2Xml(text: string): Record<string, string> | undefined {
  const doc = text.replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(doc) || XMLValidator.validate(doc) !== true) return undefined;
  const parsed: unknown = xmlParser.parse(doc);
  if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).length !== 1) return undefined;
  const root = (parsed as { xml?: unknown }).xml;
  if (root === '') return {};
  if (!root || typeof root !== 'object' || Array.isArray(root)) return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(root)) {
    if (k === '#text') {
      if (typeof v !== 'string' || v.trim() !== '') return undefined;
      continue;
    }
    if (typeof v !== 'string') return undefined;
    fields[k] = v;
  }
  return fields;
}

/** WeChat's v2 answer: `<xml>` with each non-empty field in CDATA. */
export function v2Xml(fields: V2Fields): string {
  const root: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === '') continue;
    const text = String(v);
    root[k] = text.includes(']]>') ? text : { __cdata: text };
  }
  return xmlBuilder.build({ xml: root }) as string;
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1e9)).padStart(9, '0');
  return out.slice(0, n);
}

/** 28 digits like WeChat's: 4200 + yyyyMMdd + 16 digits. */
export const transactionId = (now: Date): string => `4200${chinaStamp(now).slice(0, 8)}${digits(16)}`;

/** 32 digits like WeChat's refund_id: 5030 + yyyyMMdd + 20 digits. */
export const refundId = (now: Date): string => `5030${chinaStamp(now).slice(0, 8)}${digits(20)}`;

export const payerOpenid = (): string => `oSandbox${randomBytes(10).toString('base64url')}`;
