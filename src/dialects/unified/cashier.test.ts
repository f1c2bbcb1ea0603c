import { describe, expect, it } from 'vitest';
import { withOpenid } from './cashier.js';

describe('unified openid redirect target', () => {
  it('adds openid to the fragment parameters the H5 page reads, keeping the rest byte for byte', () => {
    const back = 'http://h/mpay.html#/?domainCode=d&info=%E8%BF%99+x%20y&sign=abc';
    expect(withOpenid(back, 'o1')).toBe(
      'http://h/mpay.html#/?domainCode=d&info=%E8%BF%99+x%20y&sign=abc&openid=o1',
    );
  });

  it('replaces an openid that is already there', () => {
    expect(withOpenid('http://h/mpay.html#/?openid=old&a=1', 'new')).toBe(
      'http://h/mpay.html#/?a=1&openid=new',
    );
  });

  it('uses the fragment or the query string, whichever the page has', () => {
    expect(withOpenid('http://h/mpay.html#/', 'o')).toBe('http://h/mpay.html#/?openid=o');
    expect(withOpenid('http://h/m?a=1', 'o')).toBe('http://h/m?a=1&openid=o');
    expect(withOpenid('http://h/m', 'o')).toBe('http://h/m?openid=o');
  });
});
