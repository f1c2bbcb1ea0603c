import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { systemClock } from '../../domain/clock.js';
import type { SandboxContext } from '../_kit/context.js';
import { StatementFaults } from '../_kit/statement-faults.js';
import { allowPrivateTargets, checkTarget, guardedAgent } from '../_kit/target-guard.js';
import { billRoutes } from './bills.js';
import * as faults from './faults.js';
import { defaultSandboxApp, findSandboxApp } from './keys.js';
import * as notify from './notify.js';
import { AlipayAuthCodes, alipayOauthRoutes } from './oauth.js';
import { alipayPayerRoutes } from './payer.js';
import type { Trade } from './repository.js';
import { api, type GatewayAnswer, gatewayRoutes, openOrder } from './routes.js';
import { pageRoutes } from './routes-pages.js';
import { qrCode } from './routes-trade.js';
import type { AlipaySim, NotifySender } from './state.js';
import * as transitions from './transitions.js';

export const BASE = '/sandbox/alipay';

/**
 * Notices go over HTTP, the gateway's own included, behind the sandbox's target guard
 * (private and loopback targets only where the operator allows them: not in production).
 */
const allowPrivate = allowPrivateTargets();
const agent = guardedAgent(allowPrivate);
const fetchSender: NotifySender = async (url, form) => {
  checkTarget(url, allowPrivate);
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
    dispatcher: agent,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  return { status: response.statusCode, body: (await response.body.text()).slice(0, 4096) };
};

/**
 * The Alipay simulator's handle, one per SandboxContext: what tests, the payer API and the
 * admin API act through. Each method is a step of the pipeline in its own file (routes,
 * transitions, notify, faults, bills).
 */
export class AlipaySimulator {
  readonly sim: AlipaySim;

  constructor(
    readonly ctx: SandboxContext,
    send: NotifySender = fetchSender,
  ) {
    this.sim = {
      ctx,
      send,
      authCodes: new AlipayAuthCodes(ctx),
      delivery: { running: false, moreDue: false },
      statements: { faults: new StatementFaults(), feeRatePpm: 6000 },
    };
  }

  get authCodes(): AlipayAuthCodes {
    return this.sim.authCodes;
  }

  /** The daily statements: faults for the next file, and the fee rate (parts per million). */
  get bills(): { faults: StatementFaults; setFeeRate(ppm: number): void } {
    const statements = this.sim.statements;
    return { faults: statements.faults, setFeeRate: (ppm) => void (statements.feeRatePpm = ppm) };
  }

  api = (params: Record<string, string>): Promise<GatewayAnswer> => api(this.sim, params);
  openOrder = (params: Record<string, string>): Promise<Trade> => openOrder(this.sim, params);
  qrCode = (trade: Trade): string => qrCode(this.sim, trade);
  pay = (tradeNo: string) => transitions.pay(this.sim, tradeNo);
  decline = (tradeNo: string) => transitions.decline(this.sim, tradeNo);
  reveal = (trade: Trade) => transitions.reveal(this.sim, trade);
  closeExpired = () => transitions.closeExpired(this.sim);
  findTrade = (appId: string, outTradeNo: string | undefined) =>
    transitions.findTrade(this.sim, appId, outTradeNo);
  tradeByNo = (tradeNo: string) => transitions.tradeByNo(this.sim, tradeNo);
  /** The latest trade opened for a merchant order number (or, with alsoTradeNo, a trade_no). */
  latestTradeFor = (ref: string, alsoTradeNo = false) =>
    transitions.latestTradeFor(this.sim, ref, alsoTradeNo);
  deliverDue = () => notify.deliverDue(this.sim);
  notifications = (filter?: { tradeNo?: string; outTradeNo?: string }) =>
    notify.notifications(this.sim, filter);
  addFault = (kind: faults.FaultKind, options: Parameters<typeof faults.addFault>[2]) =>
    faults.addFault(this.sim, kind, options);
  listFaults = () => faults.listFaults(this.sim);
  clearFaults = () => faults.clearFaults(this.sim);
}

const simulators = new WeakMap<SandboxContext, AlipaySimulator>();

/** The simulator of a sandbox context (created on first use). */
export function alipaySimulatorFor(ctx: SandboxContext): AlipaySimulator {
  let sim = simulators.get(ctx);
  if (!sim) {
    sim = new AlipaySimulator(ctx);
    simulators.set(ctx, sim);
  }
  return sim;
}

/**
 * The default app as Alipay's sandbox portal shows it to a developer (APPID, the app's
 * private key, Alipay's public key, the gateway), in a channel config's vocabulary.
 */
export async function alipayDefaultMerchant(ctx: SandboxContext): Promise<{
  settings: { app_id: string; gateway_url: string };
  secrets: { private_key: string; alipay_public_key: string };
}> {
  const app = await defaultSandboxApp(ctx);
  return {
    settings: { app_id: app.appId, gateway_url: `${ctx.publicUrl}${BASE}/gateway.do` },
    secrets: { private_key: app.appPrivateKey!, alipay_public_key: app.alipayPublicKey },
  };
}

/**
 * The Alipay simulator under /sandbox/alipay: the OpenAPI gateway (gateway.do), the QR
 * landing, the page/wap/app cashier where a payer pays or declines, the payer API, the
 * web authorization and the bill downloads. Everything it sends (notifications) goes over
 * HTTP to the notify_url it was given.
 */
export async function alipaySimulator(app: FastifyInstance, { ctx }: { ctx: SandboxContext }): Promise<void> {
  const handle = new AlipaySimulator(ctx);
  simulators.set(ctx, handle);
  const { sim } = handle;

  // A wall-clock worker only makes sense with the wall clock: with an injected manual
  // clock (tests) retries and expiry are driven on demand (admin API or deliverDue()).
  let timer: NodeJS.Timeout | undefined;
  if (ctx.clock === systemClock) {
    timer = setInterval(() => {
      transitions
        .closeExpired(sim)
        .then(() => notify.deliverDue(sim))
        .catch((err) => ctx.log.warn({ err }, 'alipay sandbox worker tick failed'));
    }, 5_000);
    timer.unref();
  }
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
  await app.register(alipayPayerRoutes, { sim: handle, base: BASE });
  gatewayRoutes(app, sim, BASE);
  await alipayOauthRoutes(app, {
    codes: sim.authCodes,
    basePath: BASE,
    appExists: async (appId) => !!(await findSandboxApp(ctx.db, ctx.box, appId)),
  });
  pageRoutes(app, sim, BASE);
  billRoutes(app, sim, BASE);
}
