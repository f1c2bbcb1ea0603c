import { afterAll, beforeAll } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { wechatpayConnector } from '../../src/channels/wechatpay/connector.js';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { type WechatpaySimulator, simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { type TestCore, testCore } from '../support/core.js';
import type { Engine } from '../support/db.js';
import { type TestServer, testServer } from '../support/server.js';

export interface ReconGateway {
  core: TestCore;
  server: TestServer;
  sim: WechatpaySimulator;
  appId: string;
}

/**
 * A listening gateway with the WeChat Pay simulator mounted, for the reconciliation suites.
 * Like test/support/channel-gateway.ts, but with a patient setup: mounting every simulator
 * generates their keys, which takes minutes on a loaded shared machine.
 */
export function useReconGateway(engine: Engine, merchant: string): ReconGateway {
  const g = {} as ReconGateway;
  beforeAll(async () => {
    g.core = await testCore(engine, { connectors: connectorRegistry({ wechatpay: wechatpayConnector() }) });
    g.server = await testServer(g.core);
    g.core.publicUrl = g.server.url;
    g.sim = simulatorOf(g.core)!;
    g.sim.setClientTimeout(5_000);
    g.appId = await g.core.db.tx(async (q) => {
      const m = await createMerchant(q, g.core, { name: merchant });
      return (await createApp(q, g.core, { merchantId: m.id, name: 'Shop' })).id;
    });
  }, 300_000);
  afterAll(async () => {
    await g.server?.close();
    await g.core?.drop();
  });
  return g;
}
