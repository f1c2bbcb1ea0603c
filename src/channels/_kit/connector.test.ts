import { describe, expect, it } from 'vitest';
import { alipayConnector } from '../alipay/connector.js';
import { offlineConnector } from '../offline/offline.js';
import { unionpayConnector } from '../unionpay/connector.js';
import { capabilitiesOf } from './connector.js';
import { failed, pending, succeeded, unknown } from './results.js';

describe('capabilitiesOf: what a connector implements is what it can do', () => {
  it('UnionPay closes (it asks whether the payer paid), so close is true', () => {
    expect(capabilitiesOf(unionpayConnector('unionpay'))).toEqual({
      methods: ['app', 'page', 'wap'],
      query: true,
      refund: true,
      queryRefund: true,
      close: true,
    });
  });

  it('an offline tender refunds and nothing else', () => {
    expect(capabilitiesOf(offlineConnector('cash'))).toMatchObject({
      query: false,
      refund: true,
      close: false,
    });
  });

  it('Alipay implements every call', () => {
    expect(capabilitiesOf(alipayConnector())).toMatchObject({
      query: true,
      refund: true,
      queryRefund: true,
      close: true,
    });
  });
});

describe('channel result factories', () => {
  it('word the four outcomes alike', () => {
    expect(succeeded({ transactionNo: 't1' })).toEqual({ status: 'succeeded', transactionNo: 't1' });
    expect(failed('trade_closed', 'Closed upstream')).toEqual({
      status: 'failed',
      failureCode: 'trade_closed',
      failureMessage: 'Closed upstream',
    });
    expect(pending()).toEqual({ status: 'pending' });
    expect(pending({ polling: true, payerActing: true })).toEqual({
      status: 'pending',
      payerActing: true,
      needsPolling: true,
    });
    expect(unknown('timeout')).toEqual({ status: 'unknown', needsPolling: true, failureMessage: 'timeout' });
  });

  it('carry what a result carries, and set no key whose value is not given', () => {
    const paidAt = new Date('2026-03-01T08:00:00Z');
    expect(succeeded({ transactionNo: 't1', paidAt, payerAccount: 'lin***@vip.qq.com' })).toStrictEqual({
      status: 'succeeded',
      transactionNo: 't1',
      paidAt,
      payerAccount: 'lin***@vip.qq.com',
    });
    expect(succeeded({ transactionNo: 'r1', extra: { refund_id: 'r1' } })).toStrictEqual({
      status: 'succeeded',
      transactionNo: 'r1',
      extra: { refund_id: 'r1' },
    });
    // An absent upstream value leaves the key out, not `key: undefined`.
    expect(succeeded({ transactionNo: undefined, paidAt: undefined })).toStrictEqual({ status: 'succeeded' });
    expect(Object.keys(pending({ transactionNo: undefined, polling: undefined }))).toEqual(['status']);
    expect(Object.keys(unknown(undefined))).toEqual(['status', 'needsPolling']);
    expect(Object.keys(failed(undefined, undefined))).toEqual(['status']);

    expect(pending({ polling: true, credential: { qr_code: 'https://qr.example/x' } })).toStrictEqual({
      status: 'pending',
      needsPolling: true,
      credential: { qr_code: 'https://qr.example/x' },
    });
    // A given false is kept as said (the generic sandbox's non-barcode create).
    expect(pending({ payerActing: false, polling: false, credential: {} })).toStrictEqual({
      status: 'pending',
      payerActing: false,
      needsPolling: false,
      credential: {},
    });
    expect(pending({ polling: true, failureMessage: 'ORDER_NOT_APPROVED' })).toStrictEqual({
      status: 'pending',
      needsPolling: true,
      failureMessage: 'ORDER_NOT_APPROVED',
    });
    expect(pending({ polling: true, extra: { query_id: 'q1' } })).toStrictEqual({
      status: 'pending',
      needsPolling: true,
      extra: { query_id: 'q1' },
    });
    expect(failed('CLOSED', 'WeChat Pay refund CLOSED', { extra: { refund_id: 'r1' } })).toStrictEqual({
      status: 'failed',
      failureCode: 'CLOSED',
      failureMessage: 'WeChat Pay refund CLOSED',
      extra: { refund_id: 'r1' },
    });
    expect(unknown('refund amount does not match', undefined, { extra: { id: 'x' } })).toStrictEqual({
      status: 'unknown',
      needsPolling: true,
      failureMessage: 'refund amount does not match',
      extra: { id: 'x' },
    });
    expect(unknown('ACQ.SYSTEM_ERROR: busy', 'ACQ.SYSTEM_ERROR')).toStrictEqual({
      status: 'unknown',
      needsPolling: true,
      failureCode: 'ACQ.SYSTEM_ERROR',
      failureMessage: 'ACQ.SYSTEM_ERROR: busy',
    });
  });
});
