import { toPrivateKey } from '../../domain/crypto-keys.js';
import { JuheError } from '../../domain/errors.js';

/**
 * A channel config's private key text, checked when the merchant of a call is resolved,
 * not at the first signature: a key pasted wrongly (truncated, another format, a
 * certificate in its place) is then a clear configuration error,
 * `channel_certificate_invalid` (MaxPay's CERT_FILE_ERROR), not an internal error from
 * deep inside a signer. Parsed keys are cached by their text: after the first call this
 * is a lookup.
 */
export function readablePrivateKey(text: string, secret: string): string {
  try {
    toPrivateKey(text);
  } catch {
    throw unreadableSecret(secret, 'a readable private key (PEM, or base64 PKCS#8)');
  }
  return text;
}

/** The error for a configured key or certificate that cannot be read; `secret` names it. */
export function unreadableSecret(secret: string, expected: string): JuheError {
  return new JuheError(
    'channel_certificate_invalid',
    `secrets.${secret} of the channel config is not ${expected}`,
    'channel',
  );
}
