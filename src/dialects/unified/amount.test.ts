import { describe, expect, it } from 'vitest';
import { JuheError } from '../../domain/errors.js';
import { chargeAmount, parseMoney, parseRate } from './amount.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as JuheError).code;
  }
  return 'no error';
};

describe('unified money and rate', () => {
  it('reads money as integer fen', () => {
    expect(parseMoney('1')).toBe(1);
    expect(parseMoney('123456789012345')).toBe(123456789012345);
    for (const bad of ['0', '1.5', '-1', '', ' 1', '1e3', '0x10', '1234567890123456']) {
      expect(code(() => parseMoney(bad))).toBe('invalid_amount');
    }
  });

  it('keeps rates as exact fractions', () => {
    expect(parseRate('6.8')).toEqual({ text: '6.8', numerator: 68n, denominator: 10n });
    expect(parseRate('7')).toEqual({ text: '7', numerator: 7n, denominator: 1n });
    for (const bad of ['0', '0.000', '-6.8', '6,8', 'abc', '1e2', '.5']) {
      expect(code(() => parseRate(bad))).toBe('invalid_parameter');
    }
  });

  it('charges the price unchanged in the channel currency', () => {
    expect(chargeAmount(100, 'CNY', 'CNY', null)).toBe(100);
    expect(chargeAmount(100, 'USD', 'USD', parseRate('6.8'))).toBe(100);
  });

  it('converts exactly and rounds half up', () => {
    expect(chargeAmount(1000, 'USD', 'CNY', parseRate('6.8'))).toBe(6800);
    expect(chargeAmount(1, 'USD', 'CNY', parseRate('6.8'))).toBe(7); // 6.8 -> 7
    expect(chargeAmount(1, 'USD', 'CNY', parseRate('6.45'))).toBe(6); // 6.45 -> 6
    expect(chargeAmount(1, 'USD', 'CNY', parseRate('6.5'))).toBe(7); // 6.5 -> 7 (half up)
    expect(chargeAmount(1000, 'CNY', 'USD', parseRate('6.8'))).toBe(147); // 147.06
    expect(chargeAmount(17, 'CNY', 'USD', parseRate('6.8'))).toBe(3); // 2.5 -> 3 (half up)
    // 0.1 + 0.2 style float traps do not exist here: 3 cents at 7.1234 = 21.3702 fen
    expect(chargeAmount(3, 'USD', 'CNY', parseRate('7.1234'))).toBe(21);
  });

  it('refuses a conversion without a rate or below one minor unit', () => {
    expect(code(() => chargeAmount(100, 'USD', 'CNY', null))).toBe('missing_parameter');
    expect(code(() => chargeAmount(3, 'CNY', 'USD', parseRate('6.8')))).toBe('invalid_amount');
  });
});
