/**
 * WeChat Pay wire formats (src/channels/wechatpay/protocol.ts, callback.ts, the simulator's
 * X.509 writer) against WeChat's published examples and, independently, against the
 * official client's own helpers (wechatpay-axios-plugin's Hash, Aes, Rsa, Formatter).
 */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { Aes, Formatter, Hash, Rsa } from 'wechatpay-axios-plugin';
import { describe, expect, it } from 'vitest';
import { CallbackRejected, openCallback } from '../../src/channels/wechatpay/callback.js';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  authorizationHeader,
  compactCst,
  lines,
  parseAuthorization,
  parseCompactCst,
  parseXml,
  rfc3339Cst,
  rsaSign,
  rsaVerify,
  toXml,
  v2Sign,
  v2SignMatches,
} from '../../src/channels/wechatpay/protocol.js';
import { selfSignedCertificate } from '../../src/sandbox/wechatpay/x509.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('API v2 sign', () => {
  // WeChat Pay's own worked example (安全规范 / 签名算法).
  const example = {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    device_info: '1000',
    body: 'test',
    nonce_str: 'ibuaiVcKdpRxkhJA',
  };
  const key = '192006250b4c09247ec02edce69f6a2d';

  it('reproduces the documented MD5 and HMAC-SHA256 signatures', () => {
    expect(v2Sign(example, key, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(v2Sign(example, key, 'HMAC-SHA256')).toBe(
      '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
    );
    expect(v2SignMatches({ ...example, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, key, 'MD5')).toBe(true);
    expect(v2SignMatches({ ...example, sign: '9A0A8659F005D6984697E2CA0A9CF3B8' }, key, 'MD5')).toBe(false);
    expect(
      v2SignMatches({ ...example, body: 'tesT', sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, key, 'MD5'),
    ).toBe(false);
  });

  it('agrees with the official client for any fields (empty values and sign left out)', () => {
    // `__proto__` is not a field any WeChat message has, and plain objects treat it specially.
    const field = fc.stringMatching(/^[a-z_]{1,12}$/).filter((name) => name !== '__proto__');
    const value = fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 20 }));
    fc.assert(
      fc.property(
        fc.dictionary(field, value),
        fc.constantFrom('MD5', 'HMAC-SHA256') as fc.Arbitrary<'MD5' | 'HMAC-SHA256'>,
        (fields, type) => {
          const ours = v2Sign(fields, key, type);
          const theirs = Hash.sign(type, { ...fields }, key);
          expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('v2 XML', () => {
  it('round-trips flat documents, CDATA or not, and refuses anything else', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,11}$/), fc.string({ minLength: 1, maxLength: 30 })),
        (fields) => {
          expect(parseXml(toXml(fields))).toEqual(fields);
        },
      ),
      { numRuns: 200 },
    );
    expect(parseXml('<?xml version="1.0"?>\n<xml><a>1 &amp; 2</a><b><![CDATA[<x>]]></b></xml>')).toEqual({
      a: '1 & 2',
      b: '<x>',
    });
    expect(parseXml('<!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>')).toBeUndefined();
    expect(parseXml('<xml><a><b>1</b></a></xml>')).toBeUndefined();
    expect(parseXml('<root><a>1</a></root>')).toBeUndefined();
    expect(parseXml('not xml')).toBeUndefined();
  });
});

