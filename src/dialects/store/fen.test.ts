import { describe, expect, it } from 'vitest';
import { wholeFenOf } from './fen.js';

describe('wholeFenOf', () => {
  it('reads the binary-float renderings real PHP and Java clients send as the whole fen', () => {
    expect(wholeFenOf('1998.9999999999998')).toBe(1999);
    expect(wholeFenOf('28.999999999999996')).toBe(29);
    expect(wholeFenOf('100.00000000000001')).toBe(100);
    expect(wholeFenOf('100')).toBe(100);
    expect(wholeFenOf('100.0')).toBe(100);
    // Exactly 1e-6 off is still within; one digit more is not.
    expect(wholeFenOf('5.000001')).toBe(5);
    expect(wholeFenOf('4.999999')).toBe(5);
  });

  it('refuses anything further than 1e-6 from a whole number, and non-decimals', () => {
    for (const bad of [
      '5.0000011',
      '4.9999989',
      '1998.5',
      '1998.99',
      '0.5',
      '-1',
      '1e3',
      '1,5',
      '',
      ' ',
      'abc',
    ]) {
      expect(wholeFenOf(bad), bad).toBeUndefined();
    }
    expect(wholeFenOf('9007199254740992')).toBeUndefined();
  });
});
