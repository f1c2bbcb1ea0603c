/**
 * UnionPay ACP 5.1.0 wire rules, pure: the signing string, signMethod 01 signatures
 * (RSA-SHA256 over the SHA-256 hex of the sorted string), the raw answer format, Beijing
 * time, answer codes, and the signPubKeyCert check against a middle + root chain with the
 * SDK's CN owner rule. Certificates are issued here with the simulator's chain builder.
 */
import { createHash, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type TrustedChain,
  UNIONPAY_CN_NAME,
  UNIONPAY_TEST_CN_NAME,
  acpSign,
  acpVerify,
  beijingStamp,
  certIdOf,
  checkSignCert,
  cnOwnerOf,
  formDecode,
  formEncode,
  formatAnswer,
  isOrderId,
  isTxnAmt,
  outcomeOf,
  parseAnswer,
  parseBeijingStamp,
  signRequest,
  signingString,
  verifyFromUnionpay,
} from '../../src/channels/unionpay/protocol.js';
import { type DistinguishedName, issueCertificate } from '../../src/sandbox/_kit/x509-chain.js';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = (k: ReturnType<typeof pair>['privateKey']) =>
  k.export({ type: 'pkcs8', format: 'pem' }) as string;
const NOW = new Date('2026-03-01T08:00:00Z');
const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2030-01-01T00:00:00Z');
const rootName: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Test CA'],
  ['CN', 'Test Root'],
];
const middleName: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Test CA'],
  ['CN', 'Test Middle'],
];

