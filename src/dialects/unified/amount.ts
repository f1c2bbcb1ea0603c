import { JuheError } from '../../domain/errors.js';
import type { Currency } from '../../domain/money.js';

/** `money` is an integer count of fen (cents for USD), sent as text: "1" is 0.01. */
export function parseMoney(text: string): number {
  if (!/^\d{1,15}$/.test(text)) {
    throw new JuheError('invalid_amount', `money must be a positive integer in fen, got "${text}"`, 'money');
  }
  const minor = Number(text);
  if (minor <= 0) throw new JuheError('invalid_amount', 'money must be greater than 0', 'money');
  return minor;
}

/** An exchange rate kept as an exact fraction: "6.8" -> 68/10. */
export interface Rate {
  text: string;
  numerator: bigint;
  denominator: bigint;
}

/** `rate` is CNY per 1 USD (the document's example: 6.8). */
export function parseRate(text: string): Rate {
  const match = /^(\d{1,6})(?:\.(\d{1,10}))?$/.exec(text);
  if (!match)
    throw new JuheError('invalid_parameter', `rate must be a decimal like "6.8", got "${text}"`, 'rate');
  const fraction = match[2] ?? '';
  const numerator = BigInt(match[1]! + fraction);
  if (numerator === 0n) throw new JuheError('invalid_parameter', 'rate must be greater than 0', 'rate');
  return { text, numerator, denominator: 10n ** BigInt(fraction.length) };
}

/** a / b rounded half up, for non-negative a and positive b. */
function divideHalfUp(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

/**
 * The amount the provider charges, in its own currency. The merchant prices in
 * `currencyType`; WeChat, Alipay and UnionPay settle CNY and PayPal USD, so a price in the
 * other currency is converted with `rate`, exactly and rounded half up to the minor unit:
 * 1000 USD cents at 6.8 -> 6800 fen; 1000 fen at 6.8 -> 147 cents (147.06).
 */
export function chargeAmount(money: number, from: Currency, to: Currency, rate: Rate | null): number {
  if (from === to) return money;
  if (!rate) {
    throw new JuheError(
      'missing_parameter',
      `rate is required to pay a ${from} price through a ${to} channel`,
      'rate',
    );
  }
  const m = BigInt(money);
  let converted: bigint;
  if (from === 'USD' && to === 'CNY') converted = divideHalfUp(m * rate.numerator, rate.denominator);
  else if (from === 'CNY' && to === 'USD') converted = divideHalfUp(m * rate.denominator, rate.numerator);
  else throw new JuheError('invalid_currency', `No conversion from ${from} to ${to}`, 'currencyType');
  if (converted <= 0n) {
    throw new JuheError(
      'invalid_amount',
      `money ${money} ${from} is less than 0.01 ${to} at rate ${rate.text}`,
      'money',
    );
  }
  if (converted > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new JuheError('invalid_amount', 'money is too large at this rate', 'money');
  }
  return Number(converted);
}
