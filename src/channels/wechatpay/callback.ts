import { aesGcmDecrypt, MAX_CLOCK_SKEW_SECONDS, publicKeyOf, rsaVerify, wallSeconds } from './protocol.js';

export interface CallbackHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
  serial?: string;
}

export interface DecryptedCallback {
  id: string;
  eventType: string;
  resourceType: string;
  /** The decrypted resource: a transaction or a refund. */
  resource: Record<string, any>;
}

export class CallbackRejected extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Verifies a WeChat Pay v3 callback: all four Wechatpay-* headers present, the timestamp
 * within 5 minutes of the wall clock (the replay window), a known platform serial, and
 * RSA-SHA256 over "timestamp\nnonce\nbody\n" with that platform key. Then decrypts the
 * AEAD_AES_256_GCM resource with the API v3 key. Throws CallbackRejected otherwise.
 */
export function openCallback(
  rawBody: string,
  headers: CallbackHeaders,
  platformCerts: Record<string, string>,
  apiV3Key: string,
  nowSeconds = wallSeconds(),
): DecryptedCallback {
  const { timestamp, nonce, signature, serial } = headers;
  if (!timestamp || !nonce || !signature || !serial) {
    throw new CallbackRejected(401, 'missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial');
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    throw new CallbackRejected(401, 'Wechatpay-Timestamp outside the allowed window');
  }
  const cert = platformCerts[serial];
  if (!cert) throw new CallbackRejected(401, `unknown platform serial ${serial}`);
  if (!rsaVerify(`${timestamp}\n${nonce}\n${rawBody}\n`, signature, publicKeyOf(cert))) {
    throw new CallbackRejected(401, 'signature does not verify');
  }
  let envelope: any;
  try {
    envelope = JSON.parse(rawBody);
  } catch {
    throw new CallbackRejected(400, 'body is not JSON');
  }
  const resource = envelope?.resource;
  if (
    typeof envelope?.id !== 'string' ||
    typeof envelope?.event_type !== 'string' ||
    typeof resource?.ciphertext !== 'string' ||
    typeof resource?.nonce !== 'string' ||
    resource?.algorithm !== 'AEAD_AES_256_GCM'
  ) {
    throw new CallbackRejected(400, 'malformed callback envelope');
  }
  let plaintext: string;
  try {
    plaintext = aesGcmDecrypt(
      resource.ciphertext,
      apiV3Key,
      resource.nonce,
      String(resource.associated_data ?? ''),
    );
  } catch {
    throw new CallbackRejected(400, 'resource does not decrypt with the API v3 key');
  }
  let decrypted: unknown;
  try {
    decrypted = JSON.parse(plaintext);
  } catch {
    throw new CallbackRejected(400, 'decrypted resource is not JSON');
  }
  if (!decrypted || typeof decrypted !== 'object')
    throw new CallbackRejected(400, 'decrypted resource is not an object');
  return {
    id: envelope.id,
    eventType: envelope.event_type,
    resourceType: String(resource.original_type ?? ''),
    resource: decrypted as Record<string, any>,
  };
}
