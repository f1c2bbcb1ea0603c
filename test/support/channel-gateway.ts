import { afterAll, beforeAll } from 'vitest';
import type { ConnectorRegistry } from '../../src/channels/registry.js';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { findCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import type { Provider } from '../../src/domain/channels.js';
import { type TestCore, testCore } from './core.js';
import type { Engine } from './db.js';
import { type TestServer, call, testServer } from './server.js';
import { saveUncheckedChannelConfig } from './unchecked-channel-config.js';

/** What a simulator needs for the suite to shorten its connector's patience. */
interface TimedSimulator {
  setClientTimeout(ms: number): void;
}

/**
 * The listening gateway a channel suite talks to (filled in by its beforeAll), with the
 * read-backs and admin calls every provider's scenarios use.
 */
export interface ChannelGateway<S> {
  core: TestCore;
  server: TestServer;
  /** The suite's own merchant app; a charge goes to it unless the test names another. */
  appId: string;
  /** The provider's simulator mounted in the gateway, where the suite asked for one. */
  sim: S;
  /** The types of an object's events, oldest first: `['charge.created', 'charge.succeeded']`. */
  events(objectId: string): Promise<string[]>;
  /** The charge as it is stored now. */
  current(charge: Pick<Charge, 'id'>): Promise<Charge>;
  /** POST /api/v1/test_helpers/charges/:id/pay (or decline) as the owner. */
  testHelper(charge: Pick<Charge, 'id'>, action: 'pay' | 'decline'): ReturnType<typeof call>;
  /** Another merchant with one app, for a test that needs its own channel config. */
  newApp(merchantName: string, appName: string): Promise<string>;
  /** A test-mode channel config for `appId`, posted through the admin API; its id. */
  configureChannel(
    appId: string,
    provider: Provider,
    settings: Record<string, unknown>,
    secrets: Record<string, string>,
  ): Promise<string>;
}

export interface ChannelGatewayOptions<S> {
  /** The name of the suite's merchant. */
  merchant: string;
  /** Built in beforeAll; the default registry when left out. */
  connectors?: () => ConnectorRegistry;
  simulator?: (core: TestCore) => S | undefined;
}

/**
 * Registers a channel suite's beforeAll/afterAll: a core on a fresh database, a real
 * listening server whose URL is the public one (so simulators call the gateway back over
 * the same URLs a merchant's provider would), the suite's merchant app and, where asked,
 * the provider's simulator. Read the returned object only inside hooks and tests.
 */
export function useChannelGateway<S extends TimedSimulator | undefined = undefined>(
  engine: Engine,
  options: ChannelGatewayOptions<S>,
): ChannelGateway<S> {
  const gateway: ChannelGateway<S> = {
    core: undefined as unknown as TestCore,
    server: undefined as unknown as TestServer,
    appId: '',
    sim: undefined as S,
    events: async (objectId) => {
      const rows = await gateway.core.db.query<{ type: string }>(
        'SELECT type FROM events WHERE object_id = $1 ORDER BY seq',
        [objectId],
      );
      return rows.map((r) => r.type);
    },
    current: async (charge) => (await findCharge(gateway.core.db, charge.id))!,
    testHelper: (charge, action) =>
      call(gateway.server, 'POST', `/api/v1/test_helpers/charges/${charge.id}/${action}`, {
        token: gateway.server.tokens.owner,
      }),
    newApp: async (merchantName, appName) => {
      const { core } = gateway;
      const app = await core.db.tx(async (q) => {
        const merchant = await createMerchant(q, core, { name: merchantName });
        return createApp(q, core, { merchantId: merchant.id, name: appName });
      });
      return app.id;
    },
    // Past the admin API's field checks: suites configure broken keys on purpose.
    configureChannel: (appId, provider, settings, secrets) =>
      saveUncheckedChannelConfig(gateway.core, { appId, provider, settings, secrets }),
  };

  beforeAll(async () => {
    gateway.core = await testCore(engine, { connectors: options.connectors?.() });
    gateway.server = await testServer(gateway.core);
    gateway.core.publicUrl = gateway.server.url;
    if (options.simulator) {
      gateway.sim = options.simulator(gateway.core)!;
      // The simulators hold a 'timeout' fault's answer for 1.5 s: give up well before that.
      gateway.sim?.setClientTimeout(600);
    }
    gateway.appId = await gateway.newApp(options.merchant, 'Shop');
  }, 180_000);

  afterAll(async () => {
    await gateway.server?.close();
    await gateway.core?.drop();
  });

  return gateway;
}
