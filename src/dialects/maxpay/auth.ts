import { createHash, timingSafeEqual } from 'node:crypto';
import { credentialByPublicId } from '../../core/apps/credential-cache.js';
import type { Credential } from '../../core/apps/credentials.js';
import type { Core } from '../../core/context.js';
import { claimSignedRequest } from '../../core/auth/request-replay.js';
import { JuheError } from '../../domain/errors.js';

/**
 * MaxPay authentication (FACTS.md lists every variant real clients send):
 *   X-ML-AppId + X-ML-Session-Token   one of the app's session tokens
 *   X-ML-AppId + X-ML-MasterKey       the app's master key (server-side clients, /records)
 *   X-ML-AppId + X-ML-Request-Sign    "md5(<ms timestamp><key>),<ms timestamp>[,master]"
 *                                     (Android SDK), e.g. "5f1d...c2,1451890938648"
 * Decisions:
 * - The master key may do everything a session token may: both endpoints accept both.
 * - Request-Sign key: with the ",master" suffix (the MaxLeap/LeanCloud convention) only the
 *   master key; without it, any of the app's session tokens or the master key. The md5 is
 *   compared case-insensitively (SDKs differ in hex case).
 * - The timestamp must lie within REQUEST_SIGN_WINDOW_MS of our clock, either side
 *   (15 minutes, as AWS SigV4 allows): phones drift, and a captured header stops working.
 * - Every credential header present must verify: a wrong session token next to a good
 *   sign is still refused, so a half-broken client fails loudly instead of by luck.
 * - Secrets are compared in constant time over their SHA-256, so length leaks nothing.
 * Unknown app ids and wrong keys get the same message (APP_INVALID), so app ids cannot be probed.
 *
 * Replays (a deviation from MaxLeap, which accepted a sign for its whole window): the sign
 * covers only a timestamp and the key, never the body or the path, so a captured header
 * would authorise any bill or records query for 15 minutes. What the protocol lets us bind
 * is the app (the key is the app's) and the moment (the timestamp): each sign value is
 * accepted once, by whichever node sees it first (core/auth/request-replay.ts, one table
 * for every node), until its window ends; a second request with it is APP_INVALID. The
 * Android SDK computes a fresh sign for every request, so honest clients never repeat one
 * (two requests in the same millisecond would: the second is refused and retried).
 */
export const REQUEST_SIGN_WINDOW_MS = 15 * 60 * 1000;

export type MaxpayAuthMethod = 'session_token' | 'master_key' | 'request_sign';

export interface MaxpayAuth {
  credential: Credential<'maxpay'>;
  /** The verified proofs, e.g. ['request_sign']. */
  methods: MaxpayAuthMethod[];
  /** Whether the master key was proven (header or ",master" sign). */
  master: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) {
    throw new JuheError('invalid_credentials', `The ${name} header was sent more than once`);
  }
  return value === undefined || value === '' ? undefined : value;
}

export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The header value an SDK sends: `md5(ts + key),ts` (`,master` when key is the master key). */
export function requestSign(key: string, timestampMs: number, master = false): string {
  return `${md5Hex(`${timestampMs}${key}`)},${timestampMs}${master ? ',master' : ''}`;
}

export interface ParsedRequestSign {
  md5: string;
  timestampMs: number;
  master: boolean;
}

export function parseRequestSign(value: string): ParsedRequestSign {
  const match = /^([0-9a-fA-F]{32}),(\d{10,16})(,master)?$/.exec(value.trim());
  if (!match) {
    throw new JuheError(
      'invalid_signature',
      'X-ML-Request-Sign must be "md5(timestamp + key),timestamp" with a millisecond timestamp',
    );
  }
  return { md5: match[1].toLowerCase(), timestampMs: Number(match[2]), master: match[3] !== undefined };
}

/** Verifies a request sign against the credential; returns whether the master key signed it. */
export function verifyRequestSign(
  value: string,
  secrets: { masterKey: string; sessionTokens: string[] },
  now: Date,
): { master: boolean } {
  const sign = parseRequestSign(value);
  if (Math.abs(now.getTime() - sign.timestampMs) > REQUEST_SIGN_WINDOW_MS) {
    throw new JuheError(
      'stale_timestamp',
      `X-ML-Request-Sign timestamp is more than ${REQUEST_SIGN_WINDOW_MS / 60000} minutes from server time`,
    );
  }
  const keys = sign.master ? [secrets.masterKey] : [...secrets.sessionTokens, secrets.masterKey];
  // Check every key (no early exit), so timing says nothing about which one matched.
  let matched: string | undefined;
  for (const key of keys) {
    if (secretEquals(sign.md5, md5Hex(`${sign.timestampMs}${key}`)) && matched === undefined) matched = key;
  }
  if (matched === undefined) throw new JuheError('invalid_signature', 'X-ML-Request-Sign does not match');
  return { master: matched === secrets.masterKey };
}

/** Accepts a verified sign value once within its window, across nodes; refuses it after. */
async function claimRequestSign(core: Core, credential: Credential<'maxpay'>, value: string): Promise<void> {
  const { md5, timestampMs, master } = parseRequestSign(value);
  const scope = `maxpay:${credential.appId}:${credential.livemode ? 'live' : 'test'}`;
  const key = `request_sign:${md5},${timestampMs}${master ? ',master' : ''}`;
  const until = new Date(timestampMs + REQUEST_SIGN_WINDOW_MS);
  if (!(await claimSignedRequest(core, scope, key, until))) {
    throw new JuheError(
      'invalid_signature',
      'This X-ML-Request-Sign was already used: compute a new one (fresh timestamp) for every request',
    );
  }
}

const BAD_CREDENTIALS = 'The X-ML-AppId and its key do not match';

export async function authenticate(core: Core, headers: Headers): Promise<MaxpayAuth> {
  const appId = header(headers, 'x-ml-appid');
  if (!appId) throw new JuheError('unauthenticated', 'The X-ML-AppId header is required');
  const sessionToken = header(headers, 'x-ml-session-token');
  const masterKey = header(headers, 'x-ml-masterkey');
  const sign = header(headers, 'x-ml-request-sign');
  if (!sessionToken && !masterKey && !sign) {
    throw new JuheError(
      'unauthenticated',
      'One of X-ML-Session-Token, X-ML-MasterKey or X-ML-Request-Sign is required',
    );
  }
  const credential = await credentialByPublicId(core, 'maxpay', appId);
  if (!credential) {
    // Spend the same hashing work as a real check before answering.
    secretEquals(sessionToken ?? masterKey ?? sign ?? '', appId);
    throw new JuheError('invalid_credentials', BAD_CREDENTIALS);
  }
  const { secrets } = credential;
  const methods: MaxpayAuthMethod[] = [];
  let master = false;
  if (sessionToken !== undefined) {
    let ok = false;
    for (const token of secrets.sessionTokens) ok = secretEquals(sessionToken, token) || ok;
    if (!ok) throw new JuheError('invalid_credentials', BAD_CREDENTIALS);
    methods.push('session_token');
  }
  if (masterKey !== undefined) {
    if (!secretEquals(masterKey, secrets.masterKey))
      throw new JuheError('invalid_credentials', BAD_CREDENTIALS);
    methods.push('master_key');
    master = true;
  }
  if (sign !== undefined) {
    const verified = verifyRequestSign(sign, secrets, core.clock.now());
    await claimRequestSign(core, credential, sign);
    methods.push('request_sign');
    master = master || verified.master;
  }
  return { credential, methods, master };
}
