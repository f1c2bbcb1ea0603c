import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { credentialBySecret } from '../../core/apps/credential-cache.js';
import type { Credential } from '../../core/apps/credentials.js';
import type { Core } from '../../core/context.js';
import { claimSignedRequest, releaseSignedRequest } from '../../core/auth/request-replay.js';
import { JuheError } from '../../domain/errors.js';
import { verifySha1WithRsa } from './signature.js';
import { requestMessage, signedTarget } from './signed-headers.js';

/**
 * Paymax authentication, in the scheme each request uses (detected per request):
 * - `Authorization: <secret key>` names the app and mode in both (the key is looked up by its
 *   hash; it is never stored in the clear). Missing or blank: SECRET_KEY_IS_BLANK; unknown or
 *   revoked: SECRET_KEY_IS_INVALID.
 * - The 2016 document's scheme (no `nonce`/`timestamp` headers): a POST carries
 *   `sign: base64(SHA1withRSA(raw body bytes, merchant private key))`; a GET has no body and no
 *   sign (a `sign` header on it is ignored). Answers are the `res_data` envelope.
 * - The July-2016 scheme (`nonce` and `timestamp` headers, signed-headers.ts): every request
 *   is signed over method, path, query, nonce, timestamp, secret key and body; the timestamp
 *   must be within 5 minutes of our clock and the nonce new within that window. Answers are
 *   the bare object, signed in response headers.
 */
export type PaymaxScheme = 'body-2016' | 'headers-2016-07';

export interface PaymaxCaller {
  credential: Credential<'paymax'>;
  scheme: PaymaxScheme;
  /** The Authorization header as sent: a July-2016 answer echoes it and signs over it. */
  secretKey: string;
  /** The raw request body (empty for a GET). */
  raw: Buffer;
}

/** How far a July-2016 request's timestamp may be from our clock, either way; also how long its nonce is kept. */
export const REQUEST_WINDOW_MS = 5 * 60 * 1000;

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

/**
 * Authenticates a request in its own scheme. `bodySigned`: the 2016 scheme signs this
 * route's body (POST); the July-2016 scheme signs every request.
 */
export async function authenticateRequest(
  core: Core,
  request: FastifyRequest,
  { bodySigned }: { bodySigned: boolean },
): Promise<PaymaxCaller> {
  const credential = await authenticate(core, request);
  const secretKey = secretKeyOf(request);
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const nonce = single(request.headers.nonce);
  const timestamp = single(request.headers.timestamp);
  if (nonce === undefined && timestamp === undefined) {
    if (bodySigned) checkRequestSign(credential, request, raw);
    return { credential, scheme: 'body-2016', secretKey, raw };
  }
  await checkHeaderSignedRequest(core, credential, request, { nonce, timestamp, raw });
  return { credential, scheme: 'headers-2016-07', secretKey, raw };
}

const NONCE = /^[\x21-\x7e]{1,128}$/;
const TIMESTAMP = /^\d{1,16}$/;

async function checkHeaderSignedRequest(
  core: Core,
  credential: Credential<'paymax'>,
  request: FastifyRequest,
  { nonce, timestamp, raw }: { nonce?: string; timestamp?: string; raw: Buffer },
): Promise<void> {
  if (nonce === undefined || !NONCE.test(nonce)) {
    throw new JuheError('invalid_signature', 'the nonce header must be 1-128 visible ASCII characters');
  }
  if (timestamp === undefined || !TIMESTAMP.test(timestamp)) {
    throw new JuheError('invalid_signature', 'the timestamp header must be milliseconds since the epoch');
  }
  const sign = single(request.headers.sign);
  if (!sign || !sign.trim()) throw new JuheError('invalid_signature', 'the sign header is missing');
  const publicKey = merchantKeyOf(credential);
  const { path, query } = signedTarget(request.raw.url ?? request.url);
  const message = requestMessage({
    method: request.method,
    path,
    query,
    nonce,
    timestamp,
    authorization: single(request.headers.authorization) ?? '',
    body: raw,
  });
  if (!verifySha1WithRsa(message, sign, publicKey)) {
    throw new JuheError(
      'invalid_signature',
      'sign is not SHA1withRSA of method, path, query, nonce, timestamp, Authorization and body under the registered merchant key',
    );
  }
  const sentAt = Number(timestamp);
  const now = core.clock.now().getTime();
  if (Math.abs(now - sentAt) > REQUEST_WINDOW_MS) {
    throw new JuheError(
      'stale_timestamp',
      `timestamp ${timestamp} is more than 5 minutes from the server time ${now}`,
    );
  }
  // Kept until the timestamp itself leaves the window: after that the check above refuses it.
  const claimed = await claimSignedRequest(
    core,
    replayScope(credential),
    `nonce:${nonce}`,
    new Date(sentAt + REQUEST_WINDOW_MS),
  );
  if (!claimed) throw new JuheError('request_replayed', `nonce ${nonce} was already used`);
}

/**
 * The 2016 scheme has no nonce and its sign covers the body only, so a captured refund
 * request replays as a new refund each time. A refund request is therefore refused when the
 * same signature reached the same route within the window (README: a deviation); creates need
 * no guard, their order_no already makes a replay ORDER_NO_DUPLICATE. Returns the release to
 * call when the request is refused after all, so that sending it again is no replay.
 */
export async function claimBodySignedRequest(
  core: Core,
  caller: PaymaxCaller,
  request: FastifyRequest,
): Promise<() => Promise<void>> {
  const sign = (single(request.headers.sign) ?? '').replace(/\s+/g, '');
  const { path } = signedTarget(request.raw.url ?? request.url);
  const key = `sign:${createHash('sha256').update(`${request.method} ${path} ${sign}`).digest('hex')}`;
  const scope = replayScope(caller.credential);
  const acceptableUntil = new Date(core.clock.now().getTime() + REQUEST_WINDOW_MS);
  if (!(await claimSignedRequest(core, scope, key, acceptableUntil))) {
    throw new JuheError(
      'request_replayed',
      'this signed request was already received within the last 5 minutes (vary the description to refund the same amount again)',
    );
  }
  return () => releaseSignedRequest(core, scope, key);
}

function replayScope(credential: Credential<'paymax'>): string {
  return `paymax:${credential.appId}:${credential.livemode ? 'live' : 'test'}`;
}

export function checkRequestSign(
  credential: Credential<'paymax'>,
  request: FastifyRequest,
  raw: Buffer,
): void {
  const sign = single(request.headers.sign);
  if (!sign || !sign.trim()) throw new JuheError('invalid_signature', 'the sign header is missing');
  if (!verifySha1WithRsa(raw, sign, merchantKeyOf(credential))) {
    throw new JuheError(
      'invalid_signature',
      'sign is not SHA1withRSA of the raw request body under the registered merchant key',
    );
  }
}

function merchantKeyOf(credential: Credential<'paymax'>): string {
  const publicKey = credential.attrs.merchantPublicKeyPem;
  if (typeof publicKey !== 'string' || !publicKey) {
    throw new JuheError('invalid_signature', 'no merchant public key is registered for this app');
  }
  return publicKey;
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
