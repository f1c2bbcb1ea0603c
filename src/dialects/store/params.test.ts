import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { OUT_NO, Params } from './params.js';

const errcodeOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error.errcode;
    throw error;
  }
  return undefined;
};

describe('store params', () => {
  it('reads ints from numbers or digit strings; "" and null are absent', () => {
    const p = new Params({ a: 100, b: '100', c: ' 7 ', d: '', e: null, f: 0 });
    expect([p.int('a', { invalid: 'amount_invalid' }), p.int('b', { invalid: 'amount_invalid' })]).toEqual([
      100, 100,
    ]);
    expect(p.int('c', { invalid: 'amount_invalid' })).toBe(7);
    expect(p.int('d', { invalid: 'amount_invalid' })).toBeUndefined();
    expect(p.int('e', { invalid: 'amount_invalid' })).toBeUndefined();
    expect(p.int('f', { invalid: 'amount_invalid' })).toBe(0);
    expect(errcodeOf(() => p.int('d', { missing: 'refund_amount_missing', invalid: 'amount_invalid' }))).toBe(
      8015,
    );
  });

  it('refuses decimals, signs, exponents, booleans and objects as ints', () => {
    for (const bad of [1.5, '1.5', -1, '-1', '1e3', 1e300, true, {}, [], '0x10', Number.NaN]) {
      expect(
        errcodeOf(() => new Params({ x: bad }).int('x', { invalid: 'amount_invalid' })),
        String(bad),
      ).toBe(8006);
    }
  });

  it('reads strings (numbers as their text), with length in characters and a pattern', () => {
    const p = new Params({ s: '香烟啤酒', n: 1214987050997427, o: { a: 1 }, long: 'x'.repeat(65) });
    expect(p.string('s', { max: 4, invalid: 'create_failed' })).toBe('香烟啤酒');
    expect(p.string('n', { max: 64, pattern: OUT_NO, invalid: 'create_failed' })).toBe('1214987050997427');
    expect(errcodeOf(() => p.string('o', { max: 64, invalid: 'create_failed' }))).toBe(8008);
    expect(errcodeOf(() => p.string('long', { max: 64, invalid: 'create_failed' }))).toBe(8008);
    expect(
      errcodeOf(() => p.string('none', { max: 64, missing: 'out_no_missing', invalid: 'create_failed' })),
    ).toBe(8044);
    expect(OUT_NO.test('7149794509690017')).toBe(true);
    expect(OUT_NO.test('A-1_b')).toBe(true);
    expect(OUT_NO.test('a b')).toBe(false);
    expect(OUT_NO.test('单号')).toBe(false);
  });

  it('reads the JSAPI flag and URLs', () => {
    expect([1, '1', true].map((v) => new Params({ JSAPI: v }).flag('JSAPI', 'create_failed'))).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      [0, '0', '', null, undefined, false].map((v) =>
        new Params({ JSAPI: v }).flag('JSAPI', 'create_failed'),
      ),
    ).toEqual([false, false, false, false, false, false]);
    expect(errcodeOf(() => new Params({ JSAPI: 2 }).flag('JSAPI', 'create_failed'))).toBe(8008);
    const p = new Params({
      u: 'https://m.example/n?x=1',
      f: 'ftp://x',
      j: 'javascript:alert(1)',
      r: '/relative',
    });
    expect(p.url('u', 'create_failed')).toBe('https://m.example/n?x=1');
    for (const k of ['f', 'j', 'r']) expect(errcodeOf(() => p.url(k, 'create_failed'))).toBe(8008);
  });
});
