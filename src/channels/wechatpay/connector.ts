import { parseWechatpayNotification } from './parse-notification.js';
import { payerAccountOf } from './payer-account.js';
import { wechatPayerAuthorization } from './oauth.js';
import { wechatpayStatement } from './statement.js';
import type {
  ChannelResult,
  Connector,
  ConnectorContext,
  PayResult,
  RefundContext,
  RefundResult,
} from '../_kit/connector.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { failed, pending, succeeded, unknown as unknownResult } from '../_kit/results.js';
import { type Merchant, type WxClient, clientFor, merchantFor } from './client.js';
import {
  nonce,
  parseCompactCst,
  parseRfc3339,
  rfc3339Cst,
  rsaSign,
  v2SignMatches,
  wallSeconds,
} from './protocol.js';

/** The connector's surface beyond Connector: refund query, for the polling worker and refund sync. */
export interface WechatpayConnector extends Connector {
  queryRefund(ctx: RefundContext): Promise<RefundResult>;
}

const V3_PAY = 'v3/pay/transactions';
/** Service-provider (服务商) orders: the same operations, naming sp_mchid and sub_mchid. */
const V3_PARTNER_PAY = 'v3/pay/partner/transactions';
const V3_REFUNDS = 'v3/refund/domestic/refunds';

/**
 * WeChat Pay through the official-ecosystem client, wechatpay-axios-plugin: API v3 for
 * native (QR), JSAPI (official accounts, mini programs), app and H5 payments, queries,
 * closing and refunds; API v2 micropay for barcode payments (XML, HMAC-SHA256 or MD5 sign)
 * with order query and reverse. Every v3 answer is verified against the platform
 * certificate by the client; an answer that does not verify, a timeout or a 5xx is
 * `unknown` (resolved by a query), never `failed`.
 */
export function wechatpayConnector(): WechatpayConnector {
  return {
    name: 'wechatpay',
    parseNotification: parseWechatpayNotification,
    payerAuthorization: wechatPayerAuthorization,
    capabilities: {
      methods: ['qr', 'jsapi', 'mini', 'app', 'h5', 'barcode'],
    },
    validateConfig: (config) => void merchantFor(config),
    validate(charge) {
      requireCny(charge);
      if (charge.method === 'barcode') authCodeOf(charge);
      if (charge.method === 'jsapi' || charge.method === 'mini') payerOpenid(charge);
    },
    pay: (ctx) => (ctx.charge.method === 'barcode' ? micropay(ctx) : v3Pay(ctx)),
    query: (ctx) => (ctx.charge.method === 'barcode' ? v2Query(ctx) : v3Query(ctx)),
    // WeChat answers a repeated v3 create (same out_trade_no, same parameters) with the same
    // code_url / prepay_id while the order is unpaid; a barcode payment is only ever queried.
    resume: (ctx) => (ctx.charge.method === 'barcode' ? v2Query(ctx) : v3Pay(ctx)),
    close: (ctx) => (ctx.charge.method === 'barcode' ? v2Reverse(ctx) : v3Close(ctx)),
    refund: v3Refund,
    queryRefund: v3RefundQuery,
    statement: wechatpayStatement,
  };
}

function context(ctx: ConnectorContext): { m: Merchant; wx: WxClient } {
  const m = merchantFor(ctx.config);
  try {
    return { m, wx: clientFor(m) };
  } catch (error) {
    // The client refuses its configuration (unreadable private key...): a config error, not an upstream one.
    throw new JuheError(
      'channel_not_available',
      `WeChat Pay config is not usable: ${(error as Error).message}`,
      'channel',
    );
  }
}

export function notifyUrlOf(publicUrl: string, m: Merchant): string {
  return `${publicUrl.replace(/\/+$/, '')}/notify/wechatpay/${m.configId}`;
}

/** Upstream out_trade_no: the charge's numeric system order number, unique per attempt. */
export const outTradeNoOf = (charge: Charge): string => charge.orderSn;

function requireCny(charge: Charge): void {
  if (charge.currency !== 'CNY') {
    throw new JuheError('channel_not_supported', 'WeChat Pay domestic payments are in CNY only', 'currency');
  }
}

