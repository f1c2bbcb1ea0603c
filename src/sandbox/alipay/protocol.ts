import { createSign, createVerify } from 'node:crypto';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';

/**
 * Alipay OpenAPI 2.0 wire rules as the real gateway applies them, written independently
 * of alipay-sdk so that the SDK (the client in tests) checks the simulator, not itself.
 */

/**
 * The string Alipay signs and verifies for a request or a notification: every parameter
 * except the excluded ones and empty values, sorted by key (byte order), `k=v` joined with
 * `&`, raw (decoded) values. e.g. {b: '2', a: '1', sign: 'x'} -> "a=1&b=2".
 */
export function signContent(params: Record<string, string>, exclude: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(toPrivateKey(privateKeyPem), 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(content, 'utf8')
      .verify(toPublicKey(publicKeyPem), signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * A signed gateway answer: `{"<method>_response": {...}, "sign": "..."}` where `sign` is
 * RSA2 over the exact JSON text of the inner object, which is how clients verify it
 * (they cut that text out of the raw body rather than re-serializing).
 */
export function signedResponse(
  method: string,
  payload: Record<string, unknown>,
  alipayPrivateKeyPem: string,
  key = `${method.replaceAll('.', '_')}_response`,
): string {
  const inner = JSON.stringify(payload);
  return `{"${key}":${inner},"sign":"${rsa2Sign(inner, alipayPrivateKeyPem)}"}`;
}

/** Alipay's clock is Beijing time (UTC+8, no DST): "2026-03-01 16:00:00". */
export function beijingTime(date: Date): string {
  const shifted = new Date(date.getTime() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses "yyyy-MM-dd HH:mm:ss" in Beijing time; undefined when malformed or impossible. */
export function parseBeijingTime(text: string): Date | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h - 8, mi, s));
  return beijingTime(date) === text ? date : undefined;
}

/**
 * total_amount / refund_amount: yuan with at most two decimals, > 0 and at most
 * 100000000.00 (Alipay's documented range). Returns fen, or undefined when invalid.
 * "0.01" -> 1, "12" -> 1200, "1.5" -> 150; "0", "-1", "1.001", "1e2", " 1" are invalid.
 */
export function parseYuan(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,9}(\.\d{1,2})?$/.test(text)) return undefined;
  const [whole, frac = ''] = text.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return fen > 0 && fen <= 10_000_000_000 ? fen : undefined;
}

/** Fen as Alipay writes amounts: 1 -> "0.01", 1200 -> "12.00". */
export function formatYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

export const SUCCESS = { code: '10000', msg: 'Success' } as const;

/** Gateway-level (common parameter) failures: 40001 / 40002 with isv.* sub codes. */
export function isvError(
  code: '40001' | '40002' | '40006',
  subCode: string,
  subMsg: string,
): Record<string, string> {
  const msg =
    code === '40001'
      ? 'Missing Required Arguments'
      : code === '40002'
        ? 'Invalid Arguments'
        : 'Insufficient Permissions';
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

/** Business failures: 40004 with ACQ.* sub codes. */
export function businessError(subCode: string, subMsg: string): Record<string, string> {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg };
}

export function systemError(): Record<string, string> {
  return {
    code: '20000',
    msg: 'Service Currently Unavailable',
    sub_code: 'ACQ.SYSTEM_ERROR',
    sub_msg: '系统繁忙',
  };
}
