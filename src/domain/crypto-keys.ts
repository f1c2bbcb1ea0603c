import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';

/**
 * Parsed keys by their text. Parsing a PEM costs more than the RSA operation it serves
 * (node re-parses a key given as a string on every sign and verify), and the same few
 * keys sign every request: merchants', platforms', simulators'.
 */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 512;

function cached(pem: string, make: (pem: string) => KeyObject): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = make(pem);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(pem, key);
  }
  return key;
}

/**
 * Merchants paste public keys as PEM or as the bare base64 of the SPKI DER (how the
 * Paymax console shows them: "MIGfMA0G..."); both are accepted.
 */
export function toPublicKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  if (text.includes('-----BEGIN')) return cached(text, (pem) => createPublicKey(pem));
  return cached(text, (b64) =>
    createPublicKey({ key: Buffer.from(b64.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' }),
  );
}

export function toPrivateKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  if (text.includes('-----BEGIN')) return cached(text, (pem) => createPrivateKey(pem));
  return cached(text, (b64) =>
    createPrivateKey({ key: Buffer.from(b64.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' }),
  );
}