function payerOpenid(charge: Charge): string {
  const extra = charge.extra ?? {};
  for (const key of ['openid', 'sub_openid', 'open_id']) {
    const value = extra[key];
    if (typeof value === 'string' && value) return value;
  }
  throw new JuheError(
    'missing_parameter',
    `WeChat Pay ${charge.method} payments need the payer's openid`,
    'openid',
  );
}

/** What the client threw, classified: a definite rejection (4xx with WeChat's code) or unknown. */
interface Rejection {
  status: number;
  code: string;
  message: string;
}
function rejectionOf(error: unknown): Rejection | undefined {
  const e = error as { response?: { status?: number; data?: unknown } } | null;
  const status = e?.response?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  let data = e!.response!.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = {};
    }
  }
  const body = (data ?? {}) as { code?: unknown; message?: unknown };
  return {
    status,
    code: typeof body.code === 'string' ? body.code : `HTTP_${status}`,
    message: typeof body.message === 'string' ? body.message : '',
  };
}

const unknown = (why: unknown): ChannelResult => unknownResult((why as Error)?.message?.slice(0, 200));

function signLines(m: Merchant, ...pieces: string[]): string {
  return rsaSign(pieces.join('\n') + '\n', m.privateKeyPem);
}

async function v3Pay(ctx: ConnectorContext): Promise<PayResult> {
  const { charge, publicUrl } = ctx;
  requireCny(charge);
  const { m, wx } = context(ctx);
  const kind = { qr: 'native', jsapi: 'jsapi', mini: 'jsapi', app: 'app', h5: 'h5' }[charge.method as string];
  if (!kind)
    throw new JuheError('channel_not_supported', `wechatpay does not support ${charge.method}`, 'method');
  const { appid, parties, payer } = orderParties(m, charge, kind);
  const body: Record<string, unknown> = {
    ...parties,
    description: (charge.subject || charge.body || 'order').slice(0, 127),
    out_trade_no: outTradeNoOf(charge),
    time_expire: rfc3339Cst(charge.expiresAt),
    attach: charge.id,
    notify_url: notifyUrlOf(publicUrl, m),
    amount: { total: charge.amount, currency: 'CNY' },
  };
  if (payer) body.payer = payer;
  if (kind === 'h5') {
    body.scene_info = { payer_client_ip: charge.clientIp || '127.0.0.1', h5_info: { type: 'Wap' } };
  } else if (charge.clientIp) {
    body.scene_info = { payer_client_ip: charge.clientIp };
  }
  let data: Record<string, unknown>;
  try {
    ({ data } = await wx.chain(`${m.partner ? V3_PARTNER_PAY : V3_PAY}/${kind}`).post(body));
  } catch (error) {
    const rejected = rejectionOf(error);
    if (rejected) {
      throw new JuheError('channel_error', `WeChat Pay ${rejected.code}: ${rejected.message}`, undefined, {
        upstream_code: rejected.code,
      });
    }
    return unknown(error);
  }
  // Pending until the payment callback arrives; polled too, so a lost callback is found by query.
  return pending({ polling: true, credential: credentialOf(m, charge, kind, appid, data) });
}

/**
 * Who an order is made by and for. Direct: `appid` + `mchid`, JSAPI payer `openid`. Service
 * provider: `sp_appid` + `sp_mchid` for `sub_mchid`, with `sub_appid` when the payer's app
 * is the sub-merchant's own (the store's per-store `sub_appid` in `extra.sub_appid`, else
 * the config's); the JSAPI payer is `sub_openid` under a sub_appid, else `sp_openid`.
 * App payments are made under the Open Platform appid (`app_appid`). `appid` is the one
 * the payer's client is invoked with (JSAPI `appId`, App `appid`).
 */
