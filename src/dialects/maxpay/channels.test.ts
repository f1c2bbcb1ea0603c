import { describe, expect, it } from 'vitest';
import {
  MAXPAY_CHANNELS,
  MAXPAY_CHANNEL_CODES,
  fromProviderMethod,
  isMaxpayChannel,
  toProviderMethod,
} from './channels.js';

describe('maxpay channels', () => {
  it('maps every documented channel onto (provider, method)', () => {
    expect(Object.fromEntries(MAXPAY_CHANNEL_CODES.map((c) => [c, toProviderMethod(c)]))).toEqual({
      ali_app: { provider: 'alipay', method: 'app' },
      ali_web: { provider: 'alipay', method: 'page' },
      ali_qrcode: { provider: 'alipay', method: 'qr' },
      wx_app: { provider: 'wechatpay', method: 'app' },
      wx_native: { provider: 'wechatpay', method: 'qr' },
      wx_jsapi: { provider: 'wechatpay', method: 'jsapi' },
      un_app: { provider: 'unionpay', method: 'app' },
      un_web: { provider: 'unionpay', method: 'page' },
      ali_wap: { provider: 'alipay', method: 'wap' },
      unipay_app: { provider: 'unionpay', method: 'app' },
      unipay_web: { provider: 'unionpay', method: 'page' },
    });
  });

  it('maps back from the same table, one code per pair', () => {
    // The other document version's UnionPay names share their pairs with un_app and un_web.
    const twins: Record<string, string> = { unipay_app: 'un_app', unipay_web: 'un_web' };
    for (const code of MAXPAY_CHANNEL_CODES) {
      const { provider, method } = toProviderMethod(code);
      expect(fromProviderMethod(provider, method)).toBe(twins[code] ?? code);
    }
  });

  it('names a pair MaxPay never had after its parts', () => {
    expect(fromProviderMethod('alipay', 'qr_code')).toBe('alipay_qr_code');
    expect(fromProviderMethod('cash', 'offline')).toBe('cash_offline');
  });

  it('lists the fields each channel cannot do without', () => {
    const requiring = MAXPAY_CHANNEL_CODES.filter((c) => MAXPAY_CHANNELS[c].requires.length > 0);
    expect(Object.fromEntries(requiring.map((c) => [c, MAXPAY_CHANNELS[c].requires]))).toEqual({
      ali_web: ['returnUrl'],
      ali_qrcode: ['returnUrl'],
      wx_jsapi: ['openid'],
      un_web: ['returnUrl'],
      unipay_web: ['returnUrl'],
    });
  });

  it('recognises only its own codes', () => {
    expect(isMaxpayChannel('wx_native')).toBe(true);
    for (const value of ['ali', 'WX_NATIVE', 'toString', '__proto__', 3, null, undefined]) {
      expect(isMaxpayChannel(value)).toBe(false);
    }
  });
});
