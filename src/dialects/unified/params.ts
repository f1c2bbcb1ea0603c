import { JuheError } from '../../domain/errors.js';
import { isStorableText } from '../../domain/storable-text.js';
import { type Currency, isCurrency } from '../../domain/money.js';
import { TargetRefusedError, checkTargetUrl, defaultAllowPrivateTargets } from '../../deliveries/ssrf.js';
import { type Rate, parseMoney, parseRate } from './amount.js';

export type Params = Record<string, string>;

/**
 * Request parameters as flat strings, whether they came as a query string, a form or the
 * cashier page's JSON body (where `money` may be a number). Absent, null and undefined
 * all mean "empty", which the signature skips. A repeated or structured value is refused:
 * it has no single string the merchant could have signed. So is text PostgreSQL cannot
 * store or look up (a NUL, an unpaired surrogate), which would fail as a server error.
 */
export function readParams(source: unknown): Params {
  const out: Params = {};
  if (source === null || source === undefined || source === '') return out;
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw new JuheError('invalid_request', 'Parameters must be a JSON object, a form or a query string');
  }
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (value === null || value === undefined) out[key] = '';
    else if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = String(value);
    else if (typeof value === 'boolean') out[key] = String(value);
    else throw new JuheError('invalid_parameter', `${key} must be a single text value`, key);
    if (!isStorableText(out[key]!)) {
      throw new JuheError(
        'invalid_parameter',
        `${key} contains a NUL character or an unpaired UTF-16 surrogate`,
        key,
      );
    }
  }
  return out;
}

export function required(params: Params, name: string): string {
  const value = params[name] ?? '';
  if (value === '') throw new JuheError('missing_parameter', `${name} is required`, name);
  return value;
}

/** The merchant's order as the signed cashier parameters describe it. */
export interface PayOrder {
  domainCode: string;
  payTypeCode: string;
  requestChannel: string;
  /** As sent (fen or cents): echoed in notifications and queryInfo. */
  money: number;
  info: string;
  infoEn: string;
  requestKey: string;
  currencyType: Currency;
  pageUrl: string;
  bgUrl: string;
  dialogOkUrl: string;
  dialogFailUrl: string;
  rate: Rate | null;
  payTypeCodeIn: string;
  /** Added by the H5 page after the openid redirect; not part of the signature. */
  openid: string;
}

const URL_FIELDS = ['pageUrl', 'bgUrl', 'dialogOkUrl', 'dialogFailUrl'] as const;

/**
 * Codes the document leaves to the merchant ("自行定义即可", "后续扩展用"): short
 * identifiers. Their strict format is half of the defence against values moved between
 * signed fields (the document's signature does not bind names): an amount, a URL or a
 * sentence moved into them is refused.
 */
const CODE_FIELDS = ['requestChannel', 'payTypeCodeIn'] as const;
const CODE = /^[0-9A-Za-z_.-]{0,32}$/;
/** Money as the document writes it: a whole number of fen without leading zeros. */
const MONEY = /^[1-9]\d{0,14}$/;

export interface PayOrderOptions {
  /** The signature verified was the document's, which does not bind names to values. */
  nameless: boolean;
  /** Whether bgUrl may name a private address (defaults to the deployment's setting). */
  allowPrivateTargets?: boolean;
}

/**
 * Validates the fields of a signed pay request (after its signature was checked).
 *
 * Underpayment by moved values (`money=10000&requestChannel=1` re-sent as
 * `money=1&requestChannel=10000` verifies under the document's nameless signature): every
 * field has a strict format, so most moves land a value where it cannot parse. What stays
 * ambiguous is a code or rate that reads as an amount larger than money: exactly what a
 * swap that lowers money leaves behind, so under the nameless signature it is refused (a channel code of 10000 on a 1-fen order
 * is not a real merchant's request; one who needs it signs with names, sign.ts namedSign).
 */
