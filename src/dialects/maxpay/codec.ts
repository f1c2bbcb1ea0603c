import { escapeHtml } from '../../domain/html.js';
import type { ChargeListParams } from '../../core/payments/list-charges.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { formatMinor, isPositiveMinor } from '../../domain/money.js';
import type { ChargeStatus } from '../../domain/status.js';
import { md5Hex } from './auth.js';
import {
  MAX_JSON_NESTING,
  isStorableText,
  nestedDeeperThan,
  unstorableTextAt,
} from '../../domain/storable-text.js';
import {
  MAXPAY_CHANNELS,
  MAXPAY_PROVIDER_CODES,
  type MaxpayChannel,
  billProviderMethod,
  fromProviderMethod,
  isMaxpayChannel,
  isMaxpayProviderCode,
  toProviderMethod,
} from './channels.js';

/**
 * MaxPay wire shapes <-> Juhe values. Decoding is strict about types (totalFee is an int of
 * fen, never "1.00") and liberal about presence: `null` and "" mean "not sent", because the
 * PHP client json_encodes its whole parameter array, unset keys included, plus `appid` and
 * `token`, which are ignored like every unknown field.
 */

type Body = Record<string, unknown>;

const BILL_NUM = /^[\x21-\x7e]{1,64}$/;
const MAX_SUBJECT = 256;
const MAX_URL = 1024;
const MAX_EXTRAS_BYTES = 8192;
/** Alipay's longest order lifetime; WeChat's is shorter and its connector may clamp. */
export const MAX_BILL_TIMEOUT_S = 15 * 24 * 3600;
export const DEFAULT_RECORDS_LIMIT = 100;
export const MAX_RECORDS_LIMIT = 1000;
/**
 * Latest startTime/endTime: 9999-12-31T23:59:59.999Z. A later JavaScript date is written
 * with a six-digit year ("+275760-09-13T..."), which PostgreSQL cannot parse.
 */
export const MAX_RECORDS_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ALIPAY_QR_PAY_MODES = ['0', '1', '2', '3', '4'];

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body's text. Bytes that are not UTF-8 are refused rather than replaced with U+FFFD:
 * a subject or billNum silently changed is not what the client sent (and signed for).
 */
export function bodyText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw;
  if (!(raw instanceof Uint8Array)) throw new JuheError('invalid_request', 'The body must be a JSON object');
  try {
    return STRICT_UTF8.decode(raw);
  } catch {
    throw new JuheError('invalid_request', 'The body is not valid UTF-8');
  }
}

