import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * PayPal's wire rules as the simulator applies them, written from PayPal's references
 * ("Currency codes", "API responses", "Orders v2") apart from the connector's code: money
 * as decimal strings in each currency's minor unit, times, and the REST error shape.
 */

/** Decimal places of each currency PayPal's REST APIs take: HUF, JPY and TWD have none. */
const EXPONENT: Readonly<Record<string, number>> = {
  AUD: 2, BRL: 2, CAD: 2, CNY: 2, CZK: 2, DKK: 2, EUR: 2, HKD: 2, HUF: 0, ILS: 2, JPY: 0, MYR: 2,
  MXN: 2, TWD: 0, NZD: 2, NOK: 2, PHP: 2, PLN: 2, GBP: 2, SGD: 2, SEK: 2, CHF: 2, THB: 2, USD: 2,
}; // prettier-ignore

export const isCurrency = (code: unknown): code is string =>
  typeof code === 'string' && Object.hasOwn(EXPONENT, code);

/** Minor units to PayPal's `value` ("12.34" USD, "1500" JPY); negative amounts keep their sign. */
export function amountValue(minor: number, currency: string): string {
  const places = EXPONENT[currency] ?? 2;
  const digits = String(Math.abs(minor)).padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return minor < 0 ? `-${text}` : text;
}

/** `{currency_code, value}`. */
export const money = (minor: number, currency: string) => ({
  currency_code: currency,
  value: amountValue(minor, currency),
});

export type AmountIssue = 'INVALID_PARAMETER_SYNTAX' | 'DECIMALS_NOT_SUPPORTED' | 'DECIMAL_PRECISION';

/** A request's `value` to minor units, from the string, with the validation issue PayPal names. */
export function readAmount(
  value: unknown,
  currency: string,
): { ok: true; minor: number } | { ok: false; issue: AmountIssue } {
  if (typeof value !== 'string' || !isCurrency(currency))
    return { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
  const m = /^(\d{1,15})(?:\.(\d{1,32}))?$/.exec(value);
  if (!m) return { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
  const places = EXPONENT[currency];
  const fraction = m[2] ?? '';
  if (places === 0 && fraction !== '') return { ok: false, issue: 'DECIMALS_NOT_SUPPORTED' };
  if (fraction.length > places) return { ok: false, issue: 'DECIMAL_PRECISION' };
  const minor = Number(`${m[1]}${fraction.padEnd(places, '0')}`);
  return Number.isSafeInteger(minor) ? { ok: true, minor } : { ok: false, issue: 'INVALID_PARAMETER_SYNTAX' };
}

/** RFC 3339 in UTC without milliseconds: 2026-03-01T08:00:00Z. */
export const paypalTime = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** PayPal's standard message of each error name. */
const MESSAGES: Readonly<Record<string, string>> = {
  INVALID_REQUEST: 'Request is not well-formed, syntactically incorrect, or violates schema.',
  AUTHENTICATION_FAILURE:
    'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
  NOT_AUTHORIZED: 'Authorization failed due to insufficient permissions.',
  RESOURCE_NOT_FOUND: 'The specified resource does not exist.',
  UNPROCESSABLE_ENTITY:
    'The requested action could not be performed, semantically incorrect, or failed business validation.',
  INTERNAL_SERVER_ERROR: 'An internal server error has occurred.',
};

export interface ErrorDetail {
  field?: string;
  value?: string;
  location?: string;
  issue: string;
  description: string;
}

/** A PayPal REST error: HTTP status + {name, message, debug_id, details}. */
export class PaypalError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly details: ErrorDetail[] = [],
    message?: string,
  ) {
    super(message ?? MESSAGES[errorName] ?? errorName);
  }
}

export const invalid = (issue: string, description: string, field?: string) =>
  new PaypalError(400, 'INVALID_REQUEST', [
    { ...(field ? { field, location: 'body' } : {}), issue, description },
  ]);
export const unprocessable = (issue: string, description: string) =>
  new PaypalError(422, 'UNPROCESSABLE_ENTITY', [{ issue, description }]);
export const notFound = (
  description = 'Specified resource ID does not exist. Please check the resource ID and try again.',
) => new PaypalError(404, 'RESOURCE_NOT_FOUND', [{ issue: 'INVALID_RESOURCE_ID', description }]);
export const SYNTAX = 'The value of a field does not conform to the expected format.';
export const MISSING = 'A required field / parameter is missing.';

/** Answers `error` in PayPal's shape, with its information link. */
export const sendError = (reply: FastifyReply, error: PaypalError) =>
  reply.status(error.status).send({
    name: error.errorName,
    message: error.message,
    debug_id: randomBytes(7).toString('hex'),
    ...(error.details.length ? { details: error.details } : {}),
    links: [
      {
        href: `https://developer.paypal.com/docs/api/orders/v2/#error-${error.details[0]?.issue ?? error.errorName}`,
        rel: 'information_link',
        method: 'GET',
      },
    ],
  });
