import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';

/**
 * Parsed keys by their text: node re-parses a key given as text on every sign and verify,
 * which costs more than the RSA itself, and a simulator signs with the same few keys.
 * (The simulators keep their own cache: they share no code with the gateway's clients.)
 */
const parsed = new Map<string, KeyObject>();
const MAX = 256;

function cached(text: string, make: (text: string) => KeyObject): KeyObject {
  let key = parsed.get(text);
  if (!key) {
    key = make(text);
    if (parsed.size >= MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(text, key);
  }
  return key;
}

/** A public key as PEM or as the bare base64 of its SPKI DER ("MIIBIjANBg..."). */
export function toPublicKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  if (text.includes('-----BEGIN')) return cached(text, (pem) => createPublicKey(pem));
  return cached(text, (b64) =>
    createPublicKey({ key: Buffer.from(b64.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' }),
  );
}

/** A private key as PEM or as the bare base64 of its PKCS#8 DER. */
export function toPrivateKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  if (text.includes('-----BEGIN')) return cached(text, (pem) => createPrivateKey(pem));
  return cached(text, (b64) =>
    createPrivateKey({ key: Buffer.from(b64.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' }),
  );
}
