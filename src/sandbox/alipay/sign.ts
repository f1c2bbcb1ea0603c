import { createSign, createVerify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * Alipay OpenAPI 2.0 signatures as the real gateway makes and checks them (RSA2), written
 * independently of alipay-sdk so that the SDK (the client in tests) checks the simulator,
 * not itself.
 */

/**
 * The string Alipay signs and verifies for a request or a notification: every parameter
 * except the excluded ones and empty values, sorted by key (byte order), `k=v` joined with
 * `&`, raw (decoded) values. e.g. {b: '2', a: '1', sign: 'x'} -> "a=1&b=2".
 */
export function signContent(params: Record<string, string>, exclude: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(toPrivateKey(privateKeyPem), 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(content, 'utf8')
      .verify(toPublicKey(publicKeyPem), signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * A signed gateway answer: `{"<method>_response": {...}, "sign": "..."}` where `sign` is
 * RSA2 over the exact JSON text of the inner object, which is how clients verify it
 * (they cut that text out of the raw body rather than re-serializing).
 */
export function signedResponse(
  method: string,
  payload: Record<string, unknown>,
  alipayPrivateKeyPem: string,
  key = `${method.replaceAll('.', '_')}_response`,
): string {
  const inner = JSON.stringify(payload);
  return `{"${key}":${inner},"sign":"${rsa2Sign(inner, alipayPrivateKeyPem)}"}`;
}
