import type { ChannelConfig } from '../_kit/connector.js';
import { readablePrivateKey, unreadableSecret } from '../_kit/config-keys.js';
import { JuheError } from '../../domain/errors.js';
import { authorization, certificatesBySerial, envelope, responseProblem } from './protocol.js';
import { SANDBOX_CONFIG_ID } from '../_kit/parse-notification-kit.js';

export const PRODUCTION_BASE_URL = 'https://s2.lakala.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The notify path's config segment for the simulator's default merchant (test mode, no config). */
export { SANDBOX_CONFIG_ID };

/** Everything a Lakala call needs, from a channel config or the simulator's default merchant. */
export interface Merchant {
  configId: string;
  appid: string;
  serialNo: string;
  merchantNo: string;
  termNo: string;
  privateKeyPem: string;
  /** Lakala platform certificates by lowercase hex serial. */
  platformCerts: Record<string, string>;
  /** Without the /api/v3/... path, e.g. https://s2.lakala.com or https://test.wsmsd.cn/sit. */
  baseUrl: string;
  timeoutMs: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The merchant of a call, from its channel config (null: none configured, refused). */
export function merchantFor(config: ChannelConfig | null): Merchant {
  const given = config;
  if (given) {
    const config = given;
    const s = config.settings;
    const secrets = config.secrets;
    if (
      !str(s.appid) ||
      !str(s.serial_no) ||
      !str(s.merchant_no) ||
      !secrets.private_key ||
      !secrets.platform_certificate
    ) {
      throw new JuheError(
        'channel_not_available',
        'The Lakala channel config needs settings appid, serial_no, merchant_no (and term_no for refunds) and secrets private_key, platform_certificate',
        'channel',
      );
    }
    let platformCerts: Record<string, string>;
    try {
      platformCerts = certificatesBySerial(secrets.platform_certificate);
    } catch {
      platformCerts = {};
    }
    if (Object.keys(platformCerts).length === 0) {
      throw unreadableSecret('platform_certificate', 'a readable PEM certificate');
    }
    return {
      configId: config.id,
      appid: str(s.appid),
      serialNo: str(s.serial_no),
      merchantNo: str(s.merchant_no),
      termNo: str(s.term_no),
      privateKeyPem: readablePrivateKey(secrets.private_key, 'private_key'),
      platformCerts,
      baseUrl: (str(s.base_url) || PRODUCTION_BASE_URL).replace(/\/+$/, ''),
      timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : DEFAULT_TIMEOUT_MS,
    };
  }
  throw new JuheError('channel_not_available', 'Lakala is not configured for this app', 'channel');
}

/**
 * How a call ended. `answer`: Lakala answered and the answer verified (any HTTP status,
 * any code). `unknown`: no answer, a 5xx, or an answer we cannot trust: the request may
 * or may not have been processed, so only a query can tell.
 */
export type CallOutcome =
  | { kind: 'answer'; status: number; code: string; msg: string; data: Record<string, any> }
  | { kind: 'unknown'; reason: string };

/**
 * One signed POST: the envelope is serialized once and those exact bytes are signed and
 * sent; the answer's Lklapi-* signature is checked against the platform certificates
 * before anything in it is believed.
 */
export async function call(
  m: Merchant,
  path: string,
  reqData: Record<string, unknown>,
  now: Date,
): Promise<CallOutcome> {
  const body = envelope(reqData, now);
  let auth: string;
  try {
    auth = authorization(m.appid, m.serialNo, body, m.privateKeyPem);
  } catch (error) {
    throw new JuheError(
      'channel_not_available',
      `Lakala private key is not usable: ${(error as Error).message}`,
      'channel',
    );
  }
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: auth,
  };
  let answer: { status: number; headers: Record<string, any>; text: string };
  try {
    answer = await send(m, path, body, headers);
  } catch (error) {
    return { kind: 'unknown', reason: (error as Error).message || 'no answer' };
  }
  if (answer.status >= 500) return { kind: 'unknown', reason: `HTTP ${answer.status}` };
  const problem = responseProblem(answer.headers, answer.text, m.appid, m.platformCerts);
  if (problem) return { kind: 'unknown', reason: problem };
  let parsed: any;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    return { kind: 'unknown', reason: 'answer is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || typeof parsed.code !== 'string') {
    return { kind: 'unknown', reason: 'answer has no code' };
  }
  const data = parsed.resp_data && typeof parsed.resp_data === 'object' ? parsed.resp_data : {};
  return { kind: 'answer', status: answer.status, code: parsed.code, msg: str(parsed.msg), data };
}

async function send(
  m: Merchant,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, any>; text: string }> {
  const res = await fetch(m.baseUrl + path, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(m.timeoutMs),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
}
