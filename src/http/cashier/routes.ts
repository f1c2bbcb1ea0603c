import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Core } from '../../core/context.js';
import { hostedPayUrl, startCharge } from '../../core/payments/start-charge.js';
import { payerAuthorizeUrl, payerIdFromCode } from '../../core/payer-auth/payer-authorization.js';
import { findCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { pageCsp, pageNonce } from '../../dialects/unified/page-csp.js';
import { JuheError } from '../../domain/errors.js';
import { readCookie } from '../../domain/cookies.js';
import { type CashierView, cashierPage } from './page.js';

const STATE_COOKIE = 'juhe_wx_oauth';
const CHARGE_ID = /^ch_[0-9a-f]{24}$/;

/**
 * The hosted pay page of payment links created with `startLater` (`/cashier/pay/{charge}`):
 * for a WeChat JSAPI charge it first learns the payer's openid through WeChat's web
 * authorization, then starts the payment upstream (start-charge) and hands the payer to
 * WeChat's payment sheet. The charge id (random, unguessable) is the capability to open it.
 */
export async function cashierRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const load = async (id: string) => (CHARGE_ID.test(id) ? await findCharge(core.db, id) : undefined);
  const html = (reply: FastifyReply, status: number, view: CashierView) => {
    const nonce = pageNonce();
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('content-security-policy', pageCsp(nonce))
      .type('text/html; charset=utf-8')
      .send(cashierPage(view, nonce));
  };
  const notFound = (reply: FastifyReply) =>
    reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send('<!doctype html><meta charset="utf-8"><h1>订单不存在 (no such order)</h1>');

  app.get('/cashier/pay/:chargeId', { schema: { hide: true } }, async (request, reply) => {
    const charge = await load((request.params as { chargeId: string }).chargeId);
    if (!charge) return notFound(reply);
    const jsapi = wechatJsapiOf(charge);
    if (charge.status !== 'pending' || charge.channel !== 'wechatpay' || !isJsapi(charge)) {
      return html(reply, 200, { charge, ...(jsapi ? { jsapi } : {}) });
    }
    if (jsapi) return html(reply, 200, { charge, jsapi, ...sandboxSheet(core, charge) });
    // Not started: the payer's openid comes first (WeChat web authorization, snsapi_base).
    const state = randomBytes(12).toString('hex');
    let target;
    try {
      target = await payerAuthorizeUrl(
        core,
        payerOf(charge),
        `${hostedPayUrl(core.publicUrl, charge.id)}/wechat-oauth`,
        state,
      );
    } catch (error) {
      if (error instanceof JuheError) return html(reply, 503, { charge, problem: error.message });
      throw error;
    }
    return reply
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        `${STATE_COOKIE}=${state}; Path=/cashier/pay/${charge.id}; HttpOnly; SameSite=Lax; Max-Age=600`,
      )
      .redirect(target, 302);
  });

  app.get('/cashier/pay/:chargeId/wechat-oauth', { schema: { hide: true } }, async (request, reply) => {
    const charge = await load((request.params as { chargeId: string }).chargeId);
    if (!charge) return notFound(reply);
    const { code, state } = request.query as { code?: unknown; state?: unknown };
    const expected = readCookie(request.headers.cookie, STATE_COOKIE);
    const back = hostedPayUrl(core.publicUrl, charge.id);
    // Only the authorization this page began may bind a payer to the charge (no login CSRF).
    if (
      typeof code !== 'string' ||
      !code ||
      typeof state !== 'string' ||
      !expected ||
      !sameText(state, expected)
    ) {
      return html(reply, 400, {
        charge,
        problem: '授权已失效，请重新打开支付链接 (authorization expired: open the payment link again)',
      });
    }
    if (charge.status === 'pending' && !wechatJsapiOf(charge)) {
      try {
        const openid = await payerIdFromCode(core, payerOf(charge), code);
        await startCharge(core, charge.id, { openid });
      } catch (error) {
        if (!(error instanceof JuheError)) throw error;
        const now = (await findCharge(core.db, charge.id)) ?? charge;
        return html(reply, 502, { charge: now, problem: error.message });
      }
    }
    return reply
      .header(
        'set-cookie',
        `${STATE_COOKIE}=; Path=/cashier/pay/${charge.id}; HttpOnly; SameSite=Lax; Max-Age=0`,
      )
      .redirect(back, 303);
  });
}

const isJsapi = (charge: Charge) => charge.method === 'jsapi' || charge.method === 'mini';

function wechatJsapiOf(charge: Charge): Record<string, unknown> | undefined {
  const jsapi = charge.credential?.jsapi;
  return jsapi && typeof jsapi === 'object' && 'paySign' in jsapi
    ? (jsapi as Record<string, unknown>)
    : undefined;
}

function sandboxSheet(core: Core, charge: Charge): Pick<CashierView, 'sandboxSheetUrl'> {
  const prepayId = charge.credential?.prepay_id;
  if (charge.livemode || typeof prepayId !== 'string') return {};
  return {
    sandboxSheetUrl: `${core.publicUrl.replace(/\/+$/, '')}/sandbox/wechatpay/jsapi?prepay_id=${encodeURIComponent(prepayId)}`,
  };
}

const payerOf = (charge: Charge) =>
  ({ appId: charge.appId, livemode: charge.livemode, provider: charge.channel }) as const;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
