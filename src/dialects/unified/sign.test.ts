import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cashierEntryUrl, parseEntryUrl, signedEntryParams } from './entry-url.js';
import {
  PAY_SIGNED_FIELDS,
  QUERY_SIGNED_FIELDS,
  signFields,
  namedSign,
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
    expect(verifyPaySign(params, 'test')).toBe('document');
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
    expect(verifyPaySign({ ...params, payTypeCode: 'Wechat' }, 'test')).toBe('document');
    const fixed = signedEntryParams({ ...params, payTypeCode: 'Alipay' }, 'test');
    expect(verifyPaySign(fixed, 'test')).toBe('document');
    expect(verifyPaySign({ ...fixed, payTypeCode: 'Wechat' }, 'test')).toBe(null);
    expect(verifyPaySign({ ...params, money: '2' }, 'test')).toBe(null);
    expect(verifyPaySign(params, 'other')).toBe(null);
  });

  it('leaves fields outside the signed set (openid, cache busters) out', () => {
    const params = parseEntryUrl(PC_URL);
    expect(verifyPaySign({ ...params, openid: 'o123', _: '1465' }, 'test')).toBe('document');
  });
});

describe('unified sign: URL-encoded URLs and the named opt-in', () => {
  const order = {
    domainCode: 'test',
    money: '10000',
    requestChannel: '1',
    info: 'ticket',
    requestKey: 'k1',
    currencyType: 'CNY',
    pageUrl: 'http://shop.example/done?a=1&b=x y',
    bgUrl: 'http://shop.example/notify',
  };

  it('accepts a signature over encodeURIComponent or Java URLEncoder renderings of pageUrl and bgUrl', () => {
    const js = signFields(
      { ...order, pageUrl: encodeURIComponent(order.pageUrl), bgUrl: encodeURIComponent(order.bgUrl) },
      PAY_SIGNED_FIELDS,
      'test',
    );
    expect(verifyPaySign({ ...order, sign: js }, 'test')).toBe('document');
    // java.net.URLEncoder.encode("http://shop.example/done?a=1&b=x y", "UTF-8")
    const java = signFields(
      {
        ...order,
        pageUrl: 'http%3A%2F%2Fshop.example%2Fdone%3Fa%3D1%26b%3Dx+y',
        bgUrl: 'http%3A%2F%2Fshop.example%2Fnotify',
      },
      PAY_SIGNED_FIELDS,
      'test',
    );
    expect(verifyPaySign({ ...order, sign: java }, 'test')).toBe('document');
    // Encoding another field is not a rendering real clients use: refused.
    const other = signFields({ ...order, info: encodeURIComponent('a b') }, PAY_SIGNED_FIELDS, 'test');
    expect(verifyPaySign({ ...order, info: 'a b', sign: other }, 'test')).toBeNull();
  });

  it('the document signature lets values move between fields; the named one does not', () => {
    const moved = { ...order, money: '1', requestChannel: '10000' };
    const nameless = signFields(order, PAY_SIGNED_FIELDS, 'test');
    expect(verifyPaySign({ ...moved, sign: nameless }, 'test')).toBe('document');

    const named = namedSign(order, PAY_SIGNED_FIELDS, 'test');
    expect(named).toBe(
      createHash('sha1')
        .update(
          'bgUrl=http://shop.example/notify&currencyType=CNY&domainCode=test&info=ticket&money=10000' +
            '&pageUrl=http://shop.example/done?a=1&b=x y&requestChannel=1&requestKey=k1&domainSecret=test',
        )
        .digest('hex'),
    );
    expect(verifyPaySign({ ...order, sign: named }, 'test')).toBe('named');
    expect(verifyPaySign({ ...moved, sign: named }, 'test')).toBeNull();
    // A domain that opted in accepts only the named signature.
    expect(verifyPaySign({ ...order, sign: nameless }, 'test', 'named')).toBeNull();
    expect(verifyPaySign({ ...order, sign: named }, 'test', 'named')).toBe('named');
  });
});