describe('API v3 signatures', () => {
  it('builds and parses the Authorization header the official client sends', () => {
    const header = Formatter.authorization('1900000001', 'NONCE', 'SIG==', 1700000000, 'ABC123');
    expect(parseAuthorization(header)).toEqual({
      mchid: '1900000001',
      nonce_str: 'NONCE',
      signature: 'SIG==',
      timestamp: '1700000000',
      serial_no: 'ABC123',
    });
    expect(
      authorizationHeader({
        mchid: '1900000001',
        nonce_str: 'NONCE',
        signature: 'SIG==',
        timestamp: '1700000000',
        serial_no: 'ABC123',
      }),
    ).toBe(header);
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1"')).toBeUndefined();
  });

  it('signs and verifies what the official client signs and verifies', () => {
    const message = Formatter.request('POST', '/v3/pay/transactions/native', 1700000000, 'N', '{"a":1}');
    expect(message).toBe(lines('POST', '/v3/pay/transactions/native', 1700000000, 'N', '{"a":1}'));
    const ours = rsaSign(message, privatePem);
    expect(Rsa.verify(message, ours, Rsa.from(publicPem, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
    const theirs = Rsa.sign(message, Rsa.from(privatePem, Rsa.KEY_TYPE_PRIVATE));
    expect(rsaVerify(message, theirs, publicPem)).toBe(true);
    expect(rsaVerify(message + ' ', theirs, publicPem)).toBe(false);
    expect(rsaVerify(message, 'not base64 !', publicPem)).toBe(false);
  });

  it('AES-256-GCM resources interoperate with the official client', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz012345';
    const sealed = aesGcmEncrypt('{"a":"支付"}', key, 'nonce1234567', 'transaction');
    expect(Aes.AesGcm.decrypt(sealed, key, 'nonce1234567', 'transaction')).toBe('{"a":"支付"}');
    const theirs = Aes.AesGcm.encrypt('{"b":2}', key, 'nonce7654321', 'refund');
    expect(aesGcmDecrypt(theirs, key, 'nonce7654321', 'refund')).toBe('{"b":2}');
    expect(() => aesGcmDecrypt(theirs, key, 'nonce7654321', 'transaction')).toThrow();
    expect(() => aesGcmDecrypt(theirs, 'x'.repeat(32), 'nonce7654321', 'refund')).toThrow();
  });

  it('writes times as WeChat does, in China Standard Time', () => {
    const at = new Date('2026-03-01T08:00:05Z');
    expect(rfc3339Cst(at)).toBe('2026-03-01T16:00:05+08:00');
    expect(compactCst(at)).toBe('20260301160005');
    expect(parseCompactCst('20260301160005')).toEqual(at);
    expect(parseCompactCst('2026')).toBeUndefined();
  });
});

describe('callback verification', () => {
  const apiV3Key = 'abcdefghijklmnopqrstuvwxyz012345';
  const serial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
  const certs = { [serial]: publicPem };
  const now = 1_800_000_000;
  const envelope = (resource: unknown, key = apiV3Key) =>
    JSON.stringify({
      id: 'EV-1',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aesGcmEncrypt(JSON.stringify(resource), key, 'nonce0000001', 'transaction'),
        associated_data: 'transaction',
        nonce: 'nonce0000001',
      },
    });
  const headersFor = (body: string, ts = now, s = serial) => ({
    timestamp: String(ts),
    nonce: 'N1',
    serial: s,
    signature: rsaSign(lines(ts, 'N1', body), privatePem),
  });
  const rejection = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof CallbackRejected) return [error.status, error.message];
      throw error;
    }
    return undefined;
  };

  it('opens a genuine callback', () => {
    const body = envelope({ mchid: '1900000001', trade_state: 'SUCCESS' });
    expect(openCallback(body, headersFor(body), certs, apiV3Key, now + 299)).toEqual({
      id: 'EV-1',
      eventType: 'TRANSACTION.SUCCESS',
      resourceType: 'transaction',
      resource: { mchid: '1900000001', trade_state: 'SUCCESS' },
    });
  });

  it('refuses missing headers, stale timestamps, unknown serials, bad signatures, bad ciphertext', () => {
    const body = envelope({ a: 1 });
    expect(rejection(() => openCallback(body, {}, certs, apiV3Key, now))?.[0]).toBe(401);
    expect(rejection(() => openCallback(body, headersFor(body), certs, apiV3Key, now + 301))).toEqual([
      401,
      'Wechatpay-Timestamp outside the allowed window',
    ]);
    expect(
      rejection(() => openCallback(body, headersFor(body, now, 'FFFF'), certs, apiV3Key, now))?.[0],
    ).toBe(401);
    expect(rejection(() => openCallback(body + ' ', headersFor(body), certs, apiV3Key, now))).toEqual([
      401,
      'signature does not verify',
    ]);
    const wrongKey = envelope({ a: 1 }, 'Z'.repeat(32));
    expect(rejection(() => openCallback(wrongKey, headersFor(wrongKey), certs, apiV3Key, now))).toEqual([
      400,
      'resource does not decrypt with the API v3 key',
    ]);
    const notJson = '[1,2';
    expect(rejection(() => openCallback(notJson, headersFor(notJson), certs, apiV3Key, now))).toEqual([
      400,
      'body is not JSON',
    ]);
    const noResource = '{"id":"x","event_type":"TRANSACTION.SUCCESS"}';
    expect(rejection(() => openCallback(noResource, headersFor(noResource), certs, apiV3Key, now))).toEqual([
      400,
      'malformed callback envelope',
    ]);
  });
});

describe('platform certificate', () => {
  it("is a self-signed X.509 v3 certificate accepted by node's X.509 parser and the official client", () => {
    const { pem, serial } = selfSignedCertificate({
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      commonName: 'Juhe Sandbox WeChat Pay Platform',
      organization: 'Juhe Sandbox',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2051-01-01T00:00:00Z'),
    });
    const cert = new X509Certificate(pem);
    expect(serial).toMatch(/^[0-9A-F]{40}$/);
    expect(cert.serialNumber).toBe(serial);
    expect(cert.subject).toBe('C=CN\nO=Juhe Sandbox\nCN=Juhe Sandbox WeChat Pay Platform');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(keys.publicKey)).toBe(true);
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2051-01-01T00:00:00.000Z');
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicPem);
    // The official client takes the certificate as the platform key.
    const message = 'hello\n';
    expect(Rsa.verify(message, rsaSign(message, privatePem), Rsa.from(pem, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
  });
});
