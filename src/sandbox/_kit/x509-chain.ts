import { type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * X.509 v3 certificates written in DER by hand (node:crypto parses and verifies certificates
 * but cannot issue them), for simulators whose provider verifies a certificate chain: a root
 * CA signs an intermediate CA, which signs the provider's signing certificate, as UnionPay's
 * ACP 5.1.0 does (root -> middle -> the certificate sent in `signPubKeyCert`).
 *
 * SHA256withRSA throughout; CA certificates carry a critical basicConstraints cA=TRUE and
 * keyUsage keyCertSign|cRLSign, leaf certificates basicConstraints cA=FALSE and keyUsage
 * digitalSignature|nonRepudiation, which is what a PKIX path check (or OpenSSL's
 * X509_check_issued) looks at.
 */

/** One relative distinguished name per entry, in order: [['C', 'CN'], ['O', 'UnionPay'], ['CN', '...']]. */
export type DistinguishedName = ReadonlyArray<readonly [NameAttribute, string]>;
export type NameAttribute = 'C' | 'O' | 'OU' | 'CN';

export interface IssueOptions {
  subject: DistinguishedName;
  subjectPublicKey: KeyObject;
  /** The issuer's name and key; omitted for a self-signed root (subject and subject key sign). */
  issuer?: { name: DistinguishedName; privateKey: KeyObject };
  /** The subject's own private key: required for a self-signed certificate. */
  selfPrivateKey?: KeyObject;
  ca: boolean;
  notBefore: Date;
  notAfter: Date;
  /** Big-endian serial; a positive integer. Default: 8 random bytes. */
  serial?: Buffer;
}

export interface IssuedCertificate {
  pem: string;
  /** Serial as Node's X509Certificate prints it: uppercase hex. */
  serialHex: string;
  /** Serial as a decimal string: UnionPay's certId (Java's BigInteger.toString()). */
  serialDecimal: string;
}

const ATTRIBUTE_OID: Record<NameAttribute, string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};

export function issueCertificate(options: IssueOptions): IssuedCertificate {
  const serial = options.serial ?? randomPositiveSerial(8);
  const signer = options.issuer?.privateKey ?? options.selfPrivateKey;
  if (!signer) throw new Error('issueCertificate: a self-signed certificate needs selfPrivateKey');
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), tlv(0x05));
  const subject = encodeName(options.subject);
  const issuer = options.issuer ? encodeName(options.issuer.name) : subject;
  const spki = options.subjectPublicKey.export({ type: 'spki', format: 'der' });
  const extensions = tlv(
    0xa3,
    seq(
      extension('2.5.29.19', true, options.ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()),
      // keyUsage BIT STRING: CA keyCertSign(5)+cRLSign(6) = 0x06 with 1 unused bit;
      // leaf digitalSignature(0)+nonRepudiation(1) = 0xc0 with 6 unused bits.
      extension(
        '2.5.29.15',
        true,
        options.ca ? tlv(0x03, Buffer.from([0x01, 0x06])) : tlv(0x03, Buffer.from([0x06, 0xc0])),
      ),
    ),
  );
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    issuer,
    seq(time(options.notBefore), time(options.notAfter)),
    subject,
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, signer);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  const unsigned = trimInteger(serial);
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    serialHex: unsigned.toString('hex').toUpperCase(),
    serialDecimal: BigInt('0x' + unsigned.toString('hex')).toString(10),
  };
}

/** `bytes` random bytes with the high bit clear and a non-zero first byte: a positive serial of fixed width. */
export function randomPositiveSerial(bytes: number): Buffer {
  const serial = randomBytes(bytes);
  serial[0] = 0x10 + (serial[0] % 0x70);
  return serial;
}

function encodeName(name: DistinguishedName): Buffer {
  return seq(
    ...name.map(([attribute, value]) =>
      set(
        seq(
          oid(ATTRIBUTE_OID[attribute]),
          attribute === 'C' ? tlv(0x13, Buffer.from(value, 'ascii')) : utf8(value),
        ),
      ),
    ),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

function trimInteger(value: Buffer): Buffer {
  let v = value;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

function integer(value: Buffer): Buffer {
  let v = trimInteger(value);
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const digits = date.toISOString().slice(0, 19).replace(/\D/g, '');
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2) + 'Z'))
    : tlv(0x18, Buffer.from(digits + 'Z'));
}
