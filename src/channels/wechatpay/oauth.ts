import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { JuheError } from '../../domain/errors.js';
import { type SandboxHandle, sandboxFor } from '../../sandbox/wechatpay/registry.js';
import type { SandboxKeys } from '../../sandbox/wechatpay/keys.js';
import type { ChannelConfig } from '../_kit/connector.js';

/**
 * WeChat official-account web authorization (网页授权, snsapi_base): how a page opened in
 * WeChat learns the payer's openid, which JSAPI payments need. The page sends the payer to
 * `open.weixin.qq.com/connect/oauth2/authorize`; WeChat comes back to `redirect_uri` with a
 * one-time `code`, which the server exchanges at `api.weixin.qq.com/sns/oauth2/access_token`
 * (with the official account's AppSecret) for the openid.
 * Test mode talks to the WeChat Pay simulator's copy of both endpoints.
 */
export interface OauthApp {
  appid: string;
  secret: string;
  /** Where `/connect/oauth2/authorize` lives (open.weixin.qq.com). */
  authorizeBase: string;
  /** Where `/sns/oauth2/access_token` lives (api.weixin.qq.com). */
  apiBase: string;
  timeoutMs: number;
  sandbox?: SandboxHandle;
}

const LIVE_AUTHORIZE_BASE = 'https://open.weixin.qq.com';
const LIVE_API_BASE = 'https://api.weixin.qq.com';
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * The simulator's AppSecret of its sandbox official account: derived from its sealed keys,
 * so it needs no storage of its own and is the same on every node.
 */
export function sandboxAppSecret(keys: SandboxKeys): string {
  return createHmac('sha256', keys.merchant.apiV3Key)
    .update('official-account app secret')
    .digest('hex')
    .slice(0, 32);
}

/** The official account a charge's payer authorizes with: its channel config, or the simulator's. */
export function oauthAppFor(config: ChannelConfig | null, livemode: boolean, publicUrl: string): OauthApp {
  const sandbox = livemode ? undefined : sandboxFor(publicUrl);
  if (config && str(config.secrets.app_secret)) {
    const s = config.settings;
    return {
      appid: str(s.appid),
      secret: config.secrets.app_secret,
      authorizeBase: trim(str(s.oauth_base_url) || (sandbox ? sandboxBase(sandbox) : LIVE_AUTHORIZE_BASE)),
      apiBase: trim(str(s.sns_base_url) || (sandbox ? sandboxBase(sandbox) : LIVE_API_BASE)),
      timeoutMs: Number(s.timeout_ms) > 0 ? Number(s.timeout_ms) : 10_000,
      sandbox,
    };
  }
  if (!sandbox || (config && str(config.settings.appid) !== sandbox.keys.merchant.appid)) {
    throw new JuheError(
      'channel_not_available',
      "Paying by WeChat JSAPI through the hosted page needs the official account's AppSecret (secrets.app_secret) in the WeChat Pay channel config",
      'channel',
    );
  }
  return {
    appid: sandbox.keys.merchant.appid,
    secret: sandboxAppSecret(sandbox.keys),
    authorizeBase: sandboxBase(sandbox),
    apiBase: sandboxBase(sandbox),
    timeoutMs: sandbox.timeoutMs,
    sandbox,
  };
}

const sandboxBase = (sandbox: SandboxHandle) => trim(sandbox.baseUrl);

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
  let body: string;
  if (app.sandbox?.inject && app.apiBase === sandboxBase(app.sandbox)) {
    const url = new URL(`${app.apiBase}${path}`);
    body = (await app.sandbox.inject({ method: 'GET', url: url.pathname + url.search, headers: {} })).payload;
  } else {
    const response = await request(`${app.apiBase}${path}`, {
      headersTimeout: app.timeoutMs,
      bodyTimeout: app.timeoutMs,
    });
    body = await response.body.text();
  }
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
