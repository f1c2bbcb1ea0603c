import { JuheError } from '../../domain/errors.js';
import { isStorableText } from '../../domain/storable-text.js';
import { type Currency, isCurrency } from '../../domain/money.js';
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

/** Validates the fields of a signed pay request (after its signature was checked). */
export function parsePayOrder(params: Params): PayOrder {
  const requestKey = required(params, 'requestKey');
  if (requestKey.length > 64 || !/^[\x21-\x7e]+$/.test(requestKey)) {
    throw new JuheError(
      'invalid_parameter',
      'requestKey must be 1 to 64 printable ASCII characters without spaces',
      'requestKey',
    );
  }
  const money = parseMoney(required(params, 'money'));
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
