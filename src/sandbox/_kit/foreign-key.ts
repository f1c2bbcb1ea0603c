import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * The forge fault's signer: an RSA key the merchant has never been given, made on first
 * use only (a 2048-bit key takes a noticeable moment, and most runs never forge).
 */
export function foreignKey(): () => KeyObject {
  let key: KeyObject | undefined;
  return () => (key ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}
