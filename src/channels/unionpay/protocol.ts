import { X509Certificate, createHash, sign, verify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * UnionPay ACP 5.1.0 (全渠道) wire rules, pure: the signing string, signMethod 01 signatures,
 * the `key=value&...` answer format, Beijing-time stamps, answer codes and the check of the
 * certificate UnionPay sends in `signPubKeyCert`. Shared by the connector, the notify route
 * and the simulator so both sides speak exactly one protocol.
 */

export const ACP_VERSION = '5.1.0';
export const SIGN_METHOD_RSA = '01';
/** The production UnionPay signing certificate's owner (third `@` part of its CN). */
export const UNIONPAY_CN_NAME = '中国银联股份有限公司';
/** The owner part UnionPay's test environment's signing certificate carries. */
export const UNIONPAY_TEST_CN_NAME = '00040000:SIGN';

export type AcpFields = Record<string, string>;

/**
 * The string both sides sign: every field but `signature`, sorted by name (Java's TreeMap,
 * i.e. code-unit order), joined as `k=v&k=v`, values raw (not URL-encoded). Empty values
 * stay in (the SDK's coverMap2String keeps them; senders drop blanks before signing).
 */
export function signingString(fields: AcpFields): string {
  return Object.keys(fields)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/** The SDK's sha256X16: lowercase hex of SHA-256 over the UTF-8 signing string. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * signMethod 01 under 5.1.0: base64(SHA256withRSA(sha256hex(signingString))). The RSA
 * signature covers the 64 ASCII hex characters, not the raw digest, as the SDK does.
 */
export function acpSign(fields: AcpFields, privateKeyPem: string): string {
  const digest = sha256Hex(signingString(fields));
  return sign('sha256', Buffer.from(digest, 'utf8'), toPrivateKey(privateKeyPem)).toString('base64');
}

export function acpVerify(fields: AcpFields, publicKeyOrCertPem: string): boolean {
  const signature = fields.signature;
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    const digest = sha256Hex(signingString(fields));
    return verify(
      'sha256',
      Buffer.from(digest, 'utf8'),
      toPublicKey(publicKeyOrCertPem),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** Drops empty values (the SDK's filterBlank before signing a request). */
export function withoutBlanks(fields: Record<string, string | undefined>): AcpFields {
  const out: AcpFields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Adds certId and signature: what the merchant side sends. */
export function signRequest(
  fields: Record<string, string | undefined>,
  certId: string,
  keyPem: string,
): AcpFields {
  const out = withoutBlanks({ ...fields, certId, signMethod: SIGN_METHOD_RSA });
  out.signature = acpSign(out, keyPem);
  return out;
}

/** A request body as the SDK posts it: application/x-www-form-urlencoded, UTF-8. */
export function formEncode(fields: AcpFields): string {
  return new URLSearchParams(fields).toString();
}

export function formDecode(body: string): AcpFields {
  const out: AcpFields = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/**
 * The synchronous answer format: `k=v&k=v` with raw values (UnionPay does not URL-encode
 * them; signPubKeyCert carries a PEM with newlines and '='). The key ends at the first '=';
 * a value may hold '&' only inside braces (reqReserved={a=1&b=2}), as the SDK's parser
 * (SDKUtil.parseQString) allows.
 */
export function parseAnswer(text: string): AcpFields {
  const out: AcpFields = {};
  let key = '';
  let value = '';
  let inKey = true;
  let depth = 0;
  const flush = () => {
    if (key !== '') out[key] = value;
    key = '';
    value = '';
    inKey = true;
  };
  for (const c of text) {
    if (inKey) {
      if (c === '=') inKey = false;
      else if (c === '&') flush();
      else key += c;
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}' && depth > 0) depth -= 1;
    if (c === '&' && depth === 0) flush();
    else value += c;
  }
  flush();
  return out;
}

/** The answer format's writer: sorted fields, raw values. */
export function formatAnswer(fields: AcpFields): string {
  return Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** yyyyMMddHHmmss in Beijing time (UTC+8, no daylight saving): txnTime, payTimeout. */
export function beijingStamp(date: Date): string {
  return new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, '');
}

/** Parses yyyyMMddHHmmss as Beijing time; undefined when not a real instant. */
export function parseBeijingStamp(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(utc);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  return new Date(utc - BEIJING_OFFSET_MS);
}

/** orderId: 8-40 letters and digits. */
export const isOrderId = (v: string | undefined): v is string => /^[0-9A-Za-z]{8,40}$/.test(v ?? '');
/** txnAmt: fen as a positive integer string without leading zeros, at most 12 digits. */
export const isTxnAmt = (v: string | undefined): v is string => /^[1-9]\d{0,11}$/.test(v ?? '');

/**
 * What a transaction's respCode (a notice's, or a query's origRespCode) means:
 * 00 (and A6, paid with a partial-success remark) is success; 03, 04, 05 are an outcome
 * not yet known (query again later); anything else is a failure.
 */
export function outcomeOf(code: string | undefined): 'succeeded' | 'unknown' | 'failed' {
  if (code === '00' || code === 'A6') return 'succeeded';
  if (code === '03' || code === '04' || code === '05') return 'unknown';
  return 'failed';
}

/** certId: the certificate's serial number in decimal, as the SDK reads it (BigInteger.toString()). */
export function certIdOf(certPem: string): string {
  return BigInt('0x' + new X509Certificate(certPem).serialNumber).toString(10);
}

/** The third `@`-separated part of the subject's CN (the SDK's getIdentitiesFromCertficate). */
export function cnOwnerOf(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
  return cn.split('@')[2] ?? '';
}

export interface TrustedChain {
  middleCertPem: string;
  rootCertPem: string;
  /** Owners accepted in the CN: production only 中国银联股份有限公司; test also 00040000:SIGN. */
  acceptedOwners: readonly string[];
}

/**
 * Checks the certificate UnionPay sent in `signPubKeyCert` as the SDK's
 * CertUtil.verifyAndGetVerifyPubKey does: valid now, issued by the configured middle
 * certificate which the configured root issued (both CAs, signatures checked, the root
 * self-signed), and owned by UnionPay per its CN. Returns the reason when it fails.
 */
export function checkSignCert(
  certPem: string,
  trust: TrustedChain,
  now: Date,
): { ok: true; cert: X509Certificate } | { ok: false; reason: string } {
  let cert: X509Certificate;
  let middle: X509Certificate;
  let root: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { ok: false, reason: 'signPubKeyCert is not a certificate' };
  }
  try {
    middle = new X509Certificate(trust.middleCertPem);
    root = new X509Certificate(trust.rootCertPem);
  } catch {
    return { ok: false, reason: 'the configured middle or root certificate is unreadable' };
  }
  const within = (c: X509Certificate) =>
    now.getTime() >= Date.parse(c.validFrom) && now.getTime() <= Date.parse(c.validTo);
  if (!within(cert)) return { ok: false, reason: 'signPubKeyCert is expired or not yet valid' };
  if (!within(middle) || !within(root)) return { ok: false, reason: 'the certificate chain is expired' };
  if (cert.ca) return { ok: false, reason: 'signPubKeyCert is a CA certificate' };
  if (!middle.ca || !root.ca) return { ok: false, reason: 'the chain certificates are not CAs' };
  if (!cert.checkIssued(middle) || !cert.verify(middle.publicKey)) {
    return { ok: false, reason: 'signPubKeyCert was not issued by the middle certificate' };
  }
  if (!middle.checkIssued(root) || !middle.verify(root.publicKey)) {
    return { ok: false, reason: 'the middle certificate was not issued by the root certificate' };
  }
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) {
    return { ok: false, reason: 'the root certificate is not self-signed' };
  }
  const owner = cnOwnerOf(cert);
  if (!trust.acceptedOwners.includes(owner)) {
    return { ok: false, reason: `signPubKeyCert is not UnionPay's (owner ${owner || 'missing'})` };
  }
  return { ok: true, cert };
}

/**
 * Verifies an answer or notice from UnionPay: signMethod 01, version 5.1.0, a
 * signPubKeyCert that passes checkSignCert, and the signature under that certificate.
 */
export function verifyFromUnionpay(
  fields: AcpFields,
  trust: TrustedChain,
  now: Date,
): { ok: true } | { ok: false; reason: string } {
  if (fields.signMethod !== SIGN_METHOD_RSA)
    return { ok: false, reason: `signMethod ${fields.signMethod ?? 'missing'}` };
  if (!fields.signPubKeyCert) return { ok: false, reason: 'signPubKeyCert missing' };
  if (!fields.signature) return { ok: false, reason: 'signature missing' };
  const checked = checkSignCert(fields.signPubKeyCert, trust, now);
  if (!checked.ok) return checked;
  if (!acpVerify(fields, fields.signPubKeyCert)) return { ok: false, reason: 'signature does not verify' };
  return { ok: true };
}
