/**
 * Lakala open platform v3 wire formats (src/channels/lakala/protocol.ts): the
 * LKLAPI-SHA256withRSA Authorization header, response and notification signatures, CST
 * times and amounts, each checked against an independent construction of the same
 * message (node:crypto's createSign/createVerify, as Lakala's own Java and PHP demos do).
 */
import { X509Certificate, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorization,
  certificatesBySerial,
  envelope,
  fenOf,
  lakalaTime,
  notifyAuthorization,
  nonceStr,
  parseLakalaTime,
  parseNotifyAuth,
  parseRequestAuth,
  responseHeaders,
  responseProblem,
  rsaVerify,
  timestampFresh,
  wallSeconds,
} from '../../src/channels/lakala/protocol.js';
import { selfSignedCertificate } from '../../src/sandbox/wechatpay/x509.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const cert = selfSignedCertificate({
  ...pair,
  commonName: 'lkl-apigw',
  organization: 'test',
  notBefore: new Date(Date.now() - 86_400_000),
  notAfter: new Date(Date.now() + 86_400_000),
  serial: Buffer.from('00dfba8194c41b84cf'.replace(/^00/, '10'), 'hex'),
});
const serial = cert.serial.toLowerCase();

/** Lakala's demo construction: SHA256withRSA over the joined lines, base64. */
const demoSign = (message: string) =>
  createSign('RSA-SHA256').update(message, 'utf8').sign(privatePem, 'base64');
const demoVerify = (message: string, signature: string) =>
  createVerify('RSA-SHA256').update(message, 'utf8').verify(publicPem, signature, 'base64');

