/**
 * PayPal's wire rules without I/O: CRC32 (the checksum inside the signed webhook message),
 * the webhook signature, decimal amounts per currency exponent, and which certificate URLs
 * the connector would ever fetch.
 */
import { generateKeyPairSync } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type PaypalMerchant, certUrlAllowed } from '../../src/channels/paypal/client.js';
import {
  approveLinkOf,
  captureResult,
  orderResult,
  refundResult,
} from '../../src/channels/paypal/connector.js';
import {
  certificateValidAt,
  crc32,
  formatPaypalAmount,
  parsePaypalAmount,
  signWebhook,
  verifyWebhookSignature,
  webhookSignedMessage,
} from '../../src/channels/paypal/protocol.js';
import type { Charge, Refund } from '../../src/domain/charge.js';
import { selfSignedCertificate } from '../../src/sandbox/wechatpay/x509.js';

describe('crc32', () => {
  it('matches the IEEE check value and known strings', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('123456789')).toBe(3421780262);
    expect(crc32('')).toBe(0);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('hashes UTF-8 bytes: a string and its bytes agree, and an unsigned result always', () => {
    const body = '{"summary":"付款 €12.34","id":"WH-1"}';
    expect(crc32(body)).toBe(crc32(Buffer.from(body, 'utf8')));
    for (let i = 0; i < 200; i++) {
      const value = crc32(`body-${i}`);
      expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
    }
  });

  it('agrees with zlib where the runtime has it', () => {
    const reference = zlibCrc32 as unknown as ((data: string) => number) | undefined;
    if (typeof reference !== 'function') return; // node:zlib crc32 arrived in Node 22.2
    for (const text of ['a', 'PayPal', '{"id":"WH-2"}', 'x'.repeat(10_000)])
      expect(crc32(text)).toBe(reference(text));
  });
});

describe('webhook signature', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = new Date();
  const cert = selfSignedCertificate({
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    commonName: 'messageverificationcerts.test',
    organization: 'Test',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 86_400_000),
  });
  const body = '{"id":"WH-7","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"5O190127TN364715T"}}';

  it('signs <transmission id>|<time>|<webhook id>|<crc32 decimal>', () => {
    const message = webhookSignedMessage(
      '69cd13f0-d67a-11e5-baa3-778b53f4ae55',
      '2016-02-18T20:01:35Z',
      '1JE4291016473214C',
      body,
    );
    expect(message).toBe(
      `69cd13f0-d67a-11e5-baa3-778b53f4ae55|2016-02-18T20:01:35Z|1JE4291016473214C|${crc32(body)}`,
    );
    expect(message.split('|')[3]).toMatch(/^\d+$/);
  });

  it('verifies with the certificate, and nothing else verifies', () => {
    const message = webhookSignedMessage('t-1', '2026-03-01T08:00:00Z', 'WEBHOOK1', body);
    const sig = signWebhook(message, pair.privateKey);
    expect(verifyWebhookSignature(message, sig, cert.pem)).toBe(true);
    // Another body, webhook id or transmission changes the message.
    expect(
      verifyWebhookSignature(
        webhookSignedMessage('t-1', '2026-03-01T08:00:00Z', 'WEBHOOK1', body + ' '),
        sig,
        cert.pem,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        webhookSignedMessage('t-1', '2026-03-01T08:00:00Z', 'WEBHOOK2', body),
        sig,
        cert.pem,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        webhookSignedMessage('t-2', '2026-03-01T08:00:00Z', 'WEBHOOK1', body),
        sig,
        cert.pem,
      ),
    ).toBe(false);
    // A foreign key, garbage signature or a certificate that does not parse.
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(verifyWebhookSignature(message, signWebhook(message, foreign), cert.pem)).toBe(false);
    expect(verifyWebhookSignature(message, 'AAAA', cert.pem)).toBe(false);
    expect(verifyWebhookSignature(message, sig, 'not a certificate')).toBe(false);
  });

  it('a certificate is valid only inside its dates', () => {
    expect(certificateValidAt(cert.pem, now)).toBe(true);
    expect(certificateValidAt(cert.pem, new Date(now.getTime() + 2 * 86_400_000))).toBe(false);
    expect(certificateValidAt(cert.pem, new Date(now.getTime() - 2 * 86_400_000))).toBe(false);
    expect(certificateValidAt('garbage', now)).toBe(false);
  });
});

