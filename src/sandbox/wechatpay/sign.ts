import {
  createCipheriv,
  createHash,
  createHmac,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/**
 * WeChat Pay's signatures as the provider computes them, written for the simulator from
 * WeChat's documents (签名生成, 签名验证, 回调报文解密, API v2 安全规范) and independent of the
 * connector's code, so a mistake on one side cannot hide behind the same mistake on the other.
 */

/** The API v3 scheme in Authorization and Wechatpay-Signature-Type. */
export const V3_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat refuses a request whose signed timestamp is more than 5 minutes off. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random string of `size` letters and digits (nonce_str, AES-GCM nonces, API keys). */
export function nonce(size = 32): string {
  let out = '';
  for (const b of randomBytes(size)) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Seconds since the epoch on the wall clock: the transport timestamp both sides sign. */
export const wallSeconds = (): number => Math.floor(Date.now() / 1000);

/** A v3 signature message: each piece followed by "\n". */
export const signatureMessage = (...pieces: (string | number)[]): string =>
  pieces.map((p) => `${p}\n`).join('');

/** SHA256withRSA, base64. */
export const signSha256Rsa = (message: string, key: KeyObject): string =>
  sign('sha256', Buffer.from(message, 'utf8'), key).toString('base64');

export function verifySha256Rsa(message: string, signature: string, key: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The fields of `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="...",...`. */
export interface MerchantAuthorization {
  mchid: string;
  serial_no: string;
  timestamp: string;
  nonce_str: string;
  signature: string;
}

const AUTH_FIELDS = ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature'] as const;

/** The merchant's Authorization header; undefined when it is not the v3 scheme or lacks a field. */
export function readAuthorization(header: string | undefined): MerchantAuthorization | undefined {
  if (!header?.startsWith(`${V3_SCHEME} `)) return undefined;
  const fields = new Map<string, string>();
  for (const m of header.slice(V3_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields.set(m[1], m[2]);
  const out: Partial<MerchantAuthorization> = {};
  for (const k of AUTH_FIELDS) {
    const v = fields.get(k);
    if (!v) return undefined;
    out[k] = v;
  }
  return out as MerchantAuthorization;
}

/** AEAD_AES_256_GCM with the API v3 key: base64 of ciphertext followed by the 16-byte tag. */
export function encryptResource(plaintext: string, apiV3Key: string, iv: string, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(iv, 'utf8'));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
}

export type V2SignType = 'MD5' | 'HMAC-SHA256';

/**
 * The API v2 sign: every non-empty field but `sign`, sorted by name (ASCII), as
 * `k=v&...`, then `&key=<API v2 key>`; MD5 or HMAC-SHA256 keyed with the API key; uppercase hex.
 */
export function v2Sign(fields: Record<string, string>, key: string, type: V2SignType): string {
  const names = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '')
    .sort();
  const text = `${names.map((k) => `${k}=${fields[k]}`).join('&')}&key=${key}`;
  const hash = type === 'HMAC-SHA256' ? createHmac('sha256', key) : createHash('md5');
  return hash.update(text, 'utf8').digest('hex').toUpperCase();
}

export function v2SignMatches(fields: Record<string, string>, key: string, type: V2SignType): boolean {
  const given = Buffer.from(fields.sign ?? '', 'utf8');
  const expected = Buffer.from(v2Sign(fields, key, type), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