function orderParties(
  m: Merchant,
  charge: Charge,
  kind: string,
): { appid: string; parties: Record<string, string>; payer?: Record<string, string> } {
  const partner = m.partner;
  if (!partner) {
    const appid = charge.method === 'mini' ? m.miniAppid : kind === 'app' ? m.appAppid : m.appid;
    const payer = kind === 'jsapi' ? { openid: payerOpenid(charge) } : undefined;
    return { appid, parties: { appid, mchid: m.mchid }, payer };
  }
  const requested = charge.extra?.sub_appid;
  const subAppid =
    typeof requested === 'string' && requested
      ? requested
      : kind === 'app' && m.appAppid !== m.appid
        ? m.appAppid
        : charge.method === 'mini' && m.miniAppid !== m.appid
          ? m.miniAppid
          : partner.subAppid;
  const parties = {
    sp_appid: partner.spAppid,
    sp_mchid: partner.spMchid,
    ...(subAppid ? { sub_appid: subAppid } : {}),
    sub_mchid: partner.subMchid,
  };
  const openid = kind === 'jsapi' ? payerOpenid(charge) : undefined;
  const payer = openid === undefined ? undefined : { [subAppid ? 'sub_openid' : 'sp_openid']: openid };
  return { appid: subAppid || partner.spAppid, parties, payer };
}

function credentialOf(
  m: Merchant,
  charge: Charge,
  kind: string,
  appid: string,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const timestamp = String(wallSeconds());
  const nonceStr = nonce(32);
  switch (kind) {
    case 'native':
      return { qr_code: data.code_url, code_url: data.code_url };
    case 'h5':
      return { h5_url: data.h5_url, pay_url: data.h5_url };
    case 'app': {
      const prepayid = String(data.prepay_id);
      return {
        prepay_id: prepayid,
        app_params: {
          appid,
          // A service provider's App order is paid to the sub-merchant.
          partnerid: m.partner ? m.partner.subMchid : m.mchid,
          prepayid,
          package: 'Sign=WXPay',
          noncestr: nonceStr,
          timestamp,
          sign: signLines(m, appid, timestamp, nonceStr, prepayid),
        },
      };
    }
    default: {
      const pkg = `prepay_id=${String(data.prepay_id)}`;
      return {
        prepay_id: data.prepay_id,
        jsapi: {
          appId: appid,
          timeStamp: timestamp,
          nonceStr,
          package: pkg,
          signType: 'RSA',
          paySign: signLines(m, appid, timestamp, nonceStr, pkg),
        },
        ...(charge.method === 'mini' ? { mini: true } : {}),
      };
    }
  }
}

/** v3 transaction (query answer or callback resource) to a ChannelResult, checked against the charge. */
export function transactionResult(charge: Charge, t: Record<string, any>): ChannelResult {
  if (t.out_trade_no !== outTradeNoOf(charge)) {
    return unknownResult('out_trade_no does not match the charge');
  }
  const state = String(t.trade_state ?? '');
  if (state === 'SUCCESS' || state === 'REFUND') {
    if (Number(t.amount?.total) !== charge.amount) {
      return unknownResult('paid amount does not match the charge');
    }
    return succeeded({
      transactionNo: String(t.transaction_id),
      paidAt: parseRfc3339(t.success_time),
      ...payerAccountOf(t),
    });
  }
  if (state === 'NOTPAY') return pending();
  if (state === 'USERPAYING') return pending({ payerActing: true, polling: true });
  if (state === 'CLOSED' || state === 'PAYERROR' || state === 'REVOKED') {
    return failed(state, String(t.trade_state_desc ?? state));
  }
  return unknownResult(`unexpected trade_state ${state}`);
}

/** The query string naming the order's merchant: `mchid`, or `sp_mchid` and `sub_mchid`. */
const merchantParams = (m: Merchant): Record<string, string> =>
  m.partner ? { sp_mchid: m.partner.spMchid, sub_mchid: m.partner.subMchid } : { mchid: m.mchid };

async function v3Query(ctx: ConnectorContext): Promise<ChannelResult> {
  const { m, wx } = context(ctx);
  try {
    const { data } = await wx
      .chain(
        `${m.partner ? V3_PARTNER_PAY : V3_PAY}/out-trade-no/${encodeURIComponent(outTradeNoOf(ctx.charge))}`,
      )
      .get({ params: merchantParams(m) });
    if (m.partner && data?.sub_mchid !== m.partner.subMchid) {
      return unknownResult('sub_mchid does not match the config');
    }
    return transactionResult(ctx.charge, data);
  } catch (error) {
    const rejected = rejectionOf(error);
    // Never created upstream (the create call died before WeChat had it): nothing to pay.
    if (rejected?.code === 'ORDER_NOT_EXIST' || rejected?.code === 'ORDERNOTEXIST') return pending();
    return unknown(error);
  }
}

