import { X509Certificate } from 'node:crypto';
import { readablePrivateKey, unreadableSecret } from '../_kit/config-keys.js';
import { toPrivateKey, toPublicKey } from '../../core/crypto-keys.js';
import WechatpayPlugin from 'wechatpay-axios-plugin';
import type { ChannelConfig } from '../_kit/connector.js';
import { JuheError } from '../../domain/errors.js';
import { type InjectResponse, type SandboxHandle, sandboxFor } from '../../sandbox/wechatpay/registry.js';
import type { V2SignType } from './protocol.js';
import { SANDBOX_CONFIG_ID } from '../_kit/parse-notification-kit.js';

export const PRODUCTION_BASE_URL = 'https://api.mch.weixin.qq.com/';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The notify path's config segment for the simulator's default merchant (test mode, no config). */
export { SANDBOX_CONFIG_ID };

/** Everything a WeChat Pay call needs, from a channel config or the simulator's default merchant. */
export interface Merchant {
  configId: string;
  mchid: string;
  appid: string;
  /** Mini-program appid when it differs from the official-account appid. */
  miniAppid: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  apiV2Key: string;
  v2SignType: V2SignType;
  /** Platform certificates (or public keys) by serial. */
  platformCerts: Record<string, string>;
  baseUrl: string;
  timeoutMs: number;
  sandbox?: SandboxHandle;
}

export interface WxEndpoint {
  get(config?: Record<string, unknown>): Promise<{ status: number; data: any; headers: any }>;
  post(data: unknown, config?: Record<string, unknown>): Promise<{ status: number; data: any; headers: any }>;
}
export interface WxClient {
  chain(path: string): WxEndpoint;
}

const Wechatpay = WechatpayPlugin as unknown as new (config: Record<string, unknown>) => WxClient;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Splits one or more concatenated PEM certificates/public keys and keys them by serial. */
export function platformCertsFrom(text: string, serialHint?: string): Record<string, string> {
  const certs: Record<string, string> = {};
  const blocks = text.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
  for (const block of blocks) {
    if (block.includes('CERTIFICATE')) certs[new X509Certificate(block).serialNumber.toUpperCase()] = block;
    else if (serialHint) certs[serialHint] = block; // WeChat's "platform public key" mode: PUB_KEY_ID_...
  }
  return certs;
}

/** A config's platform certificates; a config error (not an upstream failure) when none is usable. */
function configuredPlatformCerts(text: string, serialHint: string): Record<string, string> {
  let certs: Record<string, string>;
  try {
    certs = platformCertsFrom(text, serialHint || undefined);
  } catch {
    certs = {};
  }
  if (Object.keys(certs).length === 0) {
    throw unreadableSecret(
      'platform_certificate',
      'a readable PEM certificate (or a public key with settings.platform_serial)',
    );
  }
  return certs;
}

