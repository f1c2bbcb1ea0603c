import { createHash, sign, verify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * UnionPay's side of the ACP 5.1.0 wire, written from the ACP interface specification and
 * its published Java SDK (SDKUtil, SecureUtil), not shared with the gateway's connector: a
 * mistake on either side shows up as a refused signature instead of hiding behind the other.
 */
export const ACP_VERSION = '5.1.0';
export const SIGN_METHOD_RSA = '01';
/** The owner part (third `@` field of the CN) of the test environment's signing certificate. */
export const UNIONPAY_TEST_CN_NAME = '00040000:SIGN';

export type AcpFields = Record<string, string>;

/** SDKUtil.coverMap2String: all fields but signature, sorted by key, `k=v` joined by '&', raw values. */
function signedText(fields: AcpFields): string {
  const keys = Object.keys(fields).filter((k) => k !== 'signature');
  keys.sort();
  return keys.map((k) => `${k}=${fields[k]}`).join('&');
}

/** SecureUtil.sha256X16Str: the SHA-256 of the text as 64 lowercase hex characters. */
const hex256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** signMethod 01: SHA256withRSA over those 64 hex characters, base64. */
export function signFields(fields: AcpFields, privateKeyPem: string): string {
  const digest = Buffer.from(hex256(signedText(fields)), 'utf8');
  return sign('sha256', digest, toPrivateKey(privateKeyPem)).toString('base64');
}

/** Checks a merchant's signature against its certificate (what certId names). */
export function verifyFields(fields: AcpFields, certPem: string): boolean {
  const signature = fields.signature ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    const digest = Buffer.from(hex256(signedText(fields)), 'utf8');
    return verify('sha256', digest, toPublicKey(certPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A request body (application/x-www-form-urlencoded, UTF-8) as fields. */
export function decodeForm(body: string): AcpFields {
  const out: AcpFields = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** What UnionPay posts to a backUrl: a URL-encoded form. */
export const encodeForm = (fields: AcpFields): string => new URLSearchParams(fields).toString();

/** The synchronous answer: `k=v&k=v`, sorted, values raw (a PEM with newlines and '=' stays as is). */
export const answerText = (fields: AcpFields): string =>
  Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');

/** orderId: 8-40 letters and digits (ACP field rules). */
export const isOrderId = (v: string | undefined): v is string => /^[0-9A-Za-z]{8,40}$/.test(v ?? '');
/** txnAmt: fen, a positive integer of at most 12 digits without leading zeros. */
export const isTxnAmt = (v: string | undefined): v is string => /^[1-9]\d{0,11}$/.test(v ?? '');
/** An http(s) URL without blanks (backUrl, frontUrl). */
export const isHttpUrl = (v: string | undefined): boolean => /^https?:\/\/[^\s]+$/.test(v ?? '');