describe('amounts', () => {
  it('formats minor units with the currency exponent', () => {
    expect(formatPaypalAmount(1234, 'USD')).toBe('12.34');
    expect(formatPaypalAmount(5, 'USD')).toBe('0.05');
    expect(formatPaypalAmount(100, 'EUR')).toBe('1.00');
    expect(formatPaypalAmount(0, 'USD')).toBe('0.00');
    expect(formatPaypalAmount(1500, 'JPY')).toBe('1500');
    expect(formatPaypalAmount(7, 'HUF')).toBe('7');
    expect(formatPaypalAmount(9_007_199_254_740_991, 'USD')).toBe('90071992547409.91');
    expect(() => formatPaypalAmount(1.5, 'USD')).toThrow(RangeError);
    expect(() => formatPaypalAmount(-1, 'USD')).toThrow(RangeError);
    expect(() => formatPaypalAmount(100, 'XYZ')).toThrow(RangeError);
  });

  it('parses strings back exactly, with the issue PayPal names for each refusal', () => {
    expect(parsePaypalAmount('12.34', 'USD')).toEqual({ ok: true, minor: 1234 });
    expect(parsePaypalAmount('12.3', 'USD')).toEqual({ ok: true, minor: 1230 });
    expect(parsePaypalAmount('12', 'USD')).toEqual({ ok: true, minor: 1200 });
    expect(parsePaypalAmount('0.29', 'USD')).toEqual({ ok: true, minor: 29 }); // 0.29 * 100 is 28.999... as a float
    expect(parsePaypalAmount('1500', 'JPY')).toEqual({ ok: true, minor: 1500 });
    expect(parsePaypalAmount('12.345', 'USD')).toEqual({ ok: false, issue: 'DECIMAL_PRECISION' });
    expect(parsePaypalAmount('1500.0', 'JPY')).toEqual({ ok: false, issue: 'DECIMALS_NOT_SUPPORTED' });
    for (const bad of ['', '1e3', '-1.00', '+1', '1,00', ' 1', '.5', '1.']) {
      expect(parsePaypalAmount(bad, 'USD')).toEqual({ ok: false, issue: 'INVALID_PARAMETER_SYNTAX' });
    }
    expect(parsePaypalAmount(12.34, 'USD')).toEqual({ ok: false, issue: 'INVALID_PARAMETER_SYNTAX' });
    expect(parsePaypalAmount('1.00', 'XYZ')).toEqual({ ok: false, issue: 'INVALID_PARAMETER_SYNTAX' });
  });

  it('round-trips every cent of a range', () => {
    for (let minor = 0; minor < 2000; minor += 7) {
      expect(parsePaypalAmount(formatPaypalAmount(minor, 'USD'), 'USD')).toEqual({ ok: true, minor });
      expect(parsePaypalAmount(formatPaypalAmount(minor, 'JPY'), 'JPY')).toEqual({ ok: true, minor });
    }
  });
});

