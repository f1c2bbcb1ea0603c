import type { Provider } from '../domain/channels.js';
import { JuheError } from '../domain/errors.js';
import type { Connector, ConnectorRegistry } from './_kit/connector.js';

export type { ConnectorRegistry };
import { alipayConnector } from './alipay/connector.js';
import { offlineConnector } from './offline/offline.js';
import { wechatpayConnector } from './wechatpay/connector.js';
import { lakalaConnector } from './lakala/connector.js';
import { paypalConnector } from './paypal/connector.js';
import { unionpayConnector } from './unionpay/connector.js';

/**
 * The explicit map of connectors (no reflection), the same in both modes: a test-mode
 * charge goes to the provider's own connector, whose config points at a simulator.
 */

export function connectorRegistry(overrides: Partial<Record<Provider, Connector>> = {}): ConnectorRegistry {
  const connectors: Partial<Record<Provider, Connector>> = {
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
  return {
    resolve(provider) {
      const connector = connectors[provider];
      if (connector) return connector;
      throw new JuheError('channel_not_available', `No connector for ${provider}`, 'channel');
    },
  };
}