/** Closes an unpaid order; a paid one is reported as succeeded so the cancel is refused. */
async function v3Close(ctx: ConnectorContext): Promise<ChannelResult> {
  const { m, wx } = context(ctx);
  const current = await v3Query(ctx);
  if (current.status === 'succeeded') return current;
  try {
    await wx
      .chain(
        `${m.partner ? V3_PARTNER_PAY : V3_PAY}/out-trade-no/${encodeURIComponent(outTradeNoOf(ctx.charge))}/close`,
      )
      .post(merchantParams(m));
    return pending();
  } catch (error) {
    const rejected = rejectionOf(error);
    if (rejected?.code === 'ORDERPAID' || rejected?.code === 'ORDER_PAID') return v3Query(ctx);
    return unknown(error);
  }
}

function refundResultOf(r: Record<string, any>): RefundResult {
  const status = String(r.status ?? r.refund_status ?? '');
  const extra = { refund_id: r.refund_id, user_received_account: r.user_received_account };
  if (status === 'SUCCESS') return succeeded({ transactionNo: String(r.refund_id), extra });
  if (status === 'PROCESSING') return pending({ polling: true, extra });
  if (status === 'CLOSED' || status === 'ABNORMAL') {
    return failed(status, `WeChat Pay refund ${status}`, { extra });
  }
  return unknownResult(undefined, undefined, { extra });
}

async function v3Refund(ctx: RefundContext): Promise<RefundResult> {
  const { charge, refund, publicUrl } = ctx;
  const { m, wx } = context(ctx);
  const body: Record<string, unknown> = {
    // A service provider refunds for its sub-merchant (the signer is sp_mchid).
    ...(m.partner ? { sub_mchid: m.partner.subMchid } : {}),
    out_trade_no: outTradeNoOf(charge),
    out_refund_no: refund.id,
    notify_url: notifyUrlOf(publicUrl, m),
    amount: { refund: refund.amount, total: charge.amount, currency: 'CNY' },
  };
  if (refund.description) body.reason = refund.description.slice(0, 80);
  try {
    const { data } = await wx.chain(V3_REFUNDS).post(body);
    if (data.out_refund_no !== refund.id || Number(data.amount?.refund) !== refund.amount) {
      return unknownResult('refund answer does not match the request');
    }
    return refundResultOf(data);
  } catch (error) {
    const rejected = rejectionOf(error);
    if (rejected) return failed(rejected.code, rejected.message);
    return unknown(error);
  }
}

async function v3RefundQuery(ctx: RefundContext): Promise<RefundResult> {
  const { m, wx } = context(ctx);
  try {
    const { data } = await wx
      .chain(`${V3_REFUNDS}/${encodeURIComponent(ctx.refund.id)}`)
      .get(m.partner ? { params: { sub_mchid: m.partner.subMchid } } : undefined);
    return refundResultOf(data);
  } catch (error) {
    const rejected = rejectionOf(error);
    if (rejected?.code === 'RESOURCE_NOT_EXISTS') return pending();
    return unknown(error);
  }
}

// ---- API v2: micropay (barcode), order query, reverse ---------------------------------------

function authCodeOf(charge: Charge): string {
  const code = charge.extra?.auth_code;
  if (typeof code === 'string' && code) return code;
  if (typeof code === 'number' && Number.isSafeInteger(code)) return String(code);
  throw new JuheError(
    'missing_parameter',
    "WeChat Pay barcode payments need the payer's auth_code",
    'auth_code',
  );
}

/** The fields of a v2 answer, whether the client resolved (SUCCESS) or threw (result FAIL). */
function v2Answer(
  m: Merchant,
  error: unknown,
): { fields: Record<string, string>; verified: boolean } | undefined {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  if (!data || typeof data !== 'object') return undefined;
  const fields = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
  if (fields.return_code !== 'SUCCESS') return { fields, verified: false };
  const type = (fields.sign ?? '').length === 64 ? 'HMAC-SHA256' : 'MD5';
  return { fields, verified: v2SignMatches(fields, m.apiV2Key, type) };
}

