import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cashierEntryUrl, parseEntryUrl, signedEntryParams } from './entry-url.js';
import {
  PAY_SIGNED_FIELDS,
  QUERY_SIGNED_FIELDS,
  signFields,
  signMatches,
  unifiedSign,
  verifyPaySign,
} from './sign.js';

// The document's three sample URLs, parameters exactly as printed; domainSecret "test".
const PC_URL =
  'http://api6.wwoqu.com/pay.html#/?domainCode=test&payTypeCode=&requestChannel=&money=1&info=%E8%BF%99%E6%98%AF%E4%BD%A0%E4%B9%B0%E7%9A%84%E5%95%86%E5%93%81%E8%AF%A6%E5%8D%95%E4%BF%A1%E6%81%AF&infoEn=&requestKey=1464659622189&currencyType=CNY&pageUrl=http:%2F%2Fwww.baidu.com&bgUrl=http:%2F%2Fwww.sina.com&dialogOkUrl=http:%2F%2Fwww.sohu.com&dialogFailUrl=http:%2F%2Fwww.163.com&rate=6.8&payTypeCodeIn=&sign=ad3b0a76afb7fecb0c64bed6503b7b1e9dcfd5ed';
const H5_URL =
  'http://api6.wwoqu.com:80/mpay.html#/?domainCode=test&payTypeCode=&requestChannel=&money=1&info=这是你买的商品详单信息&infoEn=&requestKey=1465183124626&currencyType=CNY&pageUrl=http://www.baidu.com&bgUrl=http://www.sina.com&dialogOkUrl=http://www.sohu.com&dialogFailUrl=http://www.163.com&rate=6.8&payTypeCodeIn=&sign=cd437788bde98645fc2a738c620ecef069e901bc';
const QUERY_URL =
  'http://api6.wwoqu.com/pay/api/private/pay/query?domainCode=test&requestKey=1464844451098&sign=07c34ea79a804e7c54b0538c45d2015e2f13814e';

describe('unified sign: the document golden vectors (secret "test")', () => {
  it('reproduces the PC entry URL signature', () => {
    const params = parseEntryUrl(PC_URL);
    expect(params.info).toBe('这是你买的商品详单信息');
    expect(signFields(params, PAY_SIGNED_FIELDS, 'test')).toBe('ad3b0a76afb7fecb0c64bed6503b7b1e9dcfd5ed');
    expect(verifyPaySign(params, 'test')).toBe(true);
  });

  it('reproduces the H5 entry URL signature', () => {
    const params = parseEntryUrl(encodeURI(H5_URL));
    expect(signFields(params, PAY_SIGNED_FIELDS, 'test')).toBe('cd437788bde98645fc2a738c620ecef069e901bc');
  });

  it('reproduces the query URL signature', () => {
    const params = Object.fromEntries(new URL(QUERY_URL).searchParams);
    expect(signFields(params, QUERY_SIGNED_FIELDS, 'test')).toBe('07c34ea79a804e7c54b0538c45d2015e2f13814e');
    // Spelled out: the values and the secret, sorted, concatenated, sha1.
    expect(unifiedSign(['test', '1464844451098'], 'test')).toBe('07c34ea79a804e7c54b0538c45d2015e2f13814e');
  });

  it('rebuilds the PC sample URL signature from its fields', () => {
    const params = parseEntryUrl(PC_URL);
    const signed = signedEntryParams(params, 'test');
    expect(signed.sign).toBe('ad3b0a76afb7fecb0c64bed6503b7b1e9dcfd5ed');
    const url = cashierEntryUrl('http://api6.wwoqu.com/', 'pc', params, 'test');
    expect(url.startsWith('http://api6.wwoqu.com/pay.html#/?domainCode=test&payTypeCode=&')).toBe(true);
    expect(parseEntryUrl(url)).toEqual({ ...params });
  });
});

describe('unified sign rules', () => {
  it('skips empty values and ignores parameter names and order', () => {
    expect(unifiedSign(['b', '', 'a'], 's')).toBe(unifiedSign(['a', 'b'], 's'));
    expect(signFields({ x: 'a', y: 'b' }, ['x', 'y'], 's')).toBe(
      signFields({ x: 'b', y: 'a' }, ['x', 'y'], 's'),
    );
  });

  it('sorts by code unit, so digits come before upper case before lower case', () => {
    // sorted: "1", "B", "a", "secret"
    const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');
    expect(unifiedSign(['a', 'B', '1'], 'secret')).toBe(sha1('1Basecret'));
    // The secret takes its place among the values: "0" < "k" < "z".
    expect(unifiedSign(['z', '0'], 'k')).toBe(sha1('0kz'));
  });

  it('compares signatures case-insensitively and only at full length', () => {
    const sign = unifiedSign(['x'], 'k');
    expect(signMatches(sign.toUpperCase(), sign)).toBe(true);
    expect(signMatches(sign.slice(0, 39), sign)).toBe(false);
    expect(signMatches('', sign)).toBe(false);
  });

  it('accepts a payTypeCode the page chose after the merchant signed, never a swapped one', () => {
    const params = parseEntryUrl(PC_URL);
    expect(verifyPaySign({ ...params, payTypeCode: 'Wechat' }, 'test')).toBe(true);
    const fixed = signedEntryParams({ ...params, payTypeCode: 'Alipay' }, 'test');
    expect(verifyPaySign(fixed, 'test')).toBe(true);
    expect(verifyPaySign({ ...fixed, payTypeCode: 'Wechat' }, 'test')).toBe(false);
    expect(verifyPaySign({ ...params, money: '2' }, 'test')).toBe(false);
    expect(verifyPaySign(params, 'other')).toBe(false);
  });

  it('leaves fields outside the signed set (openid, cache busters) out', () => {
    const params = parseEntryUrl(PC_URL);
    expect(verifyPaySign({ ...params, openid: 'o123', _: '1465' }, 'test')).toBe(true);
  });
});
