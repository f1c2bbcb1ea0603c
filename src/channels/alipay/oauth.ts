import { JuheError } from '../../domain/errors.js';
import type { ChannelConfig, PayerAuthorization } from '../_kit/connector.js';
import { ALIPAY_GATEWAY, resolveAlipayApp } from './connector.js';

const LIVE_AUTHORIZE = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';

/**
 * Alipay's user authorization for a page opened in the Alipay app (网页授权, auth_base:
 * silent): the payer's browser goes to publicAppAuthorize.htm, Alipay comes back with
 * `auth_code`, which `alipay.system.oauth.token` exchanges for the buyer's user_id, what
 * `alipay.trade.create` (JSAPI) takes as buyer_id. The authorize page lives beside the
 * gateway for a test-mode config (a simulator serves both), else settings.oauth_url or
 * Alipay's own.
 */
export const alipayPayerAuthorization: PayerAuthorization = {
  authorizeUrl(config, redirectUri, state) {
    const app = resolveAlipayApp({ config, publicUrl: '' } as Parameters<typeof resolveAlipayApp>[0]);
    const query = new URLSearchParams({
      app_id: app.appId,
      scope: 'auth_base',
      redirect_uri: redirectUri,
      state,
    });
    return `${authorizeEndpoint(config)}?${query}`;
  },
  async payerId(config, code) {
    const app = resolveAlipayApp({ config, publicUrl: '' } as Parameters<typeof resolveAlipayApp>[0]);
    let data: Record<string, unknown>;
    try {
      data = (await app.sdk.exec(
        'alipay.system.oauth.token',
        { grant_type: 'authorization_code', code },
        { validateSign: true },
      )) as Record<string, unknown>;
    } catch (error) {
      throw new JuheError(
        'channel_error',
        `Alipay authorization failed: ${(error as Error).message}`,
        'auth_code',
      );
    }
    if (typeof data.user_id === 'string' && data.user_id) return data.user_id;
    throw new JuheError(
      'channel_error',
      `Alipay authorization failed: ${[data.sub_code, data.sub_msg].filter(Boolean).join(' ')}`.trim(),
      'auth_code',
    );
  },
};

function authorizeEndpoint(config: ChannelConfig | null): string {
  const s = config?.settings ?? {};
  if (typeof s.oauth_url === 'string' && s.oauth_url) return s.oauth_url;
  const gateway = typeof s.gateway_url === 'string' ? s.gateway_url : ALIPAY_GATEWAY;
  if (!config?.livemode && gateway !== ALIPAY_GATEWAY) {
    return gateway.replace(/\/gateway\.do(\?.*)?$/, '/oauth2/publicAppAuthorize.htm');
  }
  return LIVE_AUTHORIZE;
}