describe('UnionPay ACP 5.1.0 protocol', () => {
  const root = pair();
  const middle = pair();
  const leaf = pair();
  let chain: { root: string; middle: string };
  let trust: TrustedChain;
  let signCert: string;
  const leafCert = (
    owner: string,
    options: {
      issuer?: { name: DistinguishedName; privateKey: any };
      from?: Date;
      to?: Date;
      ca?: boolean;
    } = {},
  ) =>
    issueCertificate({
      subject: [
        ['C', 'CN'],
        ['O', 'China UnionPay'],
        ['CN', `041@Z12400000000000@${owner}@00000001`],
      ],
      subjectPublicKey: leaf.publicKey,
      issuer: options.issuer ?? { name: middleName, privateKey: middle.privateKey },
      ca: options.ca ?? false,
      notBefore: options.from ?? FROM,
      notAfter: options.to ?? TO,
    }).pem;

  beforeAll(() => {
    chain = {
      root: issueCertificate({
        subject: rootName,
        subjectPublicKey: root.publicKey,
        selfPrivateKey: root.privateKey,
        ca: true,
        notBefore: FROM,
        notAfter: TO,
      }).pem,
      middle: issueCertificate({
        subject: middleName,
        subjectPublicKey: middle.publicKey,
        issuer: { name: rootName, privateKey: root.privateKey },
        ca: true,
        notBefore: FROM,
        notAfter: TO,
      }).pem,
    };
    trust = {
      middleCertPem: chain.middle,
      rootCertPem: chain.root,
      acceptedOwners: [UNIONPAY_CN_NAME, UNIONPAY_TEST_CN_NAME],
    };
    signCert = leafCert(UNIONPAY_TEST_CN_NAME);
  });

  it('signs the sorted k=v string without signature, keeping empty values, values raw', () => {
    expect(
      signingString({
        txnAmt: '100',
        accessType: '0',
        signature: 'x',
        reqReserved: '',
        backUrl: 'http://a/b?c=d&e',
      }),
    ).toBe('accessType=0&backUrl=http://a/b?c=d&e&reqReserved=&txnAmt=100');
  });

  it('signMethod 01: base64 RSA-SHA256 over the lowercase SHA-256 hex of the string', () => {
    const fields = {
      version: '5.1.0',
      orderId: '20260301080000123',
      txnAmt: '1000',
      merId: '777290058110048',
    };
    const signature = acpSign(fields, pkcs8(leaf.privateKey));
    const hex = createHash('sha256').update(signingString(fields)).digest('hex');
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(verify('sha256', Buffer.from(hex), leaf.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(acpVerify({ ...fields, signature }, signCert)).toBe(true);
    expect(acpVerify({ ...fields, txnAmt: '1001', signature }, signCert)).toBe(false);
    expect(acpVerify({ ...fields, signature: 'not base64!' }, signCert)).toBe(false);
    expect(acpVerify({ ...fields }, signCert)).toBe(false);
  });

  it('signRequest drops blanks, adds certId and signMethod 01, and signs the rest', () => {
    const signed = signRequest(
      { orderId: '12345678', frontUrl: '', reqReserved: undefined },
      '69629715588',
      pkcs8(leaf.privateKey),
    );
    expect(Object.keys(signed).sort()).toEqual(['certId', 'orderId', 'signMethod', 'signature']);
    expect(signed).toMatchObject({ certId: '69629715588', signMethod: '01' });
    expect(acpVerify(signed, signCert)).toBe(true);
  });

  it('answers are raw k=v: a PEM with = and newlines, and braces holding &, parse back exactly', () => {
    const fields = {
      respCode: '00',
      signPubKeyCert: signCert,
      reqReserved: '{a=1&b={c=2}}',
      tn: '123456789012345678901',
    };
    const text = formatAnswer(fields);
    expect(text).toContain('-----BEGIN CERTIFICATE-----\n');
    expect(parseAnswer(text)).toEqual(fields);
    expect(parseAnswer('respCode=11&respMsg=验证签名失败')).toEqual({
      respCode: '11',
      respMsg: '验证签名失败',
    });
    expect(formDecode(formEncode({ a: 'x y&z=1', b: '中文' }))).toEqual({ a: 'x y&z=1', b: '中文' });
  });

  it('txnTime is yyyyMMddHHmmss in Beijing time; impossible dates are refused', () => {
    expect(beijingStamp(new Date('2026-03-01T17:30:05Z'))).toBe('20260302013005');
    expect(parseBeijingStamp('20260302013005')!.toISOString()).toBe('2026-03-01T17:30:05.000Z');
    expect(parseBeijingStamp('20260230120000')).toBeUndefined();
    expect(parseBeijingStamp('2026030201300')).toBeUndefined();
    expect(parseBeijingStamp('20260302246000')).toBeUndefined();
  });

  it('orderId is 8-40 letters and digits; txnAmt whole fen without leading zeros', () => {
    expect(isOrderId('12345678')).toBe(true);
    expect(isOrderId('1234567')).toBe(false);
    expect(isOrderId('re_12345678')).toBe(false);
    expect(isOrderId('a'.repeat(41))).toBe(false);
    expect(isTxnAmt('1')).toBe(true);
    expect(['0', '01', '1.00', '-1', '', '1e3'].map(isTxnAmt)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('respCode 00 succeeded; 03, 04, 05 unknown (query later); anything else failed', () => {
    expect(['00', 'A6', '03', '04', '05', '01', '12', '34', undefined].map(outcomeOf)).toEqual([
      'succeeded',
      'succeeded',
      'unknown',
      'unknown',
      'unknown',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('certId is the decimal serial; the CN owner is its third @ part', () => {
    const x = new X509Certificate(signCert);
    expect(certIdOf(signCert)).toBe(BigInt('0x' + x.serialNumber).toString());
    expect(cnOwnerOf(x)).toBe(UNIONPAY_TEST_CN_NAME);
  });

  it('accepts a signing certificate issued by the middle CA that the root issued', () => {
    expect(checkSignCert(signCert, trust, NOW)).toMatchObject({ ok: true });
    expect(
      checkSignCert(leafCert(UNIONPAY_CN_NAME), { ...trust, acceptedOwners: [UNIONPAY_CN_NAME] }, NOW),
    ).toMatchObject({ ok: true });
  });

  it('refuses what the SDK refuses: foreign chain, wrong owner, expired, CA as leaf, leaf from the root', () => {
    const stranger = pair();
    const forgedByName = leafCert(UNIONPAY_TEST_CN_NAME, {
      issuer: { name: middleName, privateKey: stranger.privateKey },
    });
    expect(checkSignCert(forgedByName, trust, NOW)).toEqual({
      ok: false,
      reason: 'signPubKeyCert was not issued by the middle certificate',
    });
    expect(checkSignCert(leafCert('00010000:SIGN'), trust, NOW)).toEqual({
      ok: false,
      reason: "signPubKeyCert is not UnionPay's (owner 00010000:SIGN)",
    });
    // Production (ifValidateCNName) accepts only 中国银联股份有限公司.
    expect(checkSignCert(signCert, { ...trust, acceptedOwners: [UNIONPAY_CN_NAME] }, NOW)).toMatchObject({
      ok: false,
    });
    expect(checkSignCert(signCert, trust, new Date('2031-01-01T00:00:00Z'))).toEqual({
      ok: false,
      reason: 'signPubKeyCert is expired or not yet valid',
    });
    expect(checkSignCert(leafCert(UNIONPAY_TEST_CN_NAME, { ca: true }), trust, NOW)).toEqual({
      ok: false,
      reason: 'signPubKeyCert is a CA certificate',
    });
    const fromRoot = leafCert(UNIONPAY_TEST_CN_NAME, {
      issuer: { name: rootName, privateKey: root.privateKey },
    });
    expect(checkSignCert(fromRoot, trust, NOW)).toMatchObject({ ok: false });
    // A middle certificate that the root did not issue breaks the chain too.
    const otherRoot = issueCertificate({
      subject: rootName,
      subjectPublicKey: stranger.publicKey,
      selfPrivateKey: stranger.privateKey,
      ca: true,
      notBefore: FROM,
      notAfter: TO,
    }).pem;
    expect(checkSignCert(signCert, { ...trust, rootCertPem: otherRoot }, NOW)).toEqual({
      ok: false,
      reason: 'the middle certificate was not issued by the root certificate',
    });
    expect(checkSignCert('garbage', trust, NOW)).toEqual({
      ok: false,
      reason: 'signPubKeyCert is not a certificate',
    });
  });

  it('verifies an answer: signMethod 01, a trusted signPubKeyCert, a signature over every field', () => {
    const answer: Record<string, string> = {
      respCode: '00',
      orderId: '12345678',
      signMethod: '01',
      signPubKeyCert: signCert,
    };
    answer.signature = acpSign(answer, pkcs8(leaf.privateKey));
    expect(verifyFromUnionpay(answer, trust, NOW)).toEqual({ ok: true });
    expect(verifyFromUnionpay({ ...answer, respCode: '01' }, trust, NOW)).toEqual({
      ok: false,
      reason: 'signature does not verify',
    });
    expect(verifyFromUnionpay({ ...answer, signMethod: '11' }, trust, NOW)).toMatchObject({ ok: false });
    const { signPubKeyCert: _c, ...noCert } = answer;
    expect(verifyFromUnionpay(noCert, trust, NOW)).toEqual({ ok: false, reason: 'signPubKeyCert missing' });
    // A signature by another key under the genuine certificate does not verify.
    const other = { ...answer };
    other.signature = acpSign({ ...answer, signature: '' }, pkcs8(pair().privateKey));
    expect(verifyFromUnionpay(other, trust, NOW)).toEqual({ ok: false, reason: 'signature does not verify' });
  });
});
