import { JuheError } from './errors.js';

/**
 * Money is an integer count of minor units (fen, cents) plus a currency.
 * Decimals only ever enter or leave as strings: "0.10" -> 10, never 0.1 * 100.
 */
export const CURRENCIES = { CNY: 2, USD: 2 } as const;
export type Currency = keyof typeof CURRENCIES;

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.hasOwn(CURRENCIES, value);
}

/** Parses "12.3" / "12.30" / "12" into minor units; rejects signs, exponents and excess places. */
export function parseDecimal(text: string, currency: Currency, param = 'amount'): number {
  const places = CURRENCIES[currency];
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!match) throw new JuheError('invalid_amount', `${param} must be a decimal number like "12.34"`, param);
  const [, whole, fraction = ''] = match;
  if (fraction.length > places) {
    throw new JuheError('invalid_amount', `${param} has more than ${places} decimal places`, param);
  }
  const minor = Number(whole) * 10 ** places + Number(fraction.padEnd(places, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new JuheError('invalid_amount', `${param} is too large`, param);
  return minor;
}

/** 1234 CNY -> "12.34"; 5 -> "0.05". */
export function formatMinor(minor: number, currency: Currency): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  const places: number = CURRENCIES[currency];
  const sign = minor < 0 ? '-' : '';
  const digits = Math.abs(minor)
    .toString()
    .padStart(places + 1, '0');
  if (places === 0) return sign + digits;
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** For JSON APIs that document a decimal number (Paymax): 1234 -> 12.34 as a number, exact in print. */
export function minorToJsonNumber(minor: number, currency: Currency): number {
  return Number(formatMinor(minor, currency));
}

export function isPositiveMinor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
