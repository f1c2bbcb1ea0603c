import { createSign, createVerify, type KeyObject, X509Certificate } from 'node:crypto';

/**
 * PayPal's webhook signature as PayPal makes it (webhooks "Verify the signature"),
 * written for the simulator apart from the connector: SHA256withRSA over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`.
 */
export const WEBHOOK_AUTH_ALGO = 'SHA256withRSA';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE, zlib's): "123456789" -> 3421780262. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const signedMessage = (
  transmissionId: string,
  time: string,
  webhookId: string,
  body: string,
): string => `${transmissionId}|${time}|${webhookId}|${crc32(body)}`;

export const signMessage = (message: string, key: KeyObject): string =>
  createSign('sha256').update(message).sign(key, 'base64');

/** The postback check: the signature against the public key of PayPal's certificate. */
export function signatureHolds(message: string, signature: string, certificatePem: string): boolean {
  try {
    const key = new X509Certificate(certificatePem).publicKey;
    return createVerify('sha256').update(message).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}
