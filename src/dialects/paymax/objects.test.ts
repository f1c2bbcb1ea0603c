import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Charge, Refund } from '../../domain/charge.js';
import { chargeObject, chargeStatus, refundObject, refundStatus } from './objects.js';

const at = (iso: string) => new Date(iso);
const charge: Charge = {
  id: 'ch_7c086ea634c088905f8767c4',
  appId: 'app_internal',
  storeId: null,
  livemode: false,
  dialect: 'paymax',
  orderNo: 'f1b59ee4-00f8-49f5-a304-b8388d0036cc',
  attempt: 1,
  orderSn: '2026030108000012345678',
  channel: 'wechatpay',
  method: 'qr',
  amount: 1,
  amountOriginal: null,
  amountDiscount: 0,
  amountIgnore: 0,
  amountRefunded: 0,
  currency: 'CNY',
  subject: '我系商品iuptPkFELA',
  body: '我系中文00300f5f-8438-4ba6-82fb-1b0d8abd3202',
  description: '',
  clientIp: '127.0.0.1',
  extra: { open_id: 'obc-jswk25IUGp3q8RPTYu083rmk', user_id: 'oOOL0wDkfVMAeehOtnEZo9HzKYMU' },
  metadata: {},
  credential: { qr_code: 'weixin://wxpay/bizpayurl?pr=THkIR3X' },
  status: 'succeeded',
  transactionNo: '17060520566929',
  failureCode: null,
  failureMsg: null,
  returnUrl: null,
  notifyUrl: null,
  createdAt: new Date(1496654963000),
  updatedAt: new Date(1496655169000),
  expiresAt: new Date(1496655202106),
  paidAt: new Date(1496655169000),
  closedAt: null,
};

const refund: Refund = {
  id: 're_0123456789abcdef01234567',
  chargeId: charge.id,
  appId: 'app_internal',
  livemode: false,
  refundNo: 're_0123456789abcdef01234567',
  amount: 1,
  currency: 'CNY',
  status: 'pending',
  description: '退款',
  metadata: {},
  extra: {},
  transactionNo: null,
  failureCode: null,
  failureMsg: null,
  createdAt: at('2017-06-06T00:00:00.000Z'),
  updatedAt: at('2017-06-06T00:00:00.000Z'),
  succeededAt: null,
};

describe('paymax objects', () => {
  it('maps statuses onto PROCESSING / SUCCEED / FAILED', () => {
    expect(
      ['pending', 'user_paying', 'succeeded', 'failed', 'canceled', 'closed'].map((s) =>
        chargeStatus(s as any),
      ),
    ).toEqual(['PROCESSING', 'PROCESSING', 'SUCCEED', 'FAILED', 'FAILED', 'FAILED']);
    expect(['pending', 'succeeded', 'failed'].map((s) => refundStatus(s as any))).toEqual([
      'PROCESSING',
      'SUCCEED',
      'FAILED',
    ]);
  });

  it('reproduces the captured success.json charge field for field', () => {
    const object = chargeObject(charge, { appKey: 'app_key', refunds: [], publicUrl: 'https://pay.example' });
    const captured = JSON.parse(
      JSON.parse(readFileSync(new URL('./fixtures/success.json', import.meta.url), 'utf8')).request.content,
    ).data;
    // Every field the real service sent, with the same value; ours adds the documented
    // fields it left out (null or their value).
    expect(object).toMatchObject(captured);
    expect(object).toMatchObject({
      app: 'app_key',
      channel: 'wechat_csb',
      failure_code: null,
      time_settle: null,
    });
    // Same key order as the real service: alphabetical.
    const keys = Object.keys(object);
    expect(keys).toEqual([...keys].sort());
  });

  it('prints amounts exactly from fen', () => {
    const object = chargeObject(
      { ...charge, amount: 123456789, amountRefunded: 10 },
      { appKey: null, refunds: [], publicUrl: 'https://pay.example' },
    );
    expect(JSON.stringify(object)).toContain('"amount":1234567.89,');
    expect(object.amount_refunded).toBe(0.1);
  });

  it('shows the Alipay confirmation URL while an Alipay refund is processing', () => {
    const alipay = { ...charge, channel: 'alipay' as const, method: 'page' as const };
    const options = { charge: alipay, publicUrl: 'https://pay.example/' };
    expect(refundObject(refund, options).extra).toEqual({
      refundUrl: 'https://pay.example/sandbox/alipay/refund-confirm/re_0123456789abcdef01234567',
    });
    expect(
      refundObject({ ...refund, extra: { refund_url: 'https://mapi.alipay.com/x' } }, options).extra,
    ).toEqual({
      refundUrl: 'https://mapi.alipay.com/x',
    });
    expect(refundObject({ ...refund, status: 'succeeded' }, options).extra).toEqual({});
    expect(refundObject(refund, { charge, publicUrl: 'https://pay.example' }).extra).toEqual({});
  });
});
