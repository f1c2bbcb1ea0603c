import { sign, verify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * Paymax (2016 API) signs raw bytes with SHA1withRSA (PKCS#1 v1.5) and carries the
 * signature base64-encoded:
 * - requests: header `sign` over the raw UTF-8 request body, merchant private key;
 * - responses: envelope field `sign` over the `res_data` string, platform private key;
 * - webhooks: header `Sign` over the raw request body, platform private key.
 * The same two functions serve all three, so the golden webhook captures in
 * specs/samples/paymax-webhook/ test exactly the code that checks merchants' requests.
 */

export { toPrivateKey, toPublicKey };

function bytes(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

/** base64(SHA1withRSA(data)); strings are signed as their UTF-8 bytes. */
export function signSha1WithRsa(data: string | Uint8Array, privateKeyPem: string): string {
  return sign('sha1', bytes(data), toPrivateKey(privateKeyPem)).toString('base64');
}

/**
 * The same signature, computed on libuv's thread pool: an RSA-2048 signature costs
 * several hundred microseconds of CPU, which on the event loop would hold up every other
 * request in the process meanwhile. Used for answers, one per request.
 */
export function signSha1WithRsaOffLoop(data: string | Uint8Array, privateKeyPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha1', bytes(data), toPrivateKey(privateKeyPem), (error, signature) =>
      error ? reject(error) : resolve(signature.toString('base64')),
    );
  });
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * True only for a well-formed base64 signature that verifies. Malformed input (missing,
 * blank, not base64, wrong length, unparsable key) is false, never an exception: a bad
 * signature is the caller's 401, not our 500.
 */
export function verifySha1WithRsa(
  data: string | Uint8Array,
  signatureBase64: string | undefined | null,
  publicKeyPem: string,
): boolean {
  if (typeof signatureBase64 !== 'string') return false;
  // Header values may be folded or carry stray whitespace; base64 itself never does.
  const compact = signatureBase64.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) return false;
  try {
    return verify('sha1', bytes(data), toPublicKey(publicKeyPem), Buffer.from(compact, 'base64'));
  } catch {
    return false;
  }
}
