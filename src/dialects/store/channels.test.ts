import { describe, expect, it } from 'vitest';
import { PAY_TAGS, findPayTag, matchesTypes, methodOf, tagOfProvider } from './channels.js';

describe('store pay tags', () => {
  it('names tags by environment, case-sensitively', () => {
    expect(findPayTag('AlipayCS', false)?.provider).toBe('alipay');
    expect(findPayTag('WeixinBERL', false)?.provider).toBe('wechatpay');
    expect(findPayTag('Weixin', false)).toBeUndefined();
    expect(findPayTag('Weixin', true)?.provider).toBe('wechatpay');
    expect(findPayTag('AlipayCS', true)).toBeUndefined();
    expect(findPayTag('alipaycs', false)).toBeUndefined();
    expect(findPayTag('Cash', true)?.provider).toBe('cash');
    expect(findPayTag('Diy', false)?.provider).toBe('diy');
    expect(findPayTag('Baifubao', false)).toBeUndefined();
    expect(tagOfProvider('alipay', true)?.tag).toBe('Alipay');
    expect(new Set(PAY_TAGS.map((t) => `${t.tag}:${t.livemode}`)).size).toBe(PAY_TAGS.length);
  });

  it('filters by pmt_type: 0 or nothing is all; Cash and Diy always', () => {
    const alipay = findPayTag('AlipayCS', false)!;
    const cash = findPayTag('Cash', false)!;
    expect(matchesTypes(alipay, [])).toBe(true);
    expect(matchesTypes(alipay, [0])).toBe(true);
    expect(matchesTypes(alipay, [3])).toBe(true);
    expect(matchesTypes(alipay, [1])).toBe(false);
    expect(matchesTypes(cash, [2, 3])).toBe(true);
  });

  it('maps scenarios onto methods; an Alipay payment link is the mobile-web cashier', () => {
    expect(
      (['offline', 'barcode', 'jsapi', 'jump', 'qr'] as const).map((s) => methodOf(s, 'wechatpay')),
    ).toEqual(['offline', 'barcode', 'jsapi', 'jsapi', 'qr']);
    expect(methodOf('jump', 'alipay')).toBe('wap');
    expect(methodOf('jsapi', 'alipay')).toBe('jsapi');
  });
});
