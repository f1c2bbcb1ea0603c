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
});
