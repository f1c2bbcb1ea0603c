import type { FastifyRequest } from 'fastify';
import { credentialBySecret } from '../../core/apps/credential-cache.js';
import type { Credential } from '../../core/apps/credentials.js';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { verifySha1WithRsa } from './signature.js';

/**
 * Paymax authentication (2016 API):
 * - `Authorization: <secret key>` names the app and mode (the key is looked up by its
 *   hash; it is never stored in the clear). Missing or blank: SECRET_KEY_IS_BLANK;
 *   unknown or revoked: SECRET_KEY_IS_INVALID.
 * - POST also carries `sign: base64(SHA1withRSA(raw body bytes, merchant private key))`,
 *   checked with the merchant public key registered on the credential. GET has no body
 *   and no sign; a `sign` header on a GET (newer SDKs send one) is ignored.
 */
export function secretKeyOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (!value) throw new JuheError('unauthenticated', 'the Authorization header must carry the secret key');
  return value;
}

export async function authenticate(core: Core, request: FastifyRequest): Promise<Credential<'paymax'>> {
  const secretKey = secretKeyOf(request);
  const credential = await credentialBySecret(core, 'paymax', secretKey);
  if (!credential) throw new JuheError('invalid_credentials', 'no app has this secret key');
  return credential;
}

export function checkRequestSign(
  credential: Credential<'paymax'>,
  request: FastifyRequest,
  raw: Buffer,
): void {
  const header = request.headers.sign;
  const sign = Array.isArray(header) ? header[0] : header;
  if (!sign || !sign.trim()) throw new JuheError('invalid_signature', 'the sign header is missing');
  const publicKey = credential.attrs.merchantPublicKeyPem;
  if (typeof publicKey !== 'string' || !publicKey) {
    throw new JuheError('invalid_signature', 'no merchant public key is registered for this app');
  }
  if (!verifySha1WithRsa(raw, sign, publicKey)) {
    throw new JuheError(
      'invalid_signature',
      'sign is not SHA1withRSA of the raw request body under the registered merchant key',
    );
  }
}
