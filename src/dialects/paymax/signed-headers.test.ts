import { describe, expect, it } from 'vitest';
import {
  PHP_MARKERS,
  SIGN_LINE_CONFUSABLE,
  answerMessage,
  newNonce,
  requestMessage,
  signedTarget,
} from './signed-headers.js';

describe('paymax July-2016 signed messages', () => {
  it('signs the path from /v1/ and the raw query, as the SDKs cut them', () => {
    expect(signedTarget('/v1/charges')).toEqual({ path: '/v1/charges', query: '' });
    expect(signedTarget('/merchant-api/v1/charges/ch_1?')).toEqual({ path: '/v1/charges/ch_1', query: '' });
    // Raw, not decoded: the client signed the bytes it sent.
    expect(signedTarget('/merchant-api/v1/charges?a=%E4%B8%AD&b=1')).toEqual({
      path: '/v1/charges',
      query: 'a=%E4%B8%AD&b=1',
    });
  });

  it('joins the parts with one newline each and appends the body bytes unchanged', () => {
    const body = Buffer.from('{"a":"中"}', 'utf8');
    const message = requestMessage({
      method: 'GET',
      path: '/v1/charges/ch_1',
      query: '',
      nonce: 'n',
      timestamp: '1',
      authorization: 'sk',
      body,
    });
    expect(message.toString('utf8')).toBe('get\n/v1/charges/ch_1\n\nn\n1\nsk\n{"a":"中"}');
    expect(answerMessage('n', '1', 'sk', '{}')).toBe('n\n1\nsk\n{}');
  });

  it('makes nonces like the Node SDK, which the PHP client reads as nothing else', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const nonce = newNonce();
      expect(nonce).toMatch(/^[a-z0-9]{32}$/);
      seen.add(nonce);
    }
    expect(seen.size).toBe(200);
    // The markers the PHP SDK looks for, case-sensitive as it is.
    expect(PHP_MARKERS.test('X-Request-Id: sign-1')).toBe(true);
    expect(PHP_MARKERS.test("Content-Security-Policy: default-src 'self'")).toBe(false);
    expect(PHP_MARKERS.test('X-Permitted-Cross-Domain-Policies: none')).toBe(false);
    expect(SIGN_LINE_CONFUSABLE.test('sign: abcnonceXYZ=')).toBe(true);
    expect(SIGN_LINE_CONFUSABLE.test('sign: abcNonceXYZ=')).toBe(false);
  });
});
