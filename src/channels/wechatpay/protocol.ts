import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * WeChat Pay's wire formats, written once from the protocol (node:crypto only) and used by
 * the connector (callback verification, JSAPI/app signatures) and the simulator (request
 * verification, response and callback signing). The official client, wechatpay-axios-plugin,
 * is the independent check in the tests: it verifies what the simulator signs.
 */

/** API v3 signature scheme name in Authorization and Wechatpay-Signature-Type. */
export const V3_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat allows 5 minutes between a signed timestamp and the receiver's clock. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const NONCE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function nonce(size = 32): string {
  const bytes = randomBytes(size);
  let out = '';
  for (const b of bytes) out += NONCE_ALPHABET[b % 62];
  return out;
}

/** Seconds since the epoch on the wall clock: the transport-level timestamp both sides sign. */
export function wallSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Lines joined by "\n" with a trailing "\n": every v3 signature message. */
export function lines(...pieces: (string | number)[]): string {
  return pieces.map(String).join('\n') + '\n';
}

export function rsaSign(message: string, privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? toPrivateKey(privateKey) : privateKey;
  return sign('sha256', Buffer.from(message, 'utf8'), key).toString('base64');
}

export function rsaVerify(message: string, signature: string, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? toPublicKey(publicKey) : publicKey;
    return verify('sha256', Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export const privateKeyOf = (pem: string): KeyObject => createPrivateKey(pem);
/** A public key from a PEM public key or an X.509 certificate. */
export const publicKeyOf = (pem: string): KeyObject => createPublicKey(pem);

export interface Authorization {
  mchid: string;
  serial_no: string;
  timestamp: string;
  nonce_str: string;
  signature: string;
}

export function authorizationHeader(a: Authorization): string {
  return `${V3_SCHEME} mchid="${a.mchid}",serial_no="${a.serial_no}",timestamp="${a.timestamp}",nonce_str="${a.nonce_str}",signature="${a.signature}"`;
}

/** Parses `WECHATPAY2-SHA256-RSA2048 k="v",...`; undefined when malformed or incomplete. */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  if (!header || !header.startsWith(V3_SCHEME + ' ')) return undefined;
  const fields: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) fields[m[1]] = m[2];
  const keys = ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature'] as const;
  if (!keys.every((k) => typeof fields[k] === 'string' && fields[k].length > 0)) return undefined;
  return fields as unknown as Authorization;
}

/** AEAD_AES_256_GCM as WeChat uses it: base64(ciphertext | 16-byte tag), 12-char nonce, AAD. */
export function aesGcmEncrypt(plaintext: string, key: string, iv: string, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(iv, 'utf8'));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
}

/** Throws when the key, nonce, AAD or ciphertext does not authenticate. */
export function aesGcmDecrypt(ciphertext: string, key: string, iv: string, aad: string): string {
  const keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length !== 32) throw new Error('API v3 key must be 32 bytes');
  const raw = Buffer.from(ciphertext, 'base64');
  if (raw.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', keyBytes, Buffer.from(iv, 'utf8'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

export type V2SignType = 'MD5' | 'HMAC-SHA256';

/** API v2 sign: non-empty fields except `sign`, sorted by name, `k=v&...&key=<key>`, MD5 or HMAC-SHA256, uppercase hex. */
export function v2Sign(fields: Record<string, string>, key: string, type: V2SignType): string {
  const text =
    Object.keys(fields)
      .filter((k) => k !== 'sign' && fields[k] !== undefined && fields[k] !== '')
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&') + `&key=${key}`;
  const digest =
    type === 'HMAC-SHA256'
      ? createHmac('sha256', key).update(text, 'utf8').digest('hex')
      : createHash('md5').update(text, 'utf8').digest('hex');
  return digest.toUpperCase();
}

export function v2SignMatches(fields: Record<string, string>, key: string, type: V2SignType): boolean {
  const given = Buffer.from(fields.sign ?? '', 'utf8');
  const expected = Buffer.from(v2Sign(fields, key, type), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** `<xml><k><![CDATA[v]]></k>...</xml>`, WeChat's flat v2 document. */
export function toXml(fields: Record<string, string | number | undefined>): string {
  let out = '<xml>';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === '') continue;
    const text = String(v);
    out += text.includes(']]>')
      ? `<${k}>${text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c])}</${k}>`
      : `<${k}><![CDATA[${text}]]></${k}>`;
  }
  return out + '</xml>';
}

/**
 * Parses a flat v2 XML document into fields; undefined if it is not one (nested elements,
 * a DOCTYPE or entity declaration, anything but `<xml>` at the root).
 */
export function parseXml(text: string): Record<string, string> | undefined {
  const doc = text
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?xml[^>]*\?>/, '')
    .trim();
  if (/<!DOCTYPE|<!ENTITY/i.test(doc)) return undefined;
  const root = /^<xml>([\s\S]*)<\/xml>$/.exec(doc);
  if (!root) return undefined;
  const fields: Record<string, string> = Object.create(null);
  const re = /\s*<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>\s*/y;
  let index = 0;
  const body = root[1];
  while (index < body.length) {
    re.lastIndex = index;
    const m = re.exec(body);
    if (!m) {
      if (body.slice(index).trim() === '') break;
      return undefined;
    }
    const value = m[2] ?? decodeEntities(m[3] ?? '');
    fields[m[1]] = value;
    index = re.lastIndex;
  }
  return { ...fields };
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!,
  );
}

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

/** RFC 3339 in China Standard Time, as WeChat writes times: 2018-06-08T10:34:56+08:00. */
export function rfc3339Cst(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19) + '+08:00';
}

/** v2 times: yyyyMMddHHmmss in China Standard Time. */
export function compactCst(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, '');
}

export function parseCompactCst(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!m) return undefined;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
}

export function parseRfc3339(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
