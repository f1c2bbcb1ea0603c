import { createPublicKey, createVerify, createSign, type KeyObject, X509Certificate } from 'node:crypto';

/**
 * PayPal's wire rules that need no I/O: money as decimal strings, the webhook signature
 * (CRC32 of the raw body inside the signed message), and PayPal's error shape. Shared by
 * the connector and the simulator, so both sides agree byte for byte.
 */

/**
 * Decimal places of each currency PayPal's REST APIs accept (PayPal "Currency codes"
 * reference). HUF, JPY and TWD take no decimals: "1000" JPY, never "1000.00".
 */
export const PAYPAL_CURRENCY_EXPONENT: Readonly<Record<string, number>> = {
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  HKD: 2,
  HUF: 0,
  ILS: 2,
  JPY: 0,
  MYR: 2,
  MXN: 2,
  TWD: 0,
  NZD: 2,
  NOK: 2,
  PHP: 2,
  PLN: 2,
  GBP: 2,
  SGD: 2,
  SEK: 2,
  CHF: 2,
  THB: 2,
  USD: 2,
};

export const isPaypalCurrency = (code: unknown): code is string =>
  typeof code === 'string' && Object.hasOwn(PAYPAL_CURRENCY_EXPONENT, code);

/** Integer minor units to PayPal's `value`: 1234 USD -> "12.34", 5 USD -> "0.05", 1500 JPY -> "1500". */
export function formatPaypalAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not a non-negative integer: ${minor}`);
  if (!isPaypalCurrency(currency)) throw new RangeError(`PayPal does not accept ${currency}`);
  const places = PAYPAL_CURRENCY_EXPONENT[currency];
  const digits = String(minor).padStart(places + 1, '0');
  return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** Why a `value` string is refused, as PayPal's validation issue names it. */
export type AmountIssue = 'INVALID_PARAMETER_SYNTAX' | 'DECIMALS_NOT_SUPPORTED' | 'DECIMAL_PRECISION';

/**
 * PayPal's `value` back to minor units, from the string (never through a float).
 * "10" and "10.5" are accepted for USD (PayPal pads); "10.505" is DECIMAL_PRECISION and
 * "10.5" JPY is DECIMALS_NOT_SUPPORTED.
 */
export function parsePaypalAmount(
  value: unknown,
  currency: string,
): { ok: true; minor: number } | { ok: false; issue: AmountIssue } {
  if (typeof value !== 'string' || !isPaypalCurrency(currency)) {
    return { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
  }
  const match = /^(\d{1,15})(?:\.(\d{1,32}))?$/.exec(value);
  if (!match) return { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
  const places = PAYPAL_CURRENCY_EXPONENT[currency];
  const [, whole, fraction = ''] = match;
  if (places === 0 && fraction !== '') return { ok: false, issue: 'DECIMALS_NOT_SUPPORTED' };
  if (fraction.length > places) return { ok: false, issue: 'DECIMAL_PRECISION' };
  const minor = Number(whole) * 10 ** places + Number(fraction.padEnd(places, '0') || '0');
  if (!Number.isSafeInteger(minor)) return { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
  return { ok: true, minor };
}

// ---- CRC32 (IEEE 802.3, the zlib / buffer-crc32 polynomial) ---------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32 of the bytes as an unsigned integer: "123456789" -> 3421780262 (0xCBF43926). */
export function crc32(data: string | Uint8Array): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---- webhook signatures ----------------------------------------------------------------------

export const WEBHOOK_AUTH_ALGO = 'SHA256withRSA';

/**
 * The string PayPal signs for a webhook delivery:
 * `<transmission id>|<transmission time>|<webhook id>|<crc32 of the raw body, decimal>`.
 */
export function webhookSignedMessage(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  rawBody: string | Uint8Array,
): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}`;
}

/** SHA256withRSA over the signed message, base64: what PAYPAL-TRANSMISSION-SIG carries. */
export function signWebhook(message: string, privateKey: KeyObject | string): string {
  return createSign('sha256').update(message).sign(privateKey, 'base64');
}

/** Verifies a PAYPAL-TRANSMISSION-SIG with the public key of the certificate from PAYPAL-CERT-URL. */
export function verifyWebhookSignature(message: string, signature: string, certificatePem: string): boolean {
  try {
    const key = createPublicKey(
      new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    return createVerify('sha256').update(message).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** A certificate usable now: parses, and `now` lies within notBefore..notAfter. */
export function certificateValidAt(certificatePem: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(certificatePem);
    return now >= new Date(cert.validFrom) && now <= new Date(cert.validTo);
  } catch {
    return false;
  }
}

// ---- PayPal's error shape --------------------------------------------------------------------

export interface PaypalErrorDetail {
  field?: string;
  value?: string;
  location?: string;
  issue: string;
  description: string;
}

/** The body of every PayPal REST error: {name, message, debug_id, details[], links[]}. */
export interface PaypalErrorBody {
  name: string;
  message: string;
  debug_id: string;
  details?: PaypalErrorDetail[];
  links?: { href: string; rel: string; method?: string }[];
}

/** The standard message of each error name (PayPal's "API responses" reference). */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  INVALID_REQUEST: 'Request is not well-formed, syntactically incorrect, or violates schema.',
  AUTHENTICATION_FAILURE:
    'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
  NOT_AUTHORIZED: 'Authorization failed due to insufficient permissions.',
  RESOURCE_NOT_FOUND: 'The specified resource does not exist.',
  UNPROCESSABLE_ENTITY:
    'The requested action could not be performed, semantically incorrect, or failed business validation.',
  INTERNAL_SERVER_ERROR: 'An internal server error has occurred.',
};

/** RFC 3339 in UTC without milliseconds, as PayPal writes times: 2026-03-01T08:00:00Z. */
export const paypalTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
