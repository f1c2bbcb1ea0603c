import { type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A self-signed X.509 v3 certificate written in DER by hand (node:crypto parses certificates
 * but cannot issue them): the simulator's WeChat Pay platform certificate. SHA256withRSA,
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
  const serial = options.serial ?? randomSerial();
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), tlv(0x05));
  const name = seq(
    set(seq(oid('2.5.4.6'), tlv(0x13, Buffer.from('CN')))),
    set(seq(oid('2.5.4.10'), utf8(options.organization))),
    set(seq(oid('2.5.4.3'), utf8(options.commonName))),
  );
  const spki = options.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name,
    seq(time(options.notBefore), time(options.notAfter)),
    name,
    spki,
  );
  const signature = sign('sha256', tbs, options.privateKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    serial: serial.toString('hex').toUpperCase(),
  };
}

/** 20 bytes, high bit clear and first nibble non-zero: always 40 uppercase hex digits. */
export function randomSerial(): Buffer {
  const serial = randomBytes(20);
  serial[0] = 0x10 + (serial[0] % 0x70);
  return serial;
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

function integer(value: Buffer): Buffer {
  let v = value;
  while (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) v = v.subarray(1);
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
