import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { Agent, request } from 'undici';
import { systemClock } from '../../domain/clock.js';
import { checkTargetUrl, defaultAllowPrivateTargets, guardedLookup } from '../../deliveries/ssrf.js';
import type { SandboxContext } from '../_kit/context.js';
import { defaultSandboxApp, findSandboxApp } from './keys.js';
import { cashierPage, errorPage } from './pages.js';
import { alipayPayerRoutes } from './payer.js';
import { beijingTime, formatYuan, rsa2Sign, signContent } from './protocol.js';
import { alipayOauthRoutes } from './oauth.js';
import { AlipaySimulator, type NotifySender, PAGE_METHODS, isRejection } from './simulator.js';

const simulators = new WeakMap<SandboxContext, AlipaySimulator>();

/** The simulator of a sandbox context (created on first use). */
export function alipaySimulatorFor(ctx: SandboxContext): AlipaySimulator {
  let sim = simulators.get(ctx);
  if (!sim) {
    sim = new AlipaySimulator(ctx, fetchSender);
    simulators.set(ctx, sim);
  }
  return sim;
}

/**
 * Notices go over HTTP, the gateway's own included, behind the notify SSRF guard (private
 * and loopback targets only where the operator allows them: not in production).
 */
const allowPrivate = defaultAllowPrivateTargets();
const guardedAgent = new Agent({ connect: { lookup: guardedLookup(allowPrivate) as never } });
const fetchSender: NotifySender = async (url, form) => {
  checkTargetUrl(url, allowPrivate);
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
    dispatcher: guardedAgent,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  return { status: response.statusCode, body: (await response.body.text()).slice(0, 4096) };
};

const BASE = '/sandbox/alipay';

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
 * landing, the page/wap/app cashier where a payer pays or declines, and the payer API.
 * Everything it sends (notifications) goes over HTTP to the notify_url it was given.
 */
export async function alipaySimulator(app: FastifyInstance, { ctx }: { ctx: SandboxContext }): Promise<void> {
  const sim = new AlipaySimulator(ctx, fetchSender);
  simulators.set(ctx, sim);

  // A wall-clock worker only makes sense with the wall clock: with an injected manual
  // clock (tests) retries and expiry are driven on demand (admin API or sim.deliverDue()).
  let timer: NodeJS.Timeout | undefined;
  if (ctx.clock === systemClock) {
    timer = setInterval(() => {
      sim
        .closeExpired()
        .then(() => sim.deliverDue())
        .catch((err) => ctx.log.warn({ err }, 'alipay sandbox worker tick failed'));
    }, 5_000);
    timer.unref();
  }
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
  await app.register(alipayPayerRoutes, { sim, base: BASE });

  app.addContentTypeParser(
    /^application\/x-www-form-urlencoded/,
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const gateway = async (
    request: { query: unknown; body: unknown; headers: Record<string, unknown> },
    reply: import('fastify').FastifyReply,
  ) => {
    const params: Record<string, string> = {};
    for (const source of [request.query, request.body]) {
      if (source && typeof source === 'object') {
        for (const [k, v] of Object.entries(source)) if (typeof v === 'string') params[k] = v;
      }
    }
    if ((PAGE_METHODS as readonly string[]).includes(params.method)) {
      try {
        const trade = await sim.openOrder(params);
        return reply.redirect(`${BASE}/cashier/${trade.tradeNo}`, 302);
      } catch (error) {
        if (!isRejection(error)) throw error;
        return reply
          .status(200)
          .type('text/html; charset=utf-8')
          .send(errorPage(error.payload.sub_code, error.payload.sub_msg));
      }
    }
    const answer = await sim.api(params);
    if (answer.kind === 'http_error') {
      return reply.status(answer.status).type('text/html').send(`<html><body>${answer.status}</body></html>`);
    }
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return reply.type('text/html;charset=utf-8').send(answer.body);
  };
  await alipayOauthRoutes(app, {
    codes: sim.authCodes,
    basePath: BASE,
    appExists: async (appId) => !!(await findSandboxApp(ctx.db, ctx.box, appId)),
  });
  app.get(`${BASE}/gateway.do`, { schema: { hide: true } }, gateway);
  app.post(`${BASE}/gateway.do`, { schema: { hide: true } }, gateway);

  const TradeParams = {
    type: 'object',
    properties: { tradeNo: { type: 'string', pattern: '^\\d{28}$' } },
    required: ['tradeNo'],
  };
  const notFound = (reply: import('fastify').FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'));

  // The QR code's content: scanning it is what makes a precreated trade exist.
  app.get(`${BASE}/qr/:tradeNo`, { schema: { hide: true, params: TradeParams } }, async (request, reply) => {
    const trade = await sim.tradeByNo((request.params as { tradeNo: string }).tradeNo);
    if (!trade) return notFound(reply);
    if (!trade.visible) await sim.reveal(trade);
    return reply.redirect(`${BASE}/cashier/${trade.tradeNo}`, 302);
  });

  app.get(
    `${BASE}/cashier/:tradeNo`,
    { schema: { hide: true, params: TradeParams } },
    async (request, reply) => {
      const trade = await sim.tradeByNo((request.params as { tradeNo: string }).tradeNo);
      if (!trade) return notFound(reply);
      const qr =
        trade.status === 'WAIT_BUYER_PAY' && trade.apiMethod === 'alipay.trade.page.pay'
          ? await QRCode.toString(sim.qrCode(trade), { type: 'svg', margin: 1 })
          : undefined;
      return reply.type('text/html; charset=utf-8').send(cashierPage(trade, BASE, qr));
    },
  );

  app.post(
    `${BASE}/cashier/:tradeNo/pay`,
    { schema: { hide: true, params: TradeParams } },
    async (request, reply) => {
      const trade = await sim.pay((request.params as { tradeNo: string }).tradeNo);
      if (!trade) return notFound(reply);
      if (trade.status === 'TRADE_SUCCESS' && trade.returnUrl) {
        const sandboxApp = (await findSandboxApp(ctx.db, ctx.box, trade.appId))!;
        return reply.redirect(returnUrl(trade, sandboxApp.alipayPrivateKey, ctx.clock.now()), 303);
      }
      return reply.redirect(`${BASE}/cashier/${trade.tradeNo}`, 303);
    },
  );

  app.post(
    `${BASE}/cashier/:tradeNo/decline`,
    { schema: { hide: true, params: TradeParams } },
    async (request, reply) => {
      const trade = await sim.decline((request.params as { tradeNo: string }).tradeNo);
      if (!trade) return notFound(reply);
      return reply.redirect(`${BASE}/cashier/${trade.tradeNo}`, 303);
    },
  );
}

/** The synchronous return: the payer's browser goes back to return_url with signed parameters. */
function returnUrl(trade: import('./simulator.js').Trade, alipayPrivateKey: string, now: Date): string {
  const params: Record<string, string> = {
    charset: 'utf-8',
    out_trade_no: trade.outTradeNo,
    method: `${trade.apiMethod}.return`,
    total_amount: formatYuan(trade.totalAmount),
    trade_no: trade.tradeNo,
    auth_app_id: trade.appId,
    version: '1.0',
    app_id: trade.appId,
    sign_type: 'RSA2',
    seller_id: `2088${trade.appId.slice(-12)}`,
    timestamp: beijingTime(now),
  };
  params.sign = rsa2Sign(signContent(params, ['sign', 'sign_type']), alipayPrivateKey);
  const url = new URL(trade.returnUrl!);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
