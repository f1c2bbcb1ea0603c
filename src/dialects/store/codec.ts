import {
  type Cipher,
  type Decipher,
  createCipheriv,
  createDecipheriv,
  hash,
  timingSafeEqual,
} from 'node:crypto';

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

const BLOCK = 16;

interface EcbPair {
  encrypt: Cipher;
  decrypt: Decipher;
}

/**
 * One encrypting and one decrypting AES-256-ECB context per open_key, kept: setting a key
 * up (createCipheriv) cost more than the cipher work itself on every request and answer.
 * ECB carries no state from block to block, so with OpenSSL's padding off a context can
 * take any number of whole-block `update` calls and is never finalised; PKCS#7 padding is
 * added and checked here instead. Bounded: the least recently added key goes first.
 */
const ecbContexts = new Map<string, EcbPair>();
const MAX_KEYS = 1024;

function ecb(openKey: string): EcbPair {
  let pair = ecbContexts.get(openKey);
  if (!pair) {
    const key = aesKey(openKey);
    pair = {
      encrypt: createCipheriv('aes-256-ecb', key, null),
      decrypt: createDecipheriv('aes-256-ecb', key, null),
    };
    pair.encrypt.setAutoPadding(false);
    pair.decrypt.setAutoPadding(false);
    if (ecbContexts.size >= MAX_KEYS) ecbContexts.delete(ecbContexts.keys().next().value!);
    ecbContexts.set(openKey, pair);
  }
  return pair;
}

export function encryptData(plaintext: string, openKey: string): string {
  const text = Buffer.from(plaintext, 'utf8');
  const padLength = BLOCK - (text.length % BLOCK);
  const padded = Buffer.alloc(text.length + padLength, padLength);
  text.copy(padded);
  return ecb(openKey).encrypt.update(padded).toString('hex');
}

/** Lowercase or uppercase hex in; the UTF-8 plaintext out, or null when it does not decrypt. */
export function decryptData(hex: string, openKey: string): string | null {
  if (!HEX.test(hex) || (hex.length / 2) % BLOCK !== 0) return null;
  const padded = ecb(openKey).decrypt.update(Buffer.from(hex, 'hex'));
  // PKCS#7: the last byte says how many bytes of padding there are, each of that value.
  const padLength = padded[padded.length - 1]!;
  if (padLength < 1 || padLength > BLOCK) return null;
  for (let i = padded.length - padLength; i < padded.length; i++) if (padded[i] !== padLength) return null;
  const plain = padded.subarray(0, padded.length - padLength);
  const text = plain.toString('utf8');
  // A wrong key passes the padding check about once in 256 tries; invalid UTF-8 gives it away.
  if (!Buffer.from(text, 'utf8').equals(plain)) return null;
  return text;
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

// One-shot digests: no Hash object per call (two per signature, two signatures per request).
export const sha1Hex = (text: string) => hash('sha1', text, 'hex');
export const md5Hex = (text: string) => hash('md5', text, 'hex');

export function sign(fields: Record<string, SignValue>, openKey: string): string {
  return md5Hex(sha1Hex(signingString(fields, openKey)));
}

/** Constant-time comparison; the client's sign may be in either case. */
export function verifySign(fields: Record<string, SignValue>, given: string, openKey: string): boolean {
  const expected = Buffer.from(sign(fields, openKey), 'latin1');
  const actual = Buffer.from(given.toLowerCase(), 'latin1');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
