import Fastify, { type FastifyInstance } from 'fastify';
import type { SandboxContext } from './_kit/context.js';
import { alipayDefaultMerchant, alipaySimulator } from './alipay/plugin.js';
import { lakalaDefaultMerchant, lakalaSimulator, simulatorOf as lakalaOf } from './lakala/simulator.js';
import { paypalDefaultMerchant, paypalSimulator, paypalSimulatorOf } from './paypal/simulator.js';
import { unionpayDefaultMerchant, unionpaySimulator, unionpaySimulatorOf } from './unionpay/simulator.js';
import {
  wechatpayDefaultMerchant,
  wechatpaySimulator,
  simulatorOf as wechatpayOf,
} from './wechatpay/index.js';

/** What a sandbox portal hands a developer, per provider, in a channel config's vocabulary. */
export type DefaultMerchants = Record<
  'alipay' | 'wechatpay' | 'unionpay' | 'applepay' | 'paypal' | 'lakala',
  { settings: Record<string, unknown>; secrets: Record<string, string> }
>;

/**
 * Every simulator alone in one server (`juhe sandbox`): its gateways and payer pages and
 * payer APIs under /sandbox/<provider>, on the context's own database, for a gateway on
 * any host to point its test-mode channel configs at. Not listening yet.
 */
export async function sandboxServer(ctx: SandboxContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(alipaySimulator, { ctx });
  await app.register(wechatpaySimulator, { ctx });
  await app.register(lakalaSimulator, { ctx });
  await app.register(unionpaySimulator, { ctx });
  await app.register(paypalSimulator, { ctx });
  return app;
}

/** The default merchant of every simulator mounted with `ctx` (keys created at first use). */
export async function defaultMerchants(ctx: SandboxContext): Promise<DefaultMerchants> {
  const unionpay = unionpayDefaultMerchant(unionpaySimulatorOf(ctx)!);
  return {
    alipay: await alipayDefaultMerchant(ctx),
    wechatpay: wechatpayDefaultMerchant(wechatpayOf(ctx)!),
    unionpay,
    applepay: unionpay,
    paypal: paypalDefaultMerchant(paypalSimulatorOf(ctx)!),
    lakala: lakalaDefaultMerchant(lakalaOf(ctx)!),
  };
}