describe('request Authorization', () => {
  const body = envelope(
    { merchant_no: '822100041120005', out_order_no: '12345678' },
    new Date('2021-09-22T08:43:16Z'),
  );

  it('wraps req_data in {req_time (CST), version 3.0, req_data}', () => {
    expect(JSON.parse(body)).toEqual({
      req_time: '20210922164316',
      version: '3.0',
      req_data: { merchant_no: '822100041120005', out_order_no: '12345678' },
    });
  });

  it('signs appid\\nserial_no\\ntimestamp\\nnonce_str\\nbody\\n, as the demos do', () => {
    const header = authorization(
      'OP00000003',
      '00dfba8194c41b84cf',
      body,
      privatePem,
      '1630905585',
      'AbCdEf123456',
    );
    expect(header).toMatch(
      /^LKLAPI-SHA256withRSA appid="OP00000003",serial_no="00dfba8194c41b84cf",timestamp="1630905585",nonce_str="AbCdEf123456",signature="[A-Za-z0-9+/]+={0,2}"$/,
    );
    const parsed = parseRequestAuth(header)!;
    const message = `OP00000003\n00dfba8194c41b84cf\n1630905585\nAbCdEf123456\n${body}\n`;
    expect(parsed.signature).toBe(demoSign(message)); // PKCS#1 v1.5 is deterministic
    expect(demoVerify(message, parsed.signature)).toBe(true);
    expect(demoVerify(message.replace('12345678', '12345679'), parsed.signature)).toBe(false);
  });

  it('parses only complete, unambiguous headers of the Lakala schema', () => {
    const good = authorization('OP1', 'ab', '{}', privatePem);
    expect(parseRequestAuth(good)).toMatchObject({ appid: 'OP1', serial_no: 'ab' });
    expect(
      parseRequestAuth(good.replace('LKLAPI-SHA256withRSA', 'WECHATPAY2-SHA256-RSA2048')),
    ).toBeUndefined();
    expect(parseRequestAuth(good.replace(/,signature="[^"]*"/, ''))).toBeUndefined();
    expect(parseRequestAuth(`${good},appid="OP2"`)).toBeUndefined();
    expect(parseRequestAuth(undefined)).toBeUndefined();
  });

  it('nonces are alphanumeric, 12 characters by default', () => {
    for (let i = 0; i < 50; i++) expect(nonceStr()).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(nonceStr(32)).toHaveLength(32);
  });
});

describe('answers and notifications signed by Lakala', () => {
  const certs = { [serial]: cert.pem };

  it('answer headers verify over appid\\nserial\\ntimestamp\\nnonce\\nbody\\n', () => {
    const body = '{"code":"000000","msg":"操作成功","resp_time":"20210922181057","resp_data":{}}';
    const headers = responseHeaders('OP00000003', serial, body, privatePem);
    expect(Object.keys(headers)).toEqual([
      'Lklapi-Appid',
      'Lklapi-Serial',
      'Lklapi-Timestamp',
      'Lklapi-Nonce',
      'Lklapi-Signature',
    ]);
    const message = `OP00000003\n${serial}\n${headers['Lklapi-Timestamp']}\n${headers['Lklapi-Nonce']}\n${body}\n`;
    expect(demoVerify(message, headers['Lklapi-Signature'])).toBe(true);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(responseProblem(lower, body, 'OP00000003', certs)).toBeUndefined();
  });

  it('refuses answers that are not exactly what the platform key signed', () => {
    const body = '{"code":"000000"}';
    const headers = responseHeaders('OP00000003', serial, body, privatePem);
    expect(responseProblem(headers, body + ' ', 'OP00000003', certs)).toBe(
      'answer signature does not verify',
    );
    expect(responseProblem(headers, body, 'OP99999999', certs)).toBe('answer is for another appid');
    expect(responseProblem({ ...headers, 'Lklapi-Serial': 'ff' }, body, 'OP00000003', certs)).toMatch(
      /unknown platform serial/,
    );
    const stale = responseHeaders('OP00000003', serial, body, privatePem, String(wallSeconds() - 301));
    expect(responseProblem(stale, body, 'OP00000003', certs)).toBe(
      'answer timestamp outside the allowed window',
    );
    const { ['Lklapi-Nonce']: _gone, ...partial } = headers;
    expect(responseProblem(partial, body, 'OP00000003', certs)).toBe(
      'answer lacks Lklapi-* signature headers',
    );
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(
      responseProblem(responseHeaders('OP00000003', serial, body, other), body, 'OP00000003', certs),
    ).toBe('answer signature does not verify');
  });

  it('notifications sign timestamp\\nnonce_str\\nbody\\n and name no appid or serial', () => {
    const body = '{"out_order_no":"1","order_status":"2"}';
    const header = notifyAuthorization(body, privatePem, '1630905585', '9003323344ab');
    expect(header).toMatch(
      /^LKLAPI-SHA256withRSA timestamp="1630905585",nonce_str="9003323344ab",signature="/,
    );
    const auth = parseNotifyAuth(header)!;
    expect(demoVerify(`1630905585\n9003323344ab\n${body}\n`, auth.signature)).toBe(true);
    expect(parseNotifyAuth('LKLAPI-SHA256withRSA timestamp="1",nonce_str="x"')).toBeUndefined();
    expect(rsaVerify(`1630905585\n9003323344ab\n${body}\n`, auth.signature, publicPem)).toBe(true);
    expect(rsaVerify(`1630905585\n9003323344ab\n${body}\n`, 'not base64!', publicPem)).toBe(false);
  });

  it('platform certificates are keyed by lowercase hex serial', () => {
    expect(certificatesBySerial(cert.pem)).toEqual({ [serial]: cert.pem.trim() });
    expect(new X509Certificate(cert.pem).serialNumber.toLowerCase()).toBe(serial);
    expect(certificatesBySerial('no pem here')).toEqual({});
  });

  it('timestamps are fresh within five minutes either way', () => {
    const now = 1_700_000_000;
    expect(timestampFresh(String(now - 300), now)).toBe(true);
    expect(timestampFresh(String(now + 300), now)).toBe(true);
    expect(timestampFresh(String(now - 301), now)).toBe(false);
    expect(timestampFresh('17e8', now)).toBe(false);
  });
});

describe('times and amounts', () => {
  it('yyyyMMddHHmmss is China Standard Time and round-trips', () => {
    expect(lakalaTime(new Date('2026-03-01T16:30:05Z'))).toBe('20260302003005');
    expect(parseLakalaTime('20260302003005')).toEqual(new Date('2026-03-01T16:30:05Z'));
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800, max: 4_102_444_799 }), (seconds) => {
        const at = new Date(seconds * 1000);
        expect(parseLakalaTime(lakalaTime(at))).toEqual(at);
      }),
    );
  });

  it('refuses impossible or malformed times', () => {
    for (const bad of [
      '20260230120000',
      '20261301000000',
      '2026030112000',
      '2026-03-01 12:00',
      20260301120000,
    ]) {
      expect(parseLakalaTime(bad)).toBeUndefined();
    }
  });

  it('amounts are positive integer fen, as a number or a digit string', () => {
    expect(fenOf(200)).toBe(200);
    expect(fenOf('1')).toBe(1);
    expect(fenOf('999999999999')).toBe(999_999_999_999);
    for (const bad of [
      0,
      -1,
      1.5,
      '0',
      '01',
      '1.00',
      '10.5',
      '-3',
      '',
      '1e3',
      null,
      undefined,
      '9999999999999',
    ]) {
      expect(fenOf(bad)).toBeUndefined();
    }
  });
});
