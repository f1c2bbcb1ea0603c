import { type KeyObject, X509Certificate, randomInt, sign, verify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * Lakala open platform API v3 (开放平台), the pure part: request envelopes, the
 * `LKLAPI-SHA256withRSA` Authorization header, response and notification signatures, and
 * the yyyyMMddHHmmss times (China Standard Time). No I/O here, so the connector, the
 * simulator and the tests share one definition of every signed message.
 */
export const SCHEMA = 'LKLAPI-SHA256withRSA';
export const API_VERSION = '3.0';
/** Success code of the cashier (ccss) endpoints. */
export const CCSS_OK = '000000';
/** Success code of the aggregated-scan (labs) endpoints: refund and refund query. */
export const LABS_OK = 'BBS00000';
/** labs codes that mean "still being processed, ask again" rather than a refusal. */
export const LABS_IN_PROGRESS = ['BBS10000', 'BBS11105', 'BBS11112'] as const;
/** Replay window for signed timestamps (seconds either side of the wall clock). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export const paths = {
  create: '/api/v3/ccss/counter/order/special_create',
  query: '/api/v3/ccss/counter/order/query',
  close: '/api/v3/ccss/counter/order/close',
  refund: '/api/v3/labs/relation/refund',
  refundQuery: '/api/v3/labs/query/idmrefundquery',
} as const;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumeric nonce_str (Lakala's examples use 12 characters). */
export function nonceStr(size = 12): string {
  let out = '';
  for (let i = 0; i < size; i++) out += ALNUM[randomInt(0, ALNUM.length)];
  return out;
}

/** Seconds since the epoch on the wall clock: signatures are checked against real time. */
export const wallSeconds = (): number => Math.floor(Date.now() / 1000);

const CST_OFFSET_MS = 8 * 3600 * 1000;

/** yyyyMMddHHmmss in China Standard Time, e.g. 2026-03-01T08:00:00Z -> 20260301160000. */
export function lakalaTime(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** Parses yyyyMMddHHmmss (CST); undefined for anything else, including impossible dates. */
export function parseLakalaTime(text: unknown): Date | undefined {
  if (typeof text !== 'string' || !/^\d{14}$/.test(text)) return undefined;
  const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(8, 10)}:${text.slice(10, 12)}:${text.slice(12, 14)}Z`;
  const utc = new Date(iso);
  if (Number.isNaN(utc.getTime()) || utc.toISOString().slice(0, 19) + 'Z' !== iso) return undefined;
  return new Date(utc.getTime() - CST_OFFSET_MS);
}

/** The request body every v3 endpoint takes: {req_time, version: '3.0', req_data}. */
export function envelope(reqData: Record<string, unknown>, now: Date): string {
  return JSON.stringify({ req_time: lakalaTime(now), version: API_VERSION, req_data: reqData });
}

const lines = (...pieces: string[]) => pieces.join('\n') + '\n';

/** What the merchant signs: appid\nserial_no\ntimestamp\nnonce_str\nbody\n. */
export const requestMessage = (
  appid: string,
  serialNo: string,
  timestamp: string,
  nonce: string,
  body: string,
) => lines(appid, serialNo, timestamp, nonce, body);

/** What Lakala signs on an answer: appid\nserial\ntimestamp\nnonce\nbody\n (Lklapi-* headers). */
export const responseMessage = requestMessage;

/** What Lakala signs on a notification: timestamp\nnonce_str\nbody\n. */
export const notifyMessage = (timestamp: string, nonce: string, body: string) =>
  lines(timestamp, nonce, body);

export const privateKeyOf = (pem: string | KeyObject): KeyObject =>
  typeof pem === 'string' ? toPrivateKey(pem) : pem;
export const publicKeyOf = (pem: string | KeyObject): KeyObject =>
  typeof pem === 'string' ? toPublicKey(pem) : pem;

/** Base64 SHA256withRSA (PKCS#1 v1.5). */
export function rsaSign(message: string, key: string | KeyObject): string {
  return sign('sha256', Buffer.from(message, 'utf8'), privateKeyOf(key)).toString('base64');
}

export function rsaVerify(message: string, signature: string, key: string | KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), publicKeyOf(key), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export interface RequestAuth {
  appid: string;
  serial_no: string;
  timestamp: string;
  nonce_str: string;
  signature: string;
}

/** `LKLAPI-SHA256withRSA appid="..",serial_no="..",timestamp="..",nonce_str="..",signature=".."`. */
export function authorization(
  appid: string,
  serialNo: string,
  body: string,
  privateKey: string | KeyObject,
  timestamp = String(wallSeconds()),
  nonce = nonceStr(),
): string {
  const signature = rsaSign(requestMessage(appid, serialNo, timestamp, nonce, body), privateKey);
  return `${SCHEMA} appid="${appid}",serial_no="${serialNo}",timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`;
}

/** key="value" pairs after the schema; undefined when the schema is not Lakala's. */
function authPairs(header: string | undefined): Record<string, string> | undefined {
  if (typeof header !== 'string' || !header.startsWith(SCHEMA)) return undefined;
  const pairs: Record<string, string> = {};
  for (const match of header.slice(SCHEMA.length).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    if (match[1] in pairs) return undefined; // a repeated key is ambiguous: refuse it
    pairs[match[1]] = match[2];
  }
  return pairs;
}

export function parseRequestAuth(header: string | undefined): RequestAuth | undefined {
  const p = authPairs(header);
  if (!p || !p.appid || !p.serial_no || !p.timestamp || !p.nonce_str || !p.signature) return undefined;
  return {
    appid: p.appid,
    serial_no: p.serial_no,
    timestamp: p.timestamp,
    nonce_str: p.nonce_str,
    signature: p.signature,
  };
}

export interface NotifyAuth {
  timestamp: string;
  nonce_str: string;
  signature: string;
}

/** `LKLAPI-SHA256withRSA timestamp="..",nonce_str="..",signature=".."` (notifications carry no appid). */
export function notifyAuthorization(
  body: string,
  platformKey: string | KeyObject,
  timestamp = String(wallSeconds()),
  nonce = nonceStr(),
): string {
  const signature = rsaSign(notifyMessage(timestamp, nonce, body), platformKey);
  return `${SCHEMA} timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`;
}

export function parseNotifyAuth(header: string | undefined): NotifyAuth | undefined {
  const p = authPairs(header);
  if (!p || !p.timestamp || !p.nonce_str || !p.signature) return undefined;
  return { timestamp: p.timestamp, nonce_str: p.nonce_str, signature: p.signature };
}

export const timestampFresh = (timestamp: string, now = wallSeconds()): boolean =>
  /^\d{1,12}$/.test(timestamp) && Math.abs(now - Number(timestamp)) <= MAX_CLOCK_SKEW_SECONDS;

/** The Lklapi-* response headers for `body`, signed with the platform key. */
export function responseHeaders(
  appid: string,
  platformSerial: string,
  body: string,
  platformKey: string | KeyObject,
  timestamp = String(wallSeconds()),
  nonce = nonceStr(),
): Record<string, string> {
  return {
    'Lklapi-Appid': appid,
    'Lklapi-Serial': platformSerial,
    'Lklapi-Timestamp': timestamp,
    'Lklapi-Nonce': nonce,
    'Lklapi-Signature': rsaSign(responseMessage(appid, platformSerial, timestamp, nonce, body), platformKey),
  };
}

type HeaderBag = Record<string, string | string[] | number | undefined>;
const headerOf = (headers: HeaderBag, name: string): string | undefined => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
};

/**
 * Why an answer does not verify, or undefined when it does: all five Lklapi-* headers,
 * our appid echoed, a platform serial we trust, a fresh timestamp and the signature over
 * the exact body bytes.
 */
export function responseProblem(
  headers: HeaderBag,
  body: string,
  expectedAppid: string,
  platformCerts: Record<string, string>,
): string | undefined {
  const appid = headerOf(headers, 'Lklapi-Appid');
  const serial = headerOf(headers, 'Lklapi-Serial');
  const timestamp = headerOf(headers, 'Lklapi-Timestamp');
  const nonce = headerOf(headers, 'Lklapi-Nonce');
  const signature = headerOf(headers, 'Lklapi-Signature');
  if (!appid || !serial || !timestamp || !nonce || !signature)
    return 'answer lacks Lklapi-* signature headers';
  if (appid !== expectedAppid) return 'answer is for another appid';
  const cert = platformCerts[serial.toLowerCase()];
  if (!cert) return `answer signed with unknown platform serial ${serial}`;
  if (!timestampFresh(timestamp)) return 'answer timestamp outside the allowed window';
  if (!rsaVerify(responseMessage(appid, serial, timestamp, nonce, body), signature, publicKeyOf(cert))) {
    return 'answer signature does not verify';
  }
  return undefined;
}

/** Lakala certificates keyed by lowercase hex serial (what Lklapi-Serial carries). */
export function certificatesBySerial(text: string): Record<string, string> {
  const certs: Record<string, string> = {};
  for (const block of text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    certs[new X509Certificate(block).serialNumber.toLowerCase()] = block;
  }
  return certs;
}

/**
 * Integer fen from Lakala's `long` amount, which its own examples send as a number or as a
 * digit string ("total_amount": "1"); undefined for decimals, signs, zero or leading zeros.
 */
export function fenOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value === 'string' && /^[1-9]\d{0,11}$/.test(value)) return Number(value);
  return undefined;
}
