import type { Provider } from '../domain/channels.js';
import { JuheError } from '../domain/errors.js';
import type { Connector } from './_kit/connector.js';
import { alipayConnector } from './alipay/connector.js';
import { offlineConnector } from './offline/offline.js';
import { sandboxConnector } from './sandbox/sandbox.js';
import { wechatpayConnector } from './wechatpay/connector.js';
import { lakalaConnector } from './lakala/connector.js';
import { paypalConnector } from './paypal/connector.js';
import { unionpayConnector } from './unionpay/connector.js';

/**
 * The explicit map of connectors (no reflection). Live mode uses the provider's own
 * connector; test mode uses it too when it talks to a simulator, else the sandbox.
 * Upstream connectors register here as they land (channels issue).
 */
export interface ConnectorRegistry {
  resolve(provider: Provider, livemode: boolean): Connector;
}

export function connectorRegistry(overrides: Partial<Record<Provider, Connector>> = {}): ConnectorRegistry {
  const live: Partial<Record<Provider, Connector>> = {
    cash: offlineConnector('cash'),
    diy: offlineConnector('diy'),
    alipay: alipayConnector(),
    wechatpay: wechatpayConnector(),
    lakala: lakalaConnector(),
    paypal: paypalConnector(),
    unionpay: unionpayConnector('unionpay'),
    applepay: unionpayConnector('applepay'),
    ...overrides,
  };
  const sandbox = sandboxConnector();
  return {
    resolve(provider, livemode) {
      const connector = live[provider];
      if (connector) return connector;
      if (!livemode) return sandbox;
      throw new JuheError(
        'channel_not_available',
        `No connector for ${provider} in live mode yet`,
        'channel',
      );
    },
  };
}