export function parsePayOrder(params: Params, options: PayOrderOptions = { nameless: true }): PayOrder {
  const requestKey = required(params, 'requestKey');
  if (requestKey.length > 64 || !/^[\x21-\x7e]+$/.test(requestKey)) {
    throw new JuheError(
      'invalid_parameter',
      'requestKey must be 1 to 64 printable ASCII characters without spaces',
      'requestKey',
    );
  }
  const moneyText = required(params, 'money');
  if (!MONEY.test(moneyText) && /^\d+$/.test(moneyText)) {
    throw new JuheError(
      'invalid_amount',
      `money must be written without leading zeros, got "${moneyText}"`,
      'money',
    );
  }
  const money = parseMoney(moneyText);
  for (const name of CODE_FIELDS) {
    const value = params[name] ?? '';
    if (!CODE.test(value)) {
      throw new JuheError(
        'invalid_parameter',
        `${name} must be up to 32 letters, digits, "_", "-" or "."`,
        name,
      );
    }
  }
  if (options.nameless) refuseMovedAmount(params, money);
  const currencyText = (params.currencyType ?? '').trim().toUpperCase() || 'CNY';
  if (!isCurrency(currencyText)) {
    throw new JuheError(
      'invalid_currency',
      `currencyType ${params.currencyType} is not supported (CNY or USD)`,
      'currencyType',
    );
  }
  const info = params.info ?? '';
  const infoEn = params.infoEn ?? '';
  if (!info && !infoEn) throw new JuheError('missing_parameter', 'info is required', 'info');
  for (const [name, value] of [
    ['info', info],
    ['infoEn', infoEn],
  ] as const) {
    if (value.length > 256)
      throw new JuheError('invalid_parameter', `${name} is longer than 256 characters`, name);
  }
  for (const name of URL_FIELDS) checkUrl(name, params[name] ?? '');
  if (params.bgUrl)
    checkNotifyTarget(params.bgUrl, options.allowPrivateTargets ?? defaultAllowPrivateTargets());
  const rateText = params.rate ?? '';
  return {
    domainCode: params.domainCode ?? '',
    payTypeCode: params.payTypeCode ?? '',
    requestChannel: params.requestChannel ?? '',
    money,
    info,
    infoEn,
    requestKey,
    currencyType: currencyText,
    pageUrl: params.pageUrl ?? '',
    bgUrl: params.bgUrl ?? '',
    dialogOkUrl: params.dialogOkUrl ?? '',
    dialogFailUrl: params.dialogFailUrl ?? '',
    rate: rateText ? parseRate(rateText) : null,
    payTypeCodeIn: params.payTypeCodeIn ?? '',
    openid: params.openid ?? '',
  };
}

/** An absolute http(s) URL, or empty. */
export function checkUrl(name: string, value: string): void {
  if (value === '') return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || value.length > 1024) {
    throw new JuheError('invalid_parameter', `${name} must be an absolute http(s) URL`, name);
  }
}

/** Fields whose value could have been money before a swap: codes and the rate. */
const AMOUNT_LIKE_FIELDS = ['requestChannel', 'payTypeCodeIn', 'rate'] as const;

function refuseMovedAmount(params: Params, money: number): void {
  for (const name of AMOUNT_LIKE_FIELDS) {
    const value = params[name] ?? '';
    if (MONEY.test(value) && Number(value) > money) {
      throw new JuheError(
        'invalid_parameter',
        `${name} (${value}) reads as an amount larger than money (${money}): values moved between fields ` +
          'are refused under the nameless signature; sign with names (namedSign) to send such values',
        name,
      );
    }
  }
}

/**
 * bgUrl is where the notification goes: checked when the order is made, not only when
 * it is sent, so a payer cannot aim our notifier at an internal address and the merchant
 * learns of a bad URL at once. IP literals and localhost here; names are resolved and
 * checked again on every send (ssrf.ts guardedLookup).
 */
export function checkNotifyTarget(url: string, allowPrivateTargets: boolean): void {
  try {
    checkTargetUrl(url, allowPrivateTargets);
  } catch (error) {
    if (error instanceof TargetRefusedError) {
      throw new JuheError('invalid_parameter', `bgUrl is not an allowed target: ${error.message}`, 'bgUrl');
    }
    throw error;
  }
}
