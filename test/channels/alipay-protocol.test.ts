/**
 * Wire rules of the Alipay simulator (written independently of alipay-sdk) checked
 * against the SDK itself, and the connector's result mapping as a table.
 */
import { AlipaySdk } from 'alipay-sdk';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  beijingTime as connectorBeijingTime,
  parseBeijing,
  tradeResult,
} from '../../src/channels/alipay/connector.js';
import type { Charge } from '../../src/domain/charge.js';
import {
  chinaDateTime as beijingTime,
  parseChinaDateTime as parseBeijingTime,
} from '../../src/domain/china-time.js';
import { formatYuan, parseYuan } from '../../src/sandbox/alipay/codec.js';
import { rsaKeyPair } from '../../src/sandbox/alipay/keys.js';
import { rsa2Sign, signContent, signedResponse } from '../../src/sandbox/alipay/sign.js';

describe('alipay protocol helpers', () => {
  let merchant: ReturnType<typeof rsaKeyPair>;
  let alipay: ReturnType<typeof rsaKeyPair>;
  let sdk: AlipaySdk;

  beforeAll(() => {
    merchant = rsaKeyPair();
    alipay = rsaKeyPair();
    sdk = new AlipaySdk({
      appId: '9021000000000001',
      privateKey: merchant.privateKey,
      alipayPublicKey: alipay.publicKey,
      gateway: 'http://127.0.0.1:1/sandbox/alipay/gateway.do',
      camelcase: false,
    });
  });

  it.each([
    ['0.01', 1],
    ['1', 100],
    ['1.5', 150],
    ['12.34', 1234],
    ['100000000.00', 10_000_000_000],
    ['0', undefined],
    ['0.00', undefined],
    ['-1', undefined],
    ['1.001', undefined],
    ['1e2', undefined],
    [' 1', undefined],
    ['1.', undefined],
    ['.5', undefined],
    ['100000000.01', undefined],
    ['1,00', undefined],
  ])('parseYuan(%j) -> %j', (text, fen) => {
    expect(parseYuan(text)).toBe(fen);
  });

  it('parseYuan refuses non-strings (a JSON number is not an Alipay amount)', () => {
    expect(parseYuan(1)).toBeUndefined();
    expect(parseYuan(null)).toBeUndefined();
  });

  it('formatYuan and parseYuan are exact inverses over the whole range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), (fen) => parseYuan(formatYuan(fen)) === fen),
    );
    expect([formatYuan(1), formatYuan(100), formatYuan(123456)]).toEqual(['0.01', '1.00', '1234.56']);
  });

  it('signContent sorts by key, drops sign and empty values, keeps raw values', () => {
    expect(signContent({ b: '2', a: 'x=1&y', sign: 's', c: '', sign_type: 'RSA2' })).toBe(
      'a=x=1&y&b=2&sign_type=RSA2',
    );
    expect(signContent({ b: '2', sign: 's', sign_type: 'RSA2' }, ['sign', 'sign_type'])).toBe('b=2');
  });

  it('Beijing time is UTC+8 both ways; impossible dates are refused', () => {
    const at = new Date('2026-03-01T08:00:00Z');
    expect(beijingTime(at)).toBe('2026-03-01 16:00:00');
    expect(connectorBeijingTime(at)).toBe('2026-03-01 16:00:00');
    expect(parseBeijingTime('2026-03-01 16:00:00')).toEqual(at);
    expect(parseBeijing('2026-03-01 16:00:00')).toEqual(at);
    expect(parseBeijing('2026-03-01 16:00:00.123')).toEqual(at);
    expect(parseBeijingTime('2026-02-30 10:00:00')).toBeUndefined();
    expect(parseBeijingTime('2026-03-01T16:00:00')).toBeUndefined();
    expect(parseBeijing(undefined)).toBeUndefined();
  });

  it('a signed response verifies with the SDK exactly as it cuts it out of the raw body', () => {
    const body = signedResponse(
      'alipay.trade.precreate',
      {
        code: '10000',
        msg: 'Success',
        out_trade_no: 'o/1',
        qr_code: 'http://x/y?z=1',
        subject: '咖啡 "大杯"',
      },
      alipay.privateKey,
    );
    expect(() =>
      sdk.checkResponseSign(body, 'alipay_trade_precreate_response', JSON.parse(body).sign, 't'),
    ).not.toThrow();
    const tampered = body.replace('10000', '10001');
    expect(() =>
      sdk.checkResponseSign(tampered, 'alipay_trade_precreate_response', JSON.parse(body).sign, 't'),
    ).toThrow(/验签失败/);
  });

  it('a notification signed over everything but sign and sign_type passes checkNotifySignV2, with % and & in values', () => {
    const form: Record<string, string> = {
      app_id: '9021000000000001',
      out_trade_no: 'ch_1',
      subject: '100% cotton & more',
      sign_type: 'RSA2',
      trade_status: 'TRADE_SUCCESS',
    };
    form.sign = rsa2Sign(signContent(form, ['sign', 'sign_type']), alipay.privateKey);
    expect(sdk.checkNotifySignV2(form)).toBe(true);
    expect(sdk.checkNotifySignV2({ ...form, trade_status: 'TRADE_CLOSED' })).toBe(false);
    expect(
      sdk.checkNotifySignV2({
        ...form,
        sign: rsa2Sign(signContent(form, ['sign', 'sign_type']), merchant.privateKey),
      }),
    ).toBe(false);
  });

  const charge = (method: Charge['method']) => ({ method }) as Charge;

  it.each([
    [
      { trade_status: 'TRADE_SUCCESS', trade_no: 't1', send_pay_date: '2026-03-01 16:00:00' },
      'qr',
      {
        status: 'succeeded',
        transactionNo: 't1',
        paidAt: new Date('2026-03-01T08:00:00Z'),
      },
    ],
    [
      { trade_status: 'TRADE_FINISHED', trade_no: 't1' },
      'qr',
      { status: 'succeeded', transactionNo: 't1', paidAt: undefined },
    ],
    [{ trade_status: 'WAIT_BUYER_PAY', trade_no: 't1' }, 'qr', { status: 'pending' }],
    [
      { trade_status: 'WAIT_BUYER_PAY', trade_no: 't1' },
      'barcode',
      {
        status: 'pending',
        payerActing: true,
        needsPolling: true,
        transactionNo: 't1',
      },
    ],
    [
      { trade_status: 'TRADE_CLOSED', trade_no: 't1' },
      'qr',
      {
        status: 'failed',
        failureCode: 'trade_closed',
        failureMessage: 'The Alipay trade was closed unpaid',
      },
    ],
    [
      { trade_status: 'TRADE_CLOSED', trade_no: 't1', gmt_payment: '2026-03-01 16:00:00' },
      'page',
      {
        status: 'succeeded',
        transactionNo: 't1',
        paidAt: new Date('2026-03-01T08:00:00Z'),
      },
    ],
    [
      { trade_status: 'SOMETHING_NEW', trade_no: 't1' },
      'qr',
      {
        status: 'unknown',
        needsPolling: true,
        failureCode: 'unexpected_trade_status',
      },
    ],
  ] as const)('tradeResult(%j, %s)', (data, method, expected) => {
    expect(tradeResult(data, charge(method))).toEqual(expected);
  });
});
