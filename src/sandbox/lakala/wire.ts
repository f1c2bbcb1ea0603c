import { type KeyObject, randomInt, sign, verify } from 'node:crypto';
import { chinaStamp, parseChinaStamp } from '../../domain/china-time.js';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * Lakala's side of open platform API v3, written from its documents (开放平台 v3 签名规则),
 * not shared with the gateway's connector: the `LKLAPI-SHA256withRSA` Authorization it
 * verifies, the Lklapi-* headers it signs answers with, the Authorization on its
 * notifications, the yyyyMMddHHmmss China times and the API paths.
 */
export const SCHEMA = 'LKLAPI-SHA256withRSA';
/** Success code of the cashier (ccss) endpoints. */
export const CCSS_OK = '000000';
/** Success code of the aggregated-scan (labs) endpoints: refund and refund query. */
export const LABS_OK = 'BBS00000';
/** Seconds either side of the wall clock a signed timestamp may be. */
const MAX_SKEW_SECONDS = 300;

export const paths = {
  create: '/api/v3/ccss/counter/order/special_create',
  query: '/api/v3/ccss/counter/order/query',
  close: '/api/v3/ccss/counter/order/close',
  refund: '/api/v3/labs/relation/refund',
  refundQuery: '/api/v3/labs/query/idmrefundquery',
} as const;

/** yyyyMMddHHmmss, China time (req_time, resp_time, order times). */
export const lakalaTime = chinaStamp;
export const parseLakalaTime = (text: unknown): Date | undefined =>
  typeof text === 'string' ? parseChinaStamp(text) : undefined;

const wallSeconds = () => Math.floor(Date.now() / 1000);
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const nonce = () => Array.from({ length: 12 }, () => ALNUM[randomInt(0, ALNUM.length)]).join('');
/** Every signed message is its pieces, each followed by a newline. */
const message = (...pieces: string[]) => pieces.map((p) => p + '\n').join('');

export const privateKeyOf = (pem: string | KeyObject): KeyObject =>
  typeof pem === 'string' ? toPrivateKey(pem) : pem;
export const publicKeyOf = (pem: string | KeyObject): KeyObject =>
  typeof pem === 'string' ? toPublicKey(pem) : pem;

const rsaSign = (text: string, key: KeyObject) =>
  sign('sha256', Buffer.from(text, 'utf8'), key).toString('base64');

export interface RequestAuth {
  appid: string;
  serial_no: string;
  timestamp: string;
  nonce_str: string;
  signature: string;
}

/** The merchant's Authorization: every one of its five pairs, none repeated; else undefined. */
export function parseRequestAuth(header: string | undefined): RequestAuth | undefined {
  if (typeof header !== 'string' || !header.startsWith(SCHEMA)) return undefined;
  const pairs: Record<string, string> = {};
  for (const [, key, value] of header.slice(SCHEMA.length).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    if (key in pairs) return undefined;
    pairs[key] = value;
  }
  const { appid, serial_no, timestamp, nonce_str, signature } = pairs;
  if (!appid || !serial_no || !timestamp || !nonce_str || !signature) return undefined;
  return { appid, serial_no, timestamp, nonce_str, signature };
}

export const timestampFresh = (timestamp: string): boolean =>
  /^\d{1,12}$/.test(timestamp) && Math.abs(wallSeconds() - Number(timestamp)) <= MAX_SKEW_SECONDS;

/** Whether the request's signature covers appid, serial, timestamp, nonce and the exact body. */
export function requestSigned(auth: RequestAuth, body: string, merchantKey: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(auth.signature)) return false;
  const text = message(auth.appid, auth.serial_no, auth.timestamp, auth.nonce_str, body);
  try {
    return verify('sha256', Buffer.from(text, 'utf8'), merchantKey, Buffer.from(auth.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The Lklapi-* headers of an answer, signed with the platform key. */
export function answerHeaders(
  appid: string,
  serial: string,
  body: string,
  key: KeyObject,
): Record<string, string> {
  const [timestamp, nonceStr] = [String(wallSeconds()), nonce()];
  return {
    'Lklapi-Appid': appid,
    'Lklapi-Serial': serial,
    'Lklapi-Timestamp': timestamp,
    'Lklapi-Nonce': nonceStr,
    'Lklapi-Signature': rsaSign(message(appid, serial, timestamp, nonceStr, body), key),
  };
}

/** A notification's Authorization: timestamp, nonce_str and the signature over them and the body. */
export function noticeAuthorization(body: string, key: KeyObject): string {
  const [timestamp, nonceStr] = [String(wallSeconds()), nonce()];
  const signature = rsaSign(message(timestamp, nonceStr, body), key);
  return `${SCHEMA} timestamp="${timestamp}",nonce_str="${nonceStr}",signature="${signature}"`;
}

/** Integer fen as Lakala's `long` amounts come: a number or a digit string; never 0, a decimal or a sign. */
export function fenOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value === 'string' && /^[1-9]\d{0,11}$/.test(value)) return Number(value);
  return undefined;
}
