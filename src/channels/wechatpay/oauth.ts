import { request } from 'undici';
import { JuheError } from '../../domain/errors.js';
import type { ChannelConfig, PayerAuthorization } from '../_kit/connector.js';

/**
 * WeChat official-account web authorization (网页授权, snsapi_base): how a page opened in
 * WeChat learns the payer's openid, which JSAPI payments need. The page sends the payer to
 * `open.weixin.qq.com/connect/oauth2/authorize`; WeChat comes back to `redirect_uri` with a
 * one-time `code`, which the server exchanges at `api.weixin.qq.com/sns/oauth2/access_token`
 * (with the official account's AppSecret) for the openid.
 * In test mode a config usually points both at a simulator (its base_url serves both).
 */
export interface OauthApp {
  appid: string;
  secret: string;
  /** Where `/connect/oauth2/authorize` lives (open.weixin.qq.com). */
  authorizeBase: string;
  /** Where `/sns/oauth2/access_token` lives (api.weixin.qq.com). */
  apiBase: string;
  timeoutMs: number;
}

const LIVE_AUTHORIZE_BASE = 'https://open.weixin.qq.com';
const LIVE_API_BASE = 'https://api.weixin.qq.com';
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * The official account a charge's payer authorizes with, from the WeChat Pay channel config
 * (secrets.app_secret; settings.oauth_base_url and sns_base_url, else in test mode the
 * config's base_url, where a simulator serves both). A null config (none configured) is
 * refused.
 */
export function oauthAppFor(config: ChannelConfig | null): OauthApp {
  const given = config;
  if (!given || !str(given.secrets.app_secret)) {
    throw new JuheError(
      'channel_not_available',
      "Paying by WeChat JSAPI through the hosted page needs the official account's AppSecret (secrets.app_secret) in the WeChat Pay channel config",
      'channel',
    );
  }
  const s = given.settings;
  const testBase = given.livemode ? '' : str(s.base_url);
  return {
    appid: str(s.appid),
    secret: given.secrets.app_secret,
    authorizeBase: trim(str(s.oauth_base_url) || testBase || LIVE_AUTHORIZE_BASE),
    apiBase: trim(str(s.sns_base_url) || testBase || LIVE_API_BASE),
    timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : 10_000,
  };
}

/** Where to send the payer: silent authorization (snsapi_base), back to `redirectUri` with a code. */
export function authorizeUrl(app: OauthApp, redirectUri: string, state: string): string {
  const query = new URLSearchParams({
    appid: app.appid,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'snsapi_base',
    state,
  });
  return `${app.authorizeBase}/connect/oauth2/authorize?${query}#wechat_redirect`;
}

/**
 * Exchanges the one-time code for the payer's openid. WeChat answers errors as HTTP 200
 * with `{errcode, errmsg}` (40029 invalid code, 40163 code been used, ...): a `channel_error`.
 */
export async function openidFromCode(app: OauthApp, code: string): Promise<string> {
  const query = new URLSearchParams({
    appid: app.appid,
    secret: app.secret,
    code,
    grant_type: 'authorization_code',
  });
  const path = `/sns/oauth2/access_token?${query}`;
  const response = await request(`${app.apiBase}${path}`, {
    headersTimeout: app.timeoutMs,
    bodyTimeout: app.timeoutMs,
  });
  const body = await response.body.text();
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new JuheError(
      'channel_error',
      'WeChat web authorization answered something that is not JSON',
      'code',
    );
  }
  if (typeof answer.openid === 'string' && answer.openid) return answer.openid;
  throw new JuheError(
    'channel_error',
    `WeChat web authorization failed: ${String(answer.errcode ?? '')} ${String(answer.errmsg ?? '')}`.trim(),
    'code',
  );
}

/** The connector's side of the payer authorization (Connector.payerAuthorization). */
export const wechatPayerAuthorization: PayerAuthorization = {
  authorizeUrl: (config, redirectUri, state) => authorizeUrl(oauthAppFor(config), redirectUri, state),
  payerId: (config, code) => openidFromCode(oauthAppFor(config), code),
};
