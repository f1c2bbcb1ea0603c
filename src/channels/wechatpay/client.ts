import { X509Certificate } from 'node:crypto';
import { readablePrivateKey, unreadableSecret } from '../_kit/config-keys.js';
import { toPrivateKey, toPublicKey } from '../../domain/crypto-keys.js';
import WechatpayPlugin from 'wechatpay-axios-plugin';
import type { ChannelConfig } from '../_kit/connector.js';
import { JuheError } from '../../domain/errors.js';
import type { V2SignType } from './protocol.js';
import { SANDBOX_CONFIG_ID } from '../_kit/parse-notification-kit.js';

export const PRODUCTION_BASE_URL = 'https://api.mch.weixin.qq.com/';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The notify path's config segment for the simulator's default merchant (test mode, no config). */
export { SANDBOX_CONFIG_ID };

/**
 * A service provider (服务商) acting for one sub-merchant: the calls are signed with the
 * provider's key and go to the partner endpoints, naming both merchants.
 */
export interface Partner {
  spMchid: string;
  spAppid: string;
  subMchid: string;
  /** The sub-merchant's own official account or mini program, when its payers' openids are under it. */
  subAppid: string;
}

/** Everything a WeChat Pay call needs, from a channel config. */
export interface Merchant {
  configId: string;
  /** The merchant that signs the calls: the direct merchant, or the service provider (sp_mchid). */
  mchid: string;
  /** The official-account appid (in service-provider mode, sp_appid). */
  appid: string;
  /** The Open Platform appid App payments are made under (app_appid; else appid). */
  appAppid: string;
  /** Set in service-provider mode. */
  partner?: Partner;
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

/**
 * The merchant of a call, from its channel config (in test mode, whatever config the app or
 * the composition root gave: a simulator is just a base URL). A null config (none
 * configured) is refused.
 */
export function merchantFor(config: ChannelConfig | null): Merchant {
  const given = config;
  if (!given) {
    throw new JuheError('channel_not_available', 'WeChat Pay is not configured for this app', 'channel');
  }
  const s = given.settings;
  const secrets = given.secrets;
  const missing = ['private_key', 'api_v3_key', 'platform_certificate'].filter((k) => !secrets[k]);
  const partnerMode = s.merchant_mode === 'service_provider';
  const ids = partnerMode ? [s.sp_mchid, s.sp_appid, s.sub_mchid] : [s.mch_id, s.appid];
  if (!ids.every((v) => str(v)) || !str(s.serial_no) || missing.length) {
    throw new JuheError(
      'channel_not_available',
      partnerMode
        ? 'The WeChat Pay service-provider config needs settings sp_mchid, sp_appid, sub_mchid, serial_no and secrets private_key, api_v3_key, platform_certificate'
        : 'The WeChat Pay channel config needs settings mch_id, appid, serial_no and secrets private_key, api_v3_key, platform_certificate',
      'channel',
    );
  }
  const mchid = partnerMode ? str(s.sp_mchid) : str(s.mch_id);
  const appid = partnerMode ? str(s.sp_appid) : str(s.appid);
  return {
    configId: given.id,
    mchid,
    appid,
    appAppid: str(s.app_appid) || appid,
    ...(partnerMode
      ? {
          partner: {
            spMchid: mchid,
            spAppid: appid,
            subMchid: str(s.sub_mchid),
            subAppid: str(s.sub_appid),
          },
        }
      : {}),
    miniAppid: str(s.mini_appid) || appid,
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
  });
}