/** Resolves the merchant of a call: its channel config, or in test mode the simulator's default merchant. */
export function merchantFor(config: ChannelConfig | null, livemode: boolean, publicUrl: string): Merchant {
  if (config) {
    const s = config.settings;
    const secrets = config.secrets;
    const missing = ['private_key', 'api_v3_key', 'platform_certificate'].filter((k) => !secrets[k]);
    if (!str(s.mch_id) || !str(s.appid) || !str(s.serial_no) || missing.length) {
      throw new JuheError(
        'channel_not_available',
        'The WeChat Pay channel config needs settings mch_id, appid, serial_no and secrets private_key, api_v3_key, platform_certificate',
        'channel',
      );
    }
    return {
      configId: config.id,
      mchid: str(s.mch_id),
      appid: str(s.appid),
      miniAppid: str(s.mini_appid) || str(s.appid),
      serialNo: str(s.serial_no),
      privateKeyPem: readablePrivateKey(secrets.private_key, 'private_key'),
      apiV3Key: secrets.api_v3_key,
      apiV2Key: secrets.api_v2_key ?? '',
      v2SignType: s.v2_sign_type === 'MD5' ? 'MD5' : 'HMAC-SHA256',
      platformCerts: configuredPlatformCerts(secrets.platform_certificate, str(s.platform_serial)),
      baseUrl: str(s.base_url) || PRODUCTION_BASE_URL,
      timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : DEFAULT_TIMEOUT_MS,
    };
  }
  const sandbox = livemode ? undefined : sandboxFor(publicUrl);
  if (!sandbox) {
    throw new JuheError(
      'channel_not_available',
      livemode
        ? 'WeChat Pay is not configured for this app'
        : 'WeChat Pay is not configured for this app and the WeChat Pay simulator is not running',
      'channel',
    );
  }
  const { merchant, platform } = sandbox.keys;
  return {
    configId: SANDBOX_CONFIG_ID,
    mchid: merchant.mchid,
    appid: merchant.appid,
    miniAppid: merchant.appid,
    serialNo: merchant.serialNo,
    privateKeyPem: merchant.privateKeyPem,
    apiV3Key: merchant.apiV3Key,
    apiV2Key: merchant.apiV2Key,
    v2SignType: 'HMAC-SHA256',
    platformCerts: { [platform.serial]: platform.certificatePem },
    baseUrl: sandbox.baseUrl,
    timeoutMs: sandbox.timeoutMs,
    sandbox,
  };
}

/** The official client for this merchant, verifying every v3 response against the platform certificates. */
export function clientFor(m: Merchant): WxClient {
  return new Wechatpay({
    mchid: m.mchid,
    serial: m.serialNo,
    // Parsed once (the plugin takes KeyObjects): it would parse every PEM again per client.
    privateKey: toPrivateKey(m.privateKeyPem),
    certs: Object.fromEntries(
      Object.entries(m.platformCerts).map(([serial, pem]) => [serial, toPublicKey(pem)]),
    ),
    ...(m.apiV2Key.length === 32 ? { secret: m.apiV2Key } : {}),
    baseURL: m.baseUrl.endsWith('/') ? m.baseUrl : m.baseUrl + '/',
    timeout: m.timeoutMs,
    ...(m.sandbox?.inject ? { adapter: injectAdapter(m.sandbox.inject, m.timeoutMs) } : {}),
  });
}

/**
 * An axios adapter that hands requests to the in-process simulator (fastify inject) instead
 * of a socket: the official client still signs, and verifies every response, exactly as
 * over HTTP. Timeouts behave like axios's (ECONNABORTED).
 */
function injectAdapter(inject: NonNullable<SandboxHandle['inject']>, timeoutMs: number) {
  return async (config: any) => {
    const url = new URL(String(config.url ?? ''), String(config.baseURL ?? ''));
    const params = config.params;
    if (params) {
      const search = params instanceof URLSearchParams ? params : new URLSearchParams(params);
      for (const [k, v] of search) url.searchParams.append(k, v);
    }
    const headers: Record<string, string> = {};
    const source = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : config.headers;
    for (const [k, v] of Object.entries(source ?? {}))
      if (v !== undefined && v !== null) headers[k] = String(v);
    const request = {
      method: String(config.method ?? 'get').toUpperCase(),
      url: url.pathname + url.search,
      headers,
      payload: typeof config.data === 'string' ? config.data : undefined,
    };
    const limit = config.timeout || timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const answer: InjectResponse = await Promise.race([
      inject(request),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`timeout of ${limit}ms exceeded`), { code: 'ECONNABORTED', config }),
            ),
          limit,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const response = {
      data: answer.payload,
      status: answer.statusCode,
      statusText: answer.statusMessage,
      headers: answer.headers,
      config,
      request: {},
    };
    const valid = config.validateStatus ? config.validateStatus(response.status) : true;
    if (valid) return response;
    throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
      code: response.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
      isAxiosError: true,
      config,
      response,
    });
  };
}
