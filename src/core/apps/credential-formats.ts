import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { JuheError } from '../../domain/errors.js';

/**
 * The shapes an imported credential must have for the client that holds it to keep
 * working against Juhe. Each check names the field it refuses (`paymax.secret_key`), so an
 * operator knows which line of the import file to fix; nothing is written before all pass.
 */

function refuse(field: string, expected: string): never {
  throw new JuheError('invalid_parameter', `${field} must be ${expected}`, field);
}

/**
 * Ids that travel in headers, URLs and signed form fields: letters, digits, `_` and `-`
 * (MaxLeap app ids are 24 hex digits, Paymax app keys `app_...`, a store's open_id 32
 * hex digits, the unified document's domainCode `test`).
 */
export function publicIdOf(field: string, value: unknown, max = 64): string {
  if (typeof value !== 'string' || !new RegExp(`^[A-Za-z0-9_-]{1,${max}}$`).test(value))
    refuse(field, `1 to ${max} letters, digits, "_" or "-"`);
  return value;
}

/**
 * Secrets clients send in a header or mix into a signature: printable ASCII without
 * spaces (a header value is trimmed, so a space at either end could never match).
 */
export function secretOf(field: string, value: unknown, min: number, max = 128): string {
  if (typeof value !== 'string' || !new RegExp(`^[\\x21-\\x7e]{${min},${max}}$`).test(value))
    refuse(field, `${min} to ${max} printable ASCII characters without spaces`);
  return value;
}

/** The store's open_key: its 32 ASCII bytes are the AES-256 key (document 2.3). */
export function openKeyOf(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{32}$/.test(value))
    refuse(field, 'exactly 32 printable ASCII characters (the AES-256 key)');
  return value;
}

/** What the store's clients send as shop_pass: sha1hex of the supervisor password. */
export function sha1HexOf(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{40}$/.test(value)) refuse(field, '40 hex digits (sha1)');
  return value.toLowerCase();
}

export function passwordOf(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length < 4 || value.length > 64) refuse(field, '4 to 64 characters');
  return value;
}

const der = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'base64');

/** The first parse that succeeds, or undefined. */
function firstParse(attempts: (() => KeyObject)[]): KeyObject | undefined {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // the next format
    }
  }
  return undefined;
}

const MIN_RSA_BITS = 1024;

function requireRsa(field: string, key: KeyObject | undefined, what: string): KeyObject {
  if (!key || key.asymmetricKeyType !== 'rsa') refuse(field, `an RSA ${what} (PEM, or base64 DER)`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) refuse(field, `an RSA ${what} of at least ${MIN_RSA_BITS} bits`);
  return key;
}

/**
 * An RSA public key as Paymax consoles and SDKs hand them out: PEM (`PUBLIC KEY` or
 * `RSA PUBLIC KEY`), or the bare base64 of the DER, SPKI ("MIGfMA0G...") or PKCS#1
 * ("MIGJAoGB..."). Returned as SPKI PEM, the one form every verifier here reads.
 */
export function rsaPublicKeyOf(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    refuse(field, 'an RSA public key (PEM, or base64 DER)');
  const text = value.trim();
  const key = text.includes('-----BEGIN')
    ? firstParse([() => createPublicKey(text)])
    : firstParse([
        () => createPublicKey({ key: der(text), format: 'der', type: 'spki' }),
        () => createPublicKey({ key: der(text), format: 'der', type: 'pkcs1' }),
      ]);
  // A private key parses as a public one too (its public half): refuse it, it must not be shared.
  if (key && text.includes('PRIVATE KEY')) refuse(field, 'a public key, not a private one');
  return requireRsa(field, key, 'public key').export({ type: 'spki', format: 'pem' }).toString();
}

/** An RSA private key: PEM (PKCS#8 or PKCS#1), or base64 DER of either; returned as PKCS#8 PEM. */
export function rsaPrivateKeyOf(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    refuse(field, 'an RSA private key (PEM, or base64 DER)');
  const text = value.trim();
  const key = text.includes('-----BEGIN')
    ? firstParse([() => createPrivateKey(text)])
    : firstParse([
        () => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs8' }),
        () => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs1' }),
      ]);
  return requireRsa(field, key, 'private key').export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Refuses a key pair whose halves do not belong together: answers signed with it would never verify. */
export function assertKeyPair(field: string, privateKeyPem: string, publicKeyPem: string): void {
  const derived = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  const given = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  if (!derived.equals(given)) refuse(field, 'the public half of the given private key');
}