function requireV2Key(m: Merchant): void {
  if (m.apiV2Key.length !== 32) {
    throw new JuheError(
      'channel_not_available',
      'WeChat Pay barcode payments need secrets.api_v2_key (32 characters)',
      'channel',
    );
  }
}

function v2Base(m: Merchant, charge: Charge): Record<string, string> {
  // API v2 names a service provider's sub-merchant `sub_mch_id` (and its appid `sub_appid`).
  const sub = m.partner
    ? { sub_mch_id: m.partner.subMchid, ...(m.partner.subAppid ? { sub_appid: m.partner.subAppid } : {}) }
    : {};
  return {
    appid: m.appid,
    mch_id: m.mchid,
    ...sub,
    out_trade_no: outTradeNoOf(charge),
    sign_type: m.v2SignType,
  };
}

async function micropay(ctx: ConnectorContext): Promise<PayResult> {
  const { charge } = ctx;
  requireCny(charge);
  const authCode = authCodeOf(charge);
  const { m, wx } = context(ctx);
  requireV2Key(m);
  const data = {
    ...v2Base(m, charge),
    body: (charge.subject || 'order').slice(0, 127),
    attach: charge.id,
    total_fee: String(charge.amount),
    fee_type: 'CNY',
    spbill_create_ip: charge.clientIp || '127.0.0.1',
    auth_code: authCode,
  };
  try {
    const { data: ok } = await wx.chain('v2/pay/micropay').post(data);
    return paidV2(charge, ok);
  } catch (error) {
    const answer = v2Answer(m, error);
    if (!answer || !answer.verified) return unknown(error);
    const code = answer.fields.err_code;
    if (code === 'USERPAYING') return pending({ payerActing: true, polling: true });
    if (code === 'SYSTEMERROR' || code === 'BANKERROR') return unknownResult();
    if (code === 'ORDERPAID') return v2Query(ctx);
    return failed(code || 'FAIL', answer.fields.err_code_des ?? '');
  }
}

function paidV2(charge: Charge, fields: Record<string, string>): ChannelResult {
  if (Number(fields.total_fee) !== charge.amount || fields.out_trade_no !== outTradeNoOf(charge)) {
    return unknownResult('micropay answer does not match the charge');
  }
  const payerAccount = fields.sub_openid || fields.openid;
  return succeeded({
    transactionNo: fields.transaction_id,
    paidAt: parseCompactCst(fields.time_end),
    ...(payerAccount ? { payerAccount } : {}),
  });
}

async function v2Query(ctx: ConnectorContext): Promise<ChannelResult> {
  const { charge } = ctx;
  const { m, wx } = context(ctx);
  requireV2Key(m);
  let fields: Record<string, string>;
  try {
    ({ data: fields } = await wx.chain('v2/pay/orderquery').post(v2Base(m, charge)));
  } catch (error) {
    const answer = v2Answer(m, error);
    if (answer?.verified && answer.fields.err_code === 'ORDERNOTEXIST') return pending();
    return unknown(error);
  }
  const state = fields.trade_state;
  if (state === 'SUCCESS' || state === 'REFUND') return paidV2(charge, fields);
  if (state === 'USERPAYING') return pending({ payerActing: true, polling: true });
  if (state === 'NOTPAY') return pending({ polling: true });
  if (state === 'CLOSED' || state === 'REVOKED' || state === 'PAYERROR') {
    return failed(state, fields.trade_state_desc ?? state);
  }
  return unknownResult(`unexpected trade_state ${state}`);
}

/** Reverse (撤销) a barcode payment that is not paid; a paid one is reported as succeeded instead. */
async function v2Reverse(ctx: ConnectorContext): Promise<ChannelResult> {
  const { charge } = ctx;
  const current = await v2Query(ctx);
  if (current.status === 'succeeded') return current;
  const { m, wx } = context(ctx);
  try {
    await wx.chain('v2/secapi/pay/reverse').post(v2Base(m, charge));
    return pending();
  } catch (error) {
    return unknown(error);
  }
}