describe('certificate URLs the connector would fetch', () => {
  const merchant = (baseUrl: string) => ({ baseUrl }) as PaypalMerchant;
  const live = merchant('https://api-m.paypal.com');
  const sim = merchant('http://127.0.0.1:4010/sandbox/paypal');

  it("PayPal's hosts over https, under /v1/notifications/certs/", () => {
    expect(
      certUrlAllowed(live, 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77'),
    ).toBe(true);
    expect(certUrlAllowed(live, 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1')).toBe(true);
    expect(certUrlAllowed(live, 'http://api.paypal.com/v1/notifications/certs/CERT-1')).toBe(false);
    expect(certUrlAllowed(live, 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1')).toBe(false);
    expect(certUrlAllowed(live, 'https://api.paypal.com/v1/other/CERT-1')).toBe(false);
    expect(certUrlAllowed(live, 'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1')).toBe(
      false,
    );
    expect(certUrlAllowed(live, 'https://evil.example/v1/notifications/certs/CERT-1')).toBe(false);
    expect(certUrlAllowed(live, 'https://user:pw@api.paypal.com/v1/notifications/certs/CERT-1')).toBe(false);
    expect(certUrlAllowed(live, 'https://api.paypal.com/v1/notifications/certs/CERT-1?x=1')).toBe(false);
    expect(certUrlAllowed(live, 'not a url')).toBe(false);
  });

  it('the configured base URL (the simulator in test mode), nothing else on that host', () => {
    expect(certUrlAllowed(sim, 'http://127.0.0.1:4010/sandbox/paypal/v1/notifications/certs/CERT-1')).toBe(
      true,
    );
    expect(certUrlAllowed(sim, 'http://127.0.0.1:4010/v1/notifications/certs/CERT-1')).toBe(false);
    expect(certUrlAllowed(sim, 'http://127.0.0.1:4011/sandbox/paypal/v1/notifications/certs/CERT-1')).toBe(
      false,
    );
    expect(certUrlAllowed(live, 'http://127.0.0.1:4010/sandbox/paypal/v1/notifications/certs/CERT-1')).toBe(
      false,
    );
  });
});

describe('reading orders, captures and refunds', () => {
  const charge = { orderSn: '2026030100000001', amount: 1234, currency: 'USD' } as Charge;
  const capture = (over: Record<string, unknown> = {}) => ({
    id: '3C679366HH908993F',
    status: 'COMPLETED',
    amount: { currency_code: 'USD', value: '12.34' },
    create_time: '2026-03-01T08:00:05Z',
    ...over,
  });
  const order = (status: string, extra: Record<string, unknown> = {}) => ({
    id: '5O190127TN364715T',
    status,
    purchase_units: [{ invoice_id: charge.orderSn, ...extra }],
  });

  it('maps order and capture statuses', () => {
    for (const s of ['CREATED', 'PAYER_ACTION_REQUIRED', 'APPROVED', 'SAVED']) {
      expect(orderResult(charge, order(s))).toEqual({ status: 'pending', needsPolling: true });
    }
    expect(orderResult(charge, order('COMPLETED', { payments: { captures: [capture()] } }))).toEqual({
      status: 'succeeded',
      transactionNo: '3C679366HH908993F',
      paidAt: new Date('2026-03-01T08:00:05Z'),
    });
    expect(captureResult(charge, capture({ status: 'PENDING' }))).toEqual({
      status: 'pending',
      needsPolling: true,
    });
    expect(captureResult(charge, capture({ status: 'DECLINED' }))).toMatchObject({
      status: 'failed',
      failureCode: 'CAPTURE_DECLINED',
    });
    expect(captureResult(charge, capture({ status: 'FAILED' }))).toMatchObject({
      status: 'failed',
      failureCode: 'CAPTURE_FAILED',
    });
    expect(captureResult(charge, capture({ status: 'PARTIALLY_REFUNDED' }))).toMatchObject({
      status: 'succeeded',
    });
    expect(orderResult(charge, order('VOIDED'))).toMatchObject({ status: 'failed', failureCode: 'VOIDED' });
  });

  it('an answer about another amount, currency or invoice is unknown, never succeeded or failed', () => {
    expect(captureResult(charge, capture({ amount: { currency_code: 'USD', value: '12.33' } })).status).toBe(
      'unknown',
    );
    expect(captureResult(charge, capture({ amount: { currency_code: 'EUR', value: '12.34' } })).status).toBe(
      'unknown',
    );
    expect(captureResult(charge, capture({ amount: { currency_code: 'USD', value: 12.34 } })).status).toBe(
      'unknown',
    );
    expect(
      orderResult(charge, { ...order('COMPLETED'), purchase_units: [{ invoice_id: 'other' }] }).status,
    ).toBe('unknown');
    expect(orderResult(charge, order('COMPLETED')).status).toBe('unknown'); // completed without a capture
    expect(orderResult(charge, order('SOMETHING_NEW')).status).toBe('unknown');
  });

  it('maps refund statuses and checks the amount', () => {
    const refund = { id: 're_1', amount: 500, currency: 'USD' } as Refund;
    const body = (status: string, value = '5.00') => ({
      id: '1JU08902781691411',
      status,
      amount: { currency_code: 'USD', value },
    });
    expect(refundResult(refund, body('COMPLETED'))).toEqual({
      status: 'succeeded',
      transactionNo: '1JU08902781691411',
      extra: { paypal_refund_id: '1JU08902781691411' },
    });
    expect(refundResult(refund, body('PENDING'))).toMatchObject({ status: 'pending', needsPolling: true });
    expect(refundResult(refund, body('FAILED'))).toMatchObject({
      status: 'failed',
      failureCode: 'REFUND_FAILED',
    });
    expect(refundResult(refund, body('CANCELLED'))).toMatchObject({
      status: 'failed',
      failureCode: 'REFUND_CANCELLED',
    });
    expect(refundResult(refund, body('COMPLETED', '5.01')).status).toBe('unknown');
    // The minimal answer has no amount: only the status is read.
    expect(refundResult(refund, { id: 'R1', status: 'COMPLETED' }).status).toBe('succeeded');
  });

  it('finds the approve link of either flow', () => {
    const links = (rel: string) => ({
      links: [
        { href: 'https://x/self', rel: 'self' },
        { href: `https://x/${rel}`, rel },
      ],
    });
    expect(approveLinkOf(links('payer-action'))).toBe('https://x/payer-action');
    expect(approveLinkOf(links('approve'))).toBe('https://x/approve');
    expect(approveLinkOf(links('capture'))).toBeUndefined();
    expect(approveLinkOf({})).toBeUndefined();
  });
});
