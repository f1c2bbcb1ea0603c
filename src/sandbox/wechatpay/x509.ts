import type { KeyObject } from 'node:crypto';
import { issueCertificate, randomPositiveSerial } from '../_kit/x509-chain.js';

/**
 * A self-signed end-entity certificate: the simulator's WeChat Pay platform certificate
 * (also Lakala's and PayPal's), issued by the sandbox kit's DER writer. SHA256withRSA,
 * subject = issuer, a random 20-byte serial, as WeChat's platform certificates carry.
 */
export function selfSignedCertificate(options: {
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  organization: string;
  notBefore: Date;
  notAfter: Date;
  serial?: Buffer;
}): { pem: string; serial: string } {
  const issued = issueCertificate({
    subject: [
      ['C', 'CN'],
      ['O', options.organization],
      ['CN', options.commonName],
    ],
    subjectPublicKey: options.publicKey,
    selfPrivateKey: options.privateKey,
    ca: false,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    serial: options.serial ?? randomSerial(),
  });
  return { pem: issued.pem, serial: issued.serialHex };
}

/** 20 bytes, high bit clear and first nibble non-zero: always 40 uppercase hex digits. */
export const randomSerial = (): Buffer => randomPositiveSerial(20);
