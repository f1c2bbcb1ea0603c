import type { Connector } from '../_kit/connector.js';
import { succeeded } from '../_kit/results.js';

/**
 * Cash and custom ("diy") tenders: the money changed hands at the counter, so the
 * charge succeeds at once and refunds are handed back the same way.
 */
export function offlineConnector(name: 'cash' | 'diy'): Connector {
  return {
    name,
    inProcess: true,
    capabilities: { methods: ['offline'] },
    pay: async ({ clock }) => succeeded({ paidAt: clock.now() }),
    refund: async () => succeeded(),
  };
}
