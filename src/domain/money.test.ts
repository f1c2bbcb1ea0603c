import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMinor, parseDecimal } from './money.js';

describe('money', () => {
  it('parses decimal strings exactly', () => {
    expect(parseDecimal('0.1', 'CNY')).toBe(10);
    expect(parseDecimal('0.10', 'CNY')).toBe(10);
    expect(parseDecimal('12', 'CNY')).toBe(1200);
    expect(parseDecimal('2.01', 'USD')).toBe(201);
    expect(parseDecimal('19.99', 'CNY')).toBe(1999);
  });

  it('rejects what is not a plain decimal', () => {
    for (const bad of ['', '-1', '1.234', '1e3', ' 1', '1.', '.5', 'abc', '0x10', '1,00']) {
      expect(() => parseDecimal(bad, 'CNY'), bad).toThrow();
    }
  });

  it('formats minor units', () => {
    expect(formatMinor(5, 'CNY')).toBe('0.05');
    expect(formatMinor(1234, 'CNY')).toBe('12.34');
    expect(formatMinor(0, 'USD')).toBe('0.00');
    expect(formatMinor(-150, 'USD')).toBe('-1.50');
  });

  it('round-trips every amount through text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 100) }), (minor) => {
        expect(parseDecimal(formatMinor(minor, 'CNY'), 'CNY')).toBe(minor);
      }),
    );
  });
});
