import { createHash } from 'node:crypto';
import type { ChannelConfig } from '../_kit/connector.js';
import { JuheError } from '../../domain/errors.js';
import { SANDBOX_CONFIG_ID } from '../_kit/parse-notification-kit.js';

export const PRODUCTION_BASE_URL = 'https://api-m.paypal.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The notify path's config segment for the simulator's default REST app (test mode, no config). */
export { SANDBOX_CONFIG_ID };

/**
 * Hosts PayPal serves webhook certificates from (PAYPAL-CERT-URL). A certificate from
 * anywhere else is never fetched: the URL arrives in an unauthenticated header.
 */
export const PAYPAL_CERT_HOSTS = [
  'api.paypal.com',
  'api-m.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.sandbox.paypal.com',
];

/** Everything a PayPal call needs, from a channel config or the simulator's default app. */
export interface PaypalMerchant {
  configId: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** REST base URL without a trailing slash: https://api-m.paypal.com, or the simulator's. */
  baseUrl: string;
  timeoutMs: number;
  /** offline: check the signature here with the certificate; postback: ask verify-webhook-signature. */
  verification: 'offline' | 'postback';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const trim = (url: string) => url.replace(/\/+$/, '');

/** The REST app of a call, from its channel config (null: none configured, refused). */
export function paypalMerchantFor(config: ChannelConfig | null): PaypalMerchant {
  const given = config;
  if (given) {
    const config = given;
    const s = config.settings;
    const clientId = str(s.client_id);
    const webhookId = str(s.webhook_id);
    if (!clientId || !webhookId || !config.secrets.client_secret) {
      throw new JuheError(
        'channel_not_available',
        'The PayPal channel config needs settings client_id, webhook_id and secrets client_secret',
        'channel',
      );
    }
    const baseUrl = trim(str(s.base_url) || PRODUCTION_BASE_URL);
    return {
      configId: config.id,
      clientId,
      clientSecret: config.secrets.client_secret,
      webhookId,
      baseUrl,
      timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : DEFAULT_TIMEOUT_MS,
      verification: s.webhook_verification === 'postback' ? 'postback' : 'offline',
    };
  }
  throw new JuheError('channel_not_available', 'PayPal is not configured for this app', 'channel');
}

/**
 * Where a webhook certificate may come from: one of PayPal's hosts over https, or the REST
 * base URL this app talks to (the simulator in test mode); always under
 * /v1/notifications/certs/. Credentials, queries and fragments are refused outright.
 */
export function certUrlAllowed(m: PaypalMerchant, certUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return false;
  }
  if (url.username || url.password || url.search || url.hash) return false;
  const certsPath = '/v1/notifications/certs/';
  if (url.protocol === 'https:' && url.port === '' && PAYPAL_CERT_HOSTS.includes(url.hostname)) {
    return url.pathname.startsWith(certsPath);
  }
  const base = new URL(m.baseUrl);
  return url.origin === base.origin && url.pathname.startsWith(base.pathname.replace(/\/+$/, '') + certsPath);
}

// ---- transport -------------------------------------------------------------------------------

export interface PaypalResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

/** No answer (timeout, connection refused, reset): the outcome upstream is unknown. */
export class PaypalTransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One HTTP exchange with PayPal (or the simulator at the merchant's base URL). */
export async function send(
  m: PaypalMerchant,
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
): Promise<PaypalResponse> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(m.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const name = (error as Error)?.name;
    throw new PaypalTransportError(
      (error as Error)?.message ?? 'network error',
      name === 'TimeoutError' || name === 'AbortError',
    );
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  return { status: response.status, headers, text, json: parse(text) };
}

// ---- OAuth 2.0 client credentials, with a token cache ----------------------------------------

interface CachedToken {
  token: string;
  /** Wall-clock ms after which the token is not used (a minute before PayPal's expiry). */
  usableUntil: number;
}
const tokens = new Map<string, CachedToken>();
// The secret is part of the key (hashed): a config with the right id but a wrong secret never rides on another's token.
const cacheKey = (m: PaypalMerchant) =>
  `${m.baseUrl}|${m.clientId}|${createHash('sha256').update(m.clientSecret).digest('base64url')}`;

/** PayPal refused the client credentials (401 invalid_client): a config error, not an upstream outcome. */
export class PaypalAuthError extends Error {}

/**
 * An access token for the app: the cached one while it lives, else POST /v1/oauth2/token
 * with HTTP Basic client_id:secret and grant_type=client_credentials.
 */
export async function accessToken(m: PaypalMerchant, fresh = false): Promise<string> {
  const key = cacheKey(m);
  const cached = tokens.get(key);
  if (!fresh && cached && cached.usableUntil > Date.now()) return cached.token;
  const answer = await send(m, {
    method: 'POST',
    url: `${m.baseUrl}/v1/oauth2/token`,
    headers: {
      authorization: `Basic ${Buffer.from(`${m.clientId}:${m.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: 'grant_type=client_credentials',
  });
  if (answer.status === 401 || answer.status === 403) {
    throw new PaypalAuthError(
      `PayPal refused the client credentials: ${answer.json?.error ?? answer.status}`,
    );
  }
  const token = answer.json?.access_token;
  const expiresIn = Number(answer.json?.expires_in);
  if (answer.status !== 200 || typeof token !== 'string' || !token) {
    throw new PaypalTransportError(`token endpoint answered HTTP ${answer.status}`, false);
  }
  const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 0;
  tokens.set(key, { token, usableUntil: Date.now() + Math.max(0, lifetimeMs - 60_000) });
  return token;
}

/** Forgets every cached token (tests; a rotated secret). */
export function forgetPaypalTokens(): void {
  tokens.clear();
}

/**
 * A REST call with a bearer token. A 401 invalid_token (expired or revoked early) drops the
 * cached token and retries once with a new one, with the same PayPal-Request-Id, so a
 * retried create is still the same order.
 */
export async function paypalApi(
  m: PaypalMerchant,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; requestId?: string; prefer?: 'return=minimal' | 'return=representation' } = {},
): Promise<PaypalResponse> {
  const attempt = async (token: string) =>
    send(m, {
      method,
      url: `${m.baseUrl}${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(options.requestId ? { 'paypal-request-id': options.requestId } : {}),
        ...(options.prefer ? { prefer: options.prefer } : {}),
      },
      body: method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined,
    });
  let answer = await attempt(await accessToken(m));
  if (answer.status === 401 && answer.json?.error === 'invalid_token') {
    answer = await attempt(await accessToken(m, true));
  }
  return answer;
}
