import { describe, expect, it } from 'vitest';
import { PAYMAX_CHANNELS, channelCodeOf, paymaxChannel } from './channels.js';

describe('paymax channels', () => {
  it('maps the documented codes to (provider, method)', () => {
    const pairs = Object.fromEntries(PAYMAX_CHANNELS.map((c) => [c.code, `${c.provider}/${c.method}`]));
    expect(pairs).toEqual({
      alipay_app: 'alipay/app',
      wechat_app: 'wechatpay/app',
      apple_pay_app: 'applepay/app',
      wechat_wap: 'wechatpay/jsapi',
      wechat_csb: 'wechatpay/qr',
      alipay_web: 'alipay/page',
      lakala_web: 'lakala/page',
      lakala_app: 'lakala/app',
      lakala_h5: 'lakala/h5',
    });
  });

  it('round-trips every code through its (provider, method), so stored charges show their code', () => {
    for (const channel of PAYMAX_CHANNELS) {
      expect(channelCodeOf(channel.provider, channel.method)).toBe(channel.code);
      expect(paymaxChannel(channel.code)).toBe(channel);
    }
    expect(channelCodeOf('cash', 'offline')).toBe('cash_offline');
    expect(paymaxChannel('toString')).toBeUndefined();
  });
});
