import { request } from 'undici';
import { readablePrivateKey, unreadableSecret } from '../_kit/config-keys.js';
import type { ChannelConfig } from '../_kit/connector.js';
import type { Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import {
  type AcpFields,
  type TrustedChain,
  UNIONPAY_CN_NAME,
  UNIONPAY_TEST_CN_NAME,
  certIdOf,
  formEncode,
  parseAnswer,
} from './protocol.js';
import { SANDBOX_CONFIG_ID } from '../_kit/parse-notification-kit.js';

/** UnionPay's production gateway; its test environment is https://gateway.test.95516.com/gateway/api/. */
export const PRODUCTION_BASE_URL = 'https://gateway.95516.com/gateway/api/';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Where the file download transaction (txnType 76) goes: ACP's acpsdk.fileTransUrl, a host of its own. */
export const PRODUCTION_FILE_URL = 'https://filedownload.95516.com/';
/** The notify path's config segment for the simulator's default merchant (test mode, no config). */
export { SANDBOX_CONFIG_ID };

/** Everything an ACP call needs, from a channel config. */
export interface UnionpayMerchant {
  configId: string;
  merId: string;
  certId: string;
  privateKeyPem: string;
  trust: TrustedChain;
  /** Ends with '/': frontTransReq.do, appTransReq.do, backTransReq.do, queryTrans.do live under it. */
  baseUrl: string;
  /** The file download address (settings.file_url). */
  fileUrl: string;
  timeoutMs: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const slash = (url: string) => (url.endsWith('/') ? url : url + '/');

/**
 * The merchant of a call: its channel config (unionpay, or applepay for Apple Pay through
 * UnionPay); null (none configured) is refused.
 * Config: settings {mer_id, cert_id?, base_url?, file_url?, timeout_ms?, validate_cn_name?},
 * secrets {sign_private_key, sign_cert?, middle_cert, root_cert}. The certId is read from
 * sign_cert when settings.cert_id is not given.
 */
export function merchantFor(
  config: ChannelConfig | null,
  livemode: boolean,
  publicUrl: string,
  provider: Provider = 'unionpay',
): UnionpayMerchant {
  const given = config;
  if (given) {
    const config = given;
    const s = config.settings;
    const secrets = config.secrets;
    const missing = ['sign_private_key', 'middle_cert', 'root_cert'].filter((k) => !secrets[k]);
    let certId = str(s.cert_id);
    if (!certId && secrets.sign_cert) {
      try {
        certId = certIdOf(secrets.sign_cert);
      } catch {
        throw unreadableSecret('sign_cert', 'a readable PEM certificate (the signing certificate)');
      }
    }
    if (!/^\d{15}$/.test(str(s.mer_id)) || !/^\d+$/.test(certId) || missing.length) {
      throw new JuheError(
        'channel_not_available',
        `The ${provider} channel config needs settings mer_id (15 digits) and secrets sign_private_key, sign_cert (or settings cert_id), middle_cert, root_cert`,
        'channel',
      );
    }
    // UnionPay's test environment signs with a 00040000:SIGN certificate; production only
    // with 中国银联股份有限公司 (the SDK's acpsdk.ifValidateCNName).
    const strictCn = s.validate_cn_name === undefined ? config.livemode : s.validate_cn_name !== false;
    return {
      configId: config.id,
      merId: str(s.mer_id),
      certId,
      privateKeyPem: readablePrivateKey(secrets.sign_private_key, 'sign_private_key'),
      trust: {
        middleCertPem: secrets.middle_cert,
        rootCertPem: secrets.root_cert,
        acceptedOwners: strictCn ? [UNIONPAY_CN_NAME] : [UNIONPAY_CN_NAME, UNIONPAY_TEST_CN_NAME],
      },
      baseUrl: slash(str(s.base_url) || PRODUCTION_BASE_URL),
      fileUrl: str(s.file_url) || PRODUCTION_FILE_URL,
      timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : DEFAULT_TIMEOUT_MS,
    };
  }
  throw new JuheError('channel_not_available', `${provider} is not configured for this app`, 'channel');
}

/** Why a call has no answer to read: the outcome upstream is unknown. */
export class NoAnswer extends Error {}

/**
 * Posts signed fields to an ACP endpoint as the SDK does (form-encoded, UTF-8) and parses
 * the `k=v&...` answer. No answer, a non-200 status or an empty body throws NoAnswer.
 */
export async function postAcp(m: UnionpayMerchant, endpoint: string, fields: AcpFields): Promise<AcpFields> {
  const url = m.baseUrl + endpoint;
  const body = formEncode(fields);
  const headers = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' };
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers,
      body,
      headersTimeout: m.timeoutMs,
      bodyTimeout: m.timeoutMs,
      signal: AbortSignal.timeout(m.timeoutMs),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (error) {
    throw new NoAnswer((error as Error).message);
  }
  if (status !== 200) throw new NoAnswer(`HTTP ${status}`);
  if (text.trim() === '') throw new NoAnswer('empty answer');
  return parseAnswer(text.trim());
}
