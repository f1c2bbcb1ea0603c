import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/**
 * Wire codec of the `store` dialect (/mct1, document sections 2.2 to 2.5):
 * - `data` is hex(AES-256-ECB/PKCS5(JSON)), the key being the 32 ASCII bytes of the
 *   store's open_key. Clients send lowercase hex, the document prints uppercase: both decode.
 * - `sign` is md5hex(sha1hex("k=v&k=v...")) over every field but `sign`, plus `open_key`,
 *   sorted by key in ASCII order, raw (not URL-encoded) values. The document's worked
 *   example (open_key 0828e837...) yields 915be5aff09f2686870e1d17e93b3542, and its `data`
 *   3304A5EC2CDEB4D12ED3338B5C01BF6B decrypts to `{"pmt_type":0}`.
 * Responses and notifications are signed the same way over their own top-level fields.
 */

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function aesKey(openKey: string): Buffer {
  const key = Buffer.from(openKey, 'latin1');
  if (key.length !== 32 || !/^[\x20-\x7e]{32}$/.test(openKey)) {
    throw new RangeError('open_key must be 32 ASCII characters (the AES-256 key)');
  }
  return key;
}

export function encryptData(plaintext: string, openKey: string): string {
  const cipher = createCipheriv('aes-256-ecb', aesKey(openKey), null);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('hex');
}

/** Lowercase or uppercase hex in; the UTF-8 plaintext out, or null when it does not decrypt. */
export function decryptData(hex: string, openKey: string): string | null {
  if (!HEX.test(hex) || (hex.length / 2) % 16 !== 0) return null;
  try {
    const decipher = createDecipheriv('aes-256-ecb', aesKey(openKey), null);
    const plain = Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]);
    const text = plain.toString('utf8');
    // A wrong key passes the padding check about once in 256 tries; invalid UTF-8 gives it away.
    if (!Buffer.from(text, 'utf8').equals(plain)) return null;
    return text;
  } catch {
    return null;
  }
}

export type SignValue = string | number | boolean | null | undefined;

/**
 * The string that is hashed: `open_key` joins the fields, `sign` never does. null and
 * undefined are written as empty values, the way PHP's string conversion writes them.
 */
export function signingString(fields: Record<string, SignValue>, openKey: string): string {
  const all: Record<string, SignValue> = { ...fields, open_key: openKey };
  delete all.sign;
  return Object.keys(all)
    .sort()
    .map((k) => `${k}=${stringify(all[k])}`)
    .join('&');
}

function stringify(value: SignValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return '1';
  return String(value);
}

export const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');
export const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export function sign(fields: Record<string, SignValue>, openKey: string): string {
  return md5Hex(sha1Hex(signingString(fields, openKey)));
}

/** Constant-time comparison; the client's sign may be in either case. */
export function verifySign(fields: Record<string, SignValue>, given: string, openKey: string): boolean {
  const expected = Buffer.from(sign(fields, openKey), 'latin1');
  const actual = Buffer.from(given.toLowerCase(), 'latin1');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