/** The request body as an object; an absent or blank body is `{}` (records with no filter). */
export function parseJsonBody(raw: unknown): Body {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'string') throw new JuheError('invalid_request', 'The body must be a JSON object');
  if (raw.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new JuheError('invalid_request', `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JuheError('invalid_request', 'The body must be a JSON object');
  }
  return value as Body;
}

function present(body: Body, name: string): boolean {
  const value = body[name];
  return value !== undefined && value !== null && value !== '';
}

function requireString(body: Body, name: string, max: number): string {
  if (!present(body, name)) throw new JuheError('missing_parameter', `${name} is required`, name);
  return stringField(body, name, max)!;
}

function stringField(body: Body, name: string, max: number): string | undefined {
  if (!present(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'string') throw new JuheError('invalid_parameter', `${name} must be a string`, name);
  if (value.length > max) {
    throw new JuheError('invalid_parameter', `${name} must be at most ${max} characters`, name);
  }
  if (!isStorableText(value)) throw unstorable(name);
  return value;
}

function unstorable(name: string): JuheError {
  return new JuheError(
    'invalid_parameter',
    `${name} contains a NUL character or an unpaired UTF-16 surrogate`,
    name.split(/[.[]/)[0],
  );
}

function urlField(body: Body, name: string): string | undefined {
  const value = stringField(body, name, MAX_URL);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new JuheError('invalid_parameter', `${name} must be an absolute http(s) URL`, name);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JuheError('invalid_parameter', `${name} must be an absolute http(s) URL`, name);
  }
  return value;
}

function intField(body: Body, name: string, min: number, max: number): number | undefined {
  if (!present(body, name)) return undefined;
  const value = body[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new JuheError('invalid_parameter', `${name} must be an integer`, name);
  }
  if (value < min || value > max) {
    throw new JuheError('invalid_parameter', `${name} must be between ${min} and ${max}`, name);
  }
  return value;
}

function channelField(body: Body, required: true): MaxpayChannel;
function channelField(body: Body, required: false): MaxpayChannel | undefined;
function channelField(body: Body, required: boolean): MaxpayChannel | undefined {
  if (!present(body, 'channel')) {
    if (required) throw new JuheError('missing_parameter', 'channel is required', 'channel');
    return undefined;
  }
  const value = body.channel;
  if (!isMaxpayChannel(value)) {
    throw new JuheError(
      'channel_not_supported',
      `channel must be one of ${Object.keys(MAXPAY_CHANNELS).join(', ')}`,
      'channel',
    );
  }
  return value;
}

export interface BillInput {
  channel: MaxpayChannel;
  billNum: string;
  totalFee: number;
  subject: string;
  extras: Record<string, unknown>;
  returnUrl?: string;
  billTimeoutS?: number;
  showUrl?: string;
  qrPayMode?: string;
  openid?: string;
}

/**
 * Checks a `bill` body in the order a client fixes it: what is missing, then what is wrong.
 * `literals` is the text of each top-level JSON number as the client wrote it: totalFee is
 * an int of fen, so `1E2` or `1.0000000000000001` (which JSON.parse turns into 100 and 1)
 * are refused, not rounded into a different request.
 */
export function decodeBill(body: Body, literals: ReadonlyMap<string, string> = new Map()): BillInput {
  const channel = channelField(body, true);
  const billNum = requireString(body, 'billNum', 64);
  if (!BILL_NUM.test(billNum)) {
    throw new JuheError(
      'invalid_parameter',
      'billNum must be 1-64 printable ASCII characters without spaces',
      'billNum',
    );
  }
  if (!present(body, 'totalFee'))
    throw new JuheError('missing_parameter', 'totalFee is required', 'totalFee');
  const totalFee = body.totalFee;
  const written = literals.get('totalFee');
  if (!isPositiveMinor(totalFee) || (written !== undefined && !/^[1-9]\d*$/.test(written))) {
    throw new JuheError('invalid_parameter', 'totalFee must be a positive integer number of fen', 'totalFee');
  }
  const subject = requireString(body, 'subject', MAX_SUBJECT);
  if (subject.trim() === '') throw new JuheError('missing_parameter', 'subject is required', 'subject');

  let extras: Record<string, unknown> = {};
  if (present(body, 'extras')) {
    const value = body.extras;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new JuheError('invalid_parameter', 'extras must be a JSON object', 'extras');
    }
    // Depth first: JSON.stringify of a value nested ~10^5 deep overflows the stack.
    if (nestedDeeperThan(value, MAX_JSON_NESTING)) {
      throw new JuheError(
        'invalid_parameter',
        `extras must nest at most ${MAX_JSON_NESTING} levels`,
        'extras',
      );
    }
    if (Buffer.byteLength(JSON.stringify(value)) > MAX_EXTRAS_BYTES) {
      throw new JuheError('invalid_parameter', `extras must be at most ${MAX_EXTRAS_BYTES} bytes`, 'extras');
    }
    const bad = unstorableTextAt(value, 'extras');
    if (bad !== undefined) throw unstorable(bad);
    extras = value as Record<string, unknown>;
  }
  const returnUrl = urlField(body, 'returnUrl');
  const showUrl = urlField(body, 'showUrl');
  const billTimeoutS = intField(body, 'billTimeout', 1, MAX_BILL_TIMEOUT_S);
  const openid = stringField(body, 'openid', 128);

  let qrPayMode: string | undefined;
  if (present(body, 'qrPayMode')) {
    const value = body.qrPayMode;
    const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
    if (!ALIPAY_QR_PAY_MODES.includes(text)) {
      throw new JuheError(
        'invalid_parameter',
        `qrPayMode must be one of ${ALIPAY_QR_PAY_MODES.join(', ')}`,
        'qrPayMode',
      );
    }
    qrPayMode = text;
  }

  const given = { returnUrl, openid };
  for (const field of MAXPAY_CHANNELS[channel].requires) {
    if (given[field] === undefined) {
      throw new JuheError('missing_parameter', `${field} is required for channel ${channel}`, field);
    }
  }
  return { channel, billNum, totalFee, subject, extras, returnUrl, billTimeoutS, showUrl, qrPayMode, openid };
}

/**
 * Channel parameters kept on the charge for its connector, under the upstream's own names
 * (WeChat `openid`, Alipay `qr_pay_mode`, `show_url`).
 */
export function chargeExtra(input: BillInput): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  // A name shared with another code of the same pair (unipay_app = un_app) is remembered.
  const pair = billProviderMethod(input.channel, input.qrPayMode);
  if (fromProviderMethod(pair.provider, pair.method) !== input.channel) {
    extra.maxpay_channel = input.channel;
  }
  if (input.openid !== undefined) extra.openid = input.openid;
  if (input.showUrl !== undefined) extra.show_url = input.showUrl;
  if (input.qrPayMode !== undefined) extra.qr_pay_mode = input.qrPayMode;
  return extra;
}

// ---------------------------------------------------------------------------------------
// records

export type RecordStatus = 'created' | 'success' | 'refund';

/**
 * Record status <-> charge status, both ways from this table. `created` is every bill not
 * paid (waiting, failed, canceled, expired: MaxPay has no finer word); `success` is paid with
 * nothing refunded; `refund` is paid with any amount refunded (a partial refund included,
 * so a merchant looking for money that went back finds it).
 */
export const RECORD_STATUSES: Record<RecordStatus, { statuses: ChargeStatus[]; refunded?: boolean }> = {
  created: { statuses: ['pending', 'user_paying', 'failed', 'canceled', 'closed'] },
  success: { statuses: ['succeeded'], refunded: false },
  refund: { statuses: ['succeeded'], refunded: true },
};

export function recordStatus(charge: Pick<Charge, 'status' | 'amountRefunded'>): RecordStatus {
  for (const [name, entry] of Object.entries(RECORD_STATUSES) as [
    RecordStatus,
    (typeof RECORD_STATUSES)[RecordStatus],
  ][]) {
    if (!entry.statuses.includes(charge.status)) continue;
    if (entry.refunded === undefined || entry.refunded === charge.amountRefunded > 0) return name;
  }
  throw new Error(`no MaxPay record status for ${charge.status}`);
}

function isRecordStatus(value: unknown): value is RecordStatus {
  return typeof value === 'string' && Object.hasOwn(RECORD_STATUSES, value);
}

/** `order` values: "-" prefix for descending, then the key. */
const RECORD_ORDERS: Record<string, Pick<ChargeListParams, 'order' | 'sort'>> = {
  '-createdTime': { order: 'desc', sort: 'created' },
  createdTime: { order: 'asc', sort: 'created' },
  '-totalFee': { order: 'desc', sort: 'amount' },
  totalFee: { order: 'asc', sort: 'amount' },
};

/** A `records` body -> list filters (without the app scope, which comes from auth). */
export function decodeRecordsQuery(body: Body): ChargeListParams & { limit: number } {
  const params: ChargeListParams & { limit: number } = {
    limit: DEFAULT_RECORDS_LIMIT,
    order: 'desc',
    sort: 'created',
  };
  const billNum = stringField(body, 'billNum', 64);
  if (billNum !== undefined) params.orderNo = billNum;
  if (isMaxpayProviderCode(body.channel)) {
    params.channel = MAXPAY_PROVIDER_CODES[body.channel];
  } else {
    const channel = channelField(body, false);
    if (channel !== undefined) {
      const { provider, method } = toProviderMethod(channel);
      params.channel = provider;
      params.method = method;
    }
  }
  if (present(body, 'status')) {
    if (!isRecordStatus(body.status)) {
      throw new JuheError('invalid_parameter', 'status must be one of created, success, refund', 'status');
    }
    const entry = RECORD_STATUSES[body.status];
    params.status = entry.statuses;
    if (entry.refunded !== undefined) params.refunded = entry.refunded;
  }
  const startTime = intField(body, 'startTime', 0, MAX_RECORDS_TIME_MS);
  if (startTime !== undefined) params.createdGte = new Date(startTime);
  const endTime = intField(body, 'endTime', 0, MAX_RECORDS_TIME_MS);
  if (endTime !== undefined) params.createdLte = new Date(endTime);
  const skip = intField(body, 'skip', 0, 1_000_000);
  if (skip !== undefined) params.offset = skip;
  const limit = intField(body, 'limit', 1, MAX_RECORDS_LIMIT);
  if (limit !== undefined) params.limit = limit;
  if (present(body, 'order')) {
    const key = body.order;
    const order =
      typeof key === 'string' && Object.hasOwn(RECORD_ORDERS, key) ? RECORD_ORDERS[key] : undefined;
    if (!order) {
      throw new JuheError(
        'invalid_parameter',
        `order must be one of ${Object.keys(RECORD_ORDERS).join(', ')}`,
        'order',
      );
    }
    Object.assign(params, order);
  }
  return params;
}

/** What a record is built from: a Charge, or a charge event's snapshot (webhooks). */
export type RecordSource = { extra?: Record<string, unknown> } & Pick<
  Charge,
  | 'id'
  | 'orderNo'
  | 'channel'
  | 'method'
  | 'amount'
  | 'amountRefunded'
  | 'currency'
  | 'status'
  | 'subject'
  | 'metadata'
  | 'transactionNo'
  | 'createdAt'
  | 'expiresAt'
  | 'paidAt'
  | 'closedAt'
>;

export interface MaxpayRecord {
  id: string;
  billNum: string;
  channel: string;
  totalFee: number;
  currency: string;
  money: string;
  status: RecordStatus;
  createdTime: number;
  /** Paid: when paid. Unpaid: when it was closed, or else when it will expire (its deadline). */
  endTime: number;
  extras: Record<string, unknown>;
  subject: string;
  refundFee: number;
  /** The provider's transaction number once paid, else null. */
  tradeNo: string | null;
}

/**
 * The channel code a bill was made with: the alias a client used (`unipay_app`), kept on
 * the charge, so the client finds its own word in records; otherwise the pair's code.
 */
function channelOfRecord(c: RecordSource): string {
  const given = c.extra?.maxpay_channel;
  if (isMaxpayChannel(given) && MAXPAY_CHANNELS[given].provider === c.channel) return given;
  return fromProviderMethod(c.channel, c.method);
}

export function toRecord(c: RecordSource): MaxpayRecord {
  const status = recordStatus(c);
  const end = status === 'created' ? (c.closedAt ?? c.expiresAt) : (c.paidAt ?? c.createdAt);
  return {
    id: c.id,
    billNum: c.orderNo,
    channel: channelOfRecord(c),
    totalFee: c.amount,
    currency: c.currency,
    money: `${formatMinor(c.amount, c.currency)} ${c.currency}`,
    status,
    createdTime: c.createdAt.getTime(),
    endTime: end.getTime(),
    extras: c.metadata,
    subject: c.subject,
    refundFee: c.amountRefunded,
    tradeNo: c.transactionNo,
  };
}

// ---------------------------------------------------------------------------------------
// bill answer: channel data beside code/msg/id (FACTS.md)

type Fields = Record<string, string>;

function pick(source: unknown, ...keys: string[]): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const record = source as Record<string, unknown>;
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/**
 * Test-mode stand-ins for WeChat client parameters the sandbox connector does not produce
 * (it answers {qr_code}, {order_string}, {pay_url} or {jsapi}): shaped like WeChat's, signed
 * the WeChat v2 way (MD5 of the sorted pairs + "&key=sandbox", upper-case) so client code
 * that re-checks a sign runs. Live mode never uses them: a missing field there is CHANNEL_ERROR.
 */
function wechatSandboxParams(charge: Charge) {
  const noncestr = md5Hex(`nonce:${charge.id}`);
  const timestamp = String(Math.floor(charge.createdAt.getTime() / 1000));
  const sign = (pairs: Record<string, string>) =>
    md5Hex(
      Object.keys(pairs)
        .sort()
        .map((k) => `${k}=${pairs[k]}`)
        .join('&') + '&key=sandbox',
    ).toUpperCase();
  return { appid: 'sandbox', partnerid: 'sandbox', noncestr, timestamp, sign };
}

/** The upstream prepay id: given by a WeChat connector, or inside a JSAPI `package`. */
function prepayIdOf(credential: Record<string, unknown>): string | undefined {
  const direct = pick(credential, 'prepay_id', 'prepayid', 'prepayId');
  if (direct) return direct;
  const nested = pick(credential.app_params, 'prepayid', 'prepay_id');
  if (nested) return nested;
  const pkg = pick(credential.jsapi, 'package');
  return pkg?.startsWith('prepay_id=') ? pkg.slice('prepay_id='.length) : undefined;
}

/**
 * The channel data for a created bill, e.g. ali_app -> {ali_app: "<order string>"},
 * wx_native -> {codeUrl, prepayid}. Read from the charge credential, tolerant of the
 * richer shapes real connectors return (code_url, prepay_id, app_params, tn, html/form).
 * Decided shapes: ali_qrcode -> {url} (the QR content / page to embed, per qrPayMode);
 * wx_jsapi -> {appId, timeStamp, nonceStr, package, signType, paySign}, exactly the object
 * WeixinJSBridge getBrandWCPayRequest takes.
 * Throws channel_error when the channel gave nothing usable (live mode).
 */
export function billChannelData(channel: MaxpayChannel, charge: Charge): Fields {
  const cred = charge.credential ?? {};
  const test = !charge.livemode;
  const need = (field: string, value: string | undefined): string => {
    if (value === undefined) {
      throw new JuheError('channel_error', `The channel returned no ${field} for ${channel}`);
    }
    return value;
  };
  switch (channel) {
    case 'ali_app':
      return { ali_app: need('order string', pick(cred, 'order_string', 'orderString')) };
    case 'ali_web':
      return { ali_web: need('payment page URL', pick(cred, 'pay_url', 'url', 'page_url')) };
    case 'ali_wap':
      return { ali_wap: need('payment page URL', pick(cred, 'pay_url', 'url', 'page_url')) };
    case 'ali_qrcode':
      return { url: need('QR code', pick(cred, 'qr_code', 'pay_url', 'url')) };
    case 'wx_native':
      // WeChat Pay API v3 Native answers only `code_url` (the v2 unifiedorder also gave a
      // prepay_id): the QR is what the payer needs, so a missing prepay_id is no error in
      // either mode; `prepayid` then names the bill, as the client's later calls do.
      return {
        codeUrl: need('code_url', pick(cred, 'code_url', 'codeUrl', 'qr_code')),
        prepayid: prepayIdOf(cred) ?? charge.id,
      };
    case 'wx_app': {
      const params = typeof cred.app_params === 'object' && cred.app_params !== null ? cred.app_params : cred;
      const prepayid = prepayIdOf(cred) ?? (test ? charge.id : undefined);
      const sandbox = test ? wechatSandboxParams(charge) : undefined;
      const fields: Fields = {
        appid: need('appid', pick(params, 'appid', 'app_id', 'appId') ?? sandbox?.appid),
        partnerid: need('partnerid', pick(params, 'partnerid', 'mch_id', 'partnerId') ?? sandbox?.partnerid),
        prepayid: need('prepayid', prepayid),
        package: pick(params, 'package', 'packageValue') ?? 'Sign=WXPay',
        noncestr: need('noncestr', pick(params, 'noncestr', 'nonce_str', 'nonceStr') ?? sandbox?.noncestr),
        timestamp: need('timestamp', pick(params, 'timestamp', 'timeStamp') ?? sandbox?.timestamp),
        sign: '',
      };
      const sign = pick(params, 'sign', 'paySign');
      if (sign) fields.sign = sign;
      else if (sandbox) {
        const { sign: _omit, ...unsigned } = fields;
        fields.sign = sandbox.sign(unsigned);
      } else need('sign', undefined);
      return fields;
    }
    case 'wx_jsapi': {
      const params = typeof cred.jsapi === 'object' && cred.jsapi !== null ? cred.jsapi : cred;
      const prepayid = prepayIdOf(cred) ?? (test ? charge.id : undefined);
      const sandbox = test ? wechatSandboxParams(charge) : undefined;
      const fields: Fields = {
        appId: need('appId', pick(params, 'appId', 'appid', 'app_id') ?? sandbox?.appid),
        timeStamp: need('timeStamp', pick(params, 'timeStamp', 'timestamp') ?? sandbox?.timestamp),
        nonceStr: need('nonceStr', pick(params, 'nonceStr', 'noncestr', 'nonce_str') ?? sandbox?.noncestr),
        package: need(
          'package',
          pick(params, 'package') ?? (prepayid !== undefined ? `prepay_id=${prepayid}` : undefined),
        ),
        signType: pick(params, 'signType', 'sign_type') ?? 'MD5',
        paySign: '',
      };
      const paySign = pick(params, 'paySign', 'pay_sign');
      if (paySign) fields.paySign = paySign;
      else if (sandbox) {
        fields.signType = 'MD5';
        const { paySign: _omit, ...unsigned } = fields;
        fields.paySign = sandbox.sign(unsigned);
      } else need('paySign', undefined);
      return fields;
    }
    case 'un_app':
    case 'unipay_app':
      // The sandbox's app payload stands in for a UnionPay transaction number in test mode.
      return { tn: need('tn', pick(cred, 'tn') ?? (test ? pick(cred, 'order_string') : undefined)) };
    case 'un_web':
    case 'unipay_web': {
      const html = pick(cred, 'html', 'form');
      if (html) return { html };
      const url = test ? pick(cred, 'pay_url', 'url') : undefined;
      return {
        html: need(
          'html',
          url &&
            `<form id="maxpay_un_web" action="${escapeHtml(url)}" method="get"></form>` +
              `<script>document.getElementById("maxpay_un_web").submit();</script>`,
        ),
      };
    }
  }
}
