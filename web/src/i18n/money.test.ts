import { describe, expect, it } from 'vitest';
import { decimalToMinor, formatMoney, minorToDecimal } from './money';
import { formatDateTime, presetRange } from './dates';

describe('money on screen', () => {
  it.each([
    [0, 'CNY', '0.00'],
    [5, 'CNY', '0.05'],
    [-5, 'CNY', '-0.05'],
    [12345, 'CNY', '123.45'],
    [100, 'JPY', '100'],
    // Beyond a double's exact range: still exact, digit by digit.
    ['900719925474099312', 'CNY', '9007199254740993.12'],
  ])('%s minor units of %s are %s', (amount, currency, decimal) => {
    expect(minorToDecimal(amount, currency)).toBe(decimal);
  });

  it('shows the currency symbol and two decimals in each language', () => {
    expect(formatMoney(123456, 'CNY', 'zh-CN')).toBe('¥1,234.56');
    expect(formatMoney(123456, 'CNY', 'en-US')).toBe('CN¥1,234.56');
    expect(formatMoney(1, 'USD', 'en-US')).toBe('$0.01');
    expect(formatMoney(100, 'USD', 'zh-CN')).toBe('US$1.00');
  });

  it('never rounds through a float: 0.1 + 0.2 style amounts stay exact', () => {
    expect(formatMoney(30, 'CNY', 'en-US')).toBe('CN¥0.30');
    expect(formatMoney(2_01, 'CNY', 'zh-CN')).toBe('¥2.01');
  });

  it.each([
    ['2.01', 201],
    ['0.1', 10],
    ['12', 1200],
    ['1.234', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    ['', undefined],
  ])('the form reads "%s" as %s minor units', (text, minor) => {
    expect(decimalToMinor(text, 'CNY')).toBe(minor);
  });
});

describe('dates on screen', () => {
  it('shows an instant in the chosen zone', () => {
    expect(formatDateTime('2026-12-07T16:30:00Z', 'Asia/Shanghai')).toBe('2026-12-08 00:30:00');
    expect(formatDateTime('2026-12-07T16:30:00Z', 'Europe/London')).toBe('2026-12-07 16:30:00');
    expect(formatDateTime(null, 'UTC')).toBe('—');
  });

  it('"today" and "last 7 days" start at midnight in the chosen zone', () => {
    const now = new Date('2026-12-07T17:00:00Z'); // 01:00 on the 8th in Shanghai
    expect(presetRange('today', 'Asia/Shanghai', now)).toEqual({
      from: '2026-12-07T16:00:00.000Z',
      to: '2026-12-08T16:00:00.000Z',
    });
    expect(presetRange('7d', 'Asia/Shanghai', now).from).toBe('2026-12-01T16:00:00.000Z');
    expect(presetRange('today', 'UTC', now).from).toBe('2026-12-07T00:00:00.000Z');
  });
});
