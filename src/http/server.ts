import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Core } from '../core/context.js';
import { maxpayRoutes } from '../dialects/maxpay/routes.js';
import { paymaxRoutes } from '../dialects/paymax/routes.js';
import { storeRoutes } from '../dialects/store/routes.js';
import { databaseAnswers } from '../db/health.js';
import { adminApi } from './admin/index.js';
import { consoleRoutes } from './console.js';
import { nativeErrorHandler } from './errors.js';
import { clientErrorHandler } from './client-errors.js';
import { frameworkErrorHandler } from './framework-errors.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { guardOpsSurfaces, OPEN_OPS, type OpsAccess } from './ops-access.js';
import { registerSecurityHeaders } from './security-headers.js';
import {
  capConnectionsPerIp,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  limitedServer,
} from './connection-limits.js';
import { walletRoutes } from './sandbox-wallet/routes.js';
import { alipayDefaultMerchant, alipaySimulator } from '../sandbox/alipay/plugin.js';
import {
  simulatorOf as wechatpaySimulatorOf,
  wechatpayDefaultMerchant,
  wechatpaySimulator,
} from '../sandbox/wechatpay/index.js';
import {
  lakalaDefaultMerchant,
  lakalaSimulator,
  simulatorOf as lakalaSimulatorOf,
} from '../sandbox/lakala/simulator.js';
import {
  unionpayDefaultMerchant,
  unionpaySimulator,
  unionpaySimulatorOf,
} from '../sandbox/unionpay/simulator.js';
import { unifiedRoutes } from '../dialects/unified/routes.js';
import { dialectNotificationFormats } from '../dialects/notification-formats.js';
import { installFormats } from '../deliveries/formats/index.js';
import { cashierRoutes } from './cashier/routes.js';
import { storeQrRoutes } from './payer/store-qr-routes.js';
import { checkoutRoutes } from './payer/checkout-routes.js';
import { paypalDefaultMerchant, paypalSimulator, paypalSimulatorOf } from '../sandbox/paypal/simulator.js';
import { channelNotificationRoutes } from './channel-notifications.js';
import { paypalReturnRoutes } from './paypal-return.js';

export interface ServerOptions {
  core: Core;
  /** pino options or false; tests pass false. */
  logger?: boolean | Record<string, unknown>;
  /** Request timeouts and the per-address connection cap (defaults: DEFAULT_CONNECTION_LIMITS). */
  limits?: Partial<ConnectionLimits>;
  /** Serve the upstream simulators and the sandbox payer wallet (default true; off in production). */
  sandbox?: boolean;
  /** Who may read /metrics and the API docs (default: everyone; production: JUHE_OPS_TOKEN). */
  ops?: OpsAccess;
}

/**
 * The HTTP surface: admin API (/api/v1), dialects (each in its own encapsulated scope with
 * its own body parsers and error shapes), health and metrics. No listening here, so tests
 * can `inject` or `listen({port: 0})`.
 */
export async function buildServer({
  core,
  logger = false,
  limits,
  sandbox = true,
  ops = OPEN_OPS,
}: ServerOptions): Promise<FastifyInstance> {
  const connectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...limits };
  const app = Fastify({
    serverFactory: limitedServer(connectionLimits),
    logger: logger === false ? false : logger === true ? { level: 'info' } : logger,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // The simulators make their key pairs and certificate chains as they register: on a
    // loaded 2-core machine that outlasted fastify's 10 s default and the start failed.
    pluginTimeout: 60_000,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Real maxpay clients send "application/json;charset=utf-8;": be liberal in what we parse.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  });
  capConnectionsPerIp(app, connectionLimits);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(nativeErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } }),
  );

  await registerSecurityHeaders(app);
  guardOpsSurfaces(app, ops);
  registerMetrics(app, core);
  await registerOpenApi(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Answers within a second whatever the database does (a frozen one included): 503 when the
  // database has not answered in 800 ms, leaving room under a load balancer's 1 s probe timeout.
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) =>
    (await databaseAnswers(core.db, 800))
      ? { status: 'ready', database: core.db.engine }
      : reply.status(503).send({ status: 'unavailable', database: core.db.engine }),
  );

  await app.register(adminApi, { prefix: '/api/v1', core });
  // The merchant console (web/): static files and its client-side routes under /console.
  await app.register(consoleRoutes);

  // The dialects' notification formats, for the delivery code (notify never imports a dialect).
  installFormats(dialectNotificationFormats);
  // Merchant API dialects: each registers its own routes, parsers and error shapes.
  // DIALECTS-BEGIN (one line per dialect: `await app.register(xRoutes, { core });`)
  await app.register(paymaxRoutes, { core });
  await app.register(maxpayRoutes, { core });
  await app.register(unifiedRoutes, { core });
  await app.register(storeRoutes, { core });
  // DIALECTS-END

  // Upstream simulators and the sandbox payer wallet (test mode's providers), each its own scope.
  if (sandbox) await registerSandbox(app, core);
  await app.register(cashierRoutes, { core });
  await app.register(storeQrRoutes, { core });
  await app.register(checkoutRoutes, { core });
  await app.register(channelNotificationRoutes, { core });
  await app.register(paypalReturnRoutes, { core });
  return app;
}

/** The simulators stand in for the providers in test mode; production serves them only when asked. */
async function registerSandbox(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(walletRoutes, { core });
  await app.register(alipaySimulator, { ctx: core });
  await app.register(wechatpaySimulator, { ctx: core });
  await app.register(lakalaSimulator, { ctx: core });
  await app.register(unionpaySimulator, { ctx: core });
  await app.register(paypalSimulator, { ctx: core });
  // Test-mode apps without a config use each simulator's default merchant, reached at its base URL.
  const withdraw = [
    core.testModeConfigs?.provide('alipay', () => alipayDefaultMerchant(core)),
    core.testModeConfigs?.provide('wechatpay', () => wechatpayDefaultMerchant(wechatpaySimulatorOf(core)!)),
    core.testModeConfigs?.provide('unionpay', () => unionpayDefaultMerchant(unionpaySimulatorOf(core)!)),
    core.testModeConfigs?.provide('applepay', () => unionpayDefaultMerchant(unionpaySimulatorOf(core)!)),
    core.testModeConfigs?.provide('paypal', () => paypalDefaultMerchant(paypalSimulatorOf(core)!)),
    core.testModeConfigs?.provide('lakala', () => lakalaDefaultMerchant(lakalaSimulatorOf(core)!)),
  ];
  app.addHook('onClose', async () => withdraw.forEach((w) => w?.()));
}
