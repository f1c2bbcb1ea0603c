import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import { payerAuthorizeUrl, payerIdFromCode } from '../../core/payer-auth/payer-authorization.js';
import { type QrPayer, payStoreQr } from '../../core/store-qr/pay-store-qr.js';
import { type StoreQrTarget, storeQrTarget } from '../../core/store-qr/store-qr-codes.js';
import { PAY_TAGS } from '../../dialects/store/channels.js';
import { pageCsp, pageNonce } from '../../dialects/unified/page-csp.js';
import { JuheError } from '../../domain/errors.js';
import { readCookie } from '../../domain/cookies.js';
import { type QrApp, keypadPage, openInAppPage, problemPage } from './store-qr-page.js';

const STATE_COOKIE = 'juhe_qr_oauth';
/** How long the keypad page may be used after the payer was identified. */
const PAYER_TOKEN_MS = 30 * 60 * 1000;
const APPS: readonly QrApp[] = ['wechatpay', 'alipay'];

/** The payer's app, by the user agent its in-app browser sends. */
export function qrAppOf(userAgent: string | undefined): QrApp | null {
  if (/MicroMessenger/i.test(userAgent ?? '')) return 'wechatpay';
  if (/AlipayClient/i.test(userAgent ?? '')) return 'alipay';
  return null;
}

/** The public URL of a store's aggregated code: what the printed QR holds. */
export function storeQrUrl(publicUrl: string, qrcId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/q/${qrcId}`;
}

interface PayerToken {
  q: string;
  p: QrApp;
  id: string;
  exp: number;
}

/**
 * The aggregated store QR's payer side (一码付), /q/<qrc id>:
 * 1. opened in WeChat or Alipay, the page first learns who the payer is through the app's
 *    web authorization (openid / buyer user_id; core/payer-auth), bound to this browser by a
 *    state cookie;
 * 2. the keypad page carries the payer sealed (the master key's box: a payer cannot swap in
 *    another id), and posts the amount and remark to /q/<id>/pay, which creates the store's
 *    order and answers the JSAPI parameters the page hands to the app's bridge;
 * 3. any other scanner gets a page naming the apps that can pay.
 */
export async function storeQrRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const page = (reply: FastifyReply, status: number, html: (nonce: string) => string) => {
    const nonce = pageNonce();
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('content-security-policy', pageCsp(nonce))
      .type('text/html; charset=utf-8')
      .send(html(nonce));
  };
  const unknownCode = (reply: FastifyReply) =>
    page(reply, 404, (n) => problemPage('收款码无效', '此收款码不存在或已停用 (unknown QR code)', n));
  const load = (request: FastifyRequest) => storeQrTarget(core.db, (request.params as { id: string }).id);
  const payerOf = (target: StoreQrTarget, provider: QrApp) => ({
    appId: target.store.appId,
    livemode: target.store.livemode,
    provider,
  });
  const callback = (id: string) => `${storeQrUrl(core.publicUrl, id)}/auth`;

  app.get('/q/:id', { schema: { hide: true } }, async (request, reply) => {
    const target = await load(request);
    if (!target) return unknownCode(reply);
    const inApp = qrAppOf(request.headers['user-agent']);
    if (!inApp) return page(reply, 200, (n) => openInAppPage(target.store.name, APPS, n));
    const state = randomBytes(12).toString('hex');
    let authorize: string;
    try {
      authorize = await payerAuthorizeUrl(core, payerOf(target, inApp), callback(target.code.id), state);
    } catch (error) {
      if (!(error instanceof JuheError)) throw error;
      return page(reply, 503, (n) => problemPage('暂不可用', error.message, n));
    }
    return reply
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        `${STATE_COOKIE}=${inApp}.${state}; Path=/q/${target.code.id}; HttpOnly; SameSite=Lax; Max-Age=600`,
      )
      .redirect(authorize, 302);
  });

  // Back from the app's authorization: WeChat sends code, Alipay auth_code; both the state.
  app.get('/q/:id/auth', { schema: { hide: true } }, async (request, reply) => {
    const target = await load(request);
    if (!target) return unknownCode(reply);
    const query = request.query as Record<string, unknown>;
    const code = typeof query.code === 'string' ? query.code : query.auth_code;
    const [provider, expected] = (readCookie(request.headers.cookie, STATE_COOKIE) ?? '').split('.');
    const state = typeof query.state === 'string' ? query.state : '';
    if (
      typeof code !== 'string' ||
      !code ||
      !APPS.includes(provider as QrApp) ||
      !expected ||
      !sameText(state, expected)
    ) {
      return page(reply, 400, (n) => problemPage('授权已失效', '请重新扫码付款 (scan the code again)', n));
    }
    let payerId: string;
    try {
      payerId = await payerIdFromCode(core, payerOf(target, provider as QrApp), code);
    } catch (error) {
      if (!(error instanceof JuheError)) throw error;
      return page(reply, 502, (n) => problemPage('授权失败', error.message, n));
    }
    const token: PayerToken = {
      q: target.code.id,
      p: provider as QrApp,
      id: payerId,
      exp: core.clock.now().getTime() + PAYER_TOKEN_MS,
    };
    reply.header(
      'set-cookie',
      `${STATE_COOKIE}=; Path=/q/${target.code.id}; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    return page(reply, 200, (n) =>
      keypadPage(
        {
          app: provider as QrApp,
          storeName: target.store.name,
          label: target.code.label,
          payer: core.box.sealJson(token),
          payUrl: `/q/${target.code.id}/pay`,
        },
        n,
      ),
    );
  });

  app.post('/q/:id/pay', { schema: { hide: true } }, async (request, reply) => {
    const refuse = (status: number, message: string) => reply.status(status).send({ message });
    const target = await load(request);
    if (!target) return refuse(404, '收款码无效');
    const body = (request.body ?? {}) as Record<string, unknown>;
    let token: PayerToken | undefined;
    try {
      token = typeof body.payer === 'string' ? core.box.openJson<PayerToken>(body.payer) : undefined;
    } catch {
      token = undefined;
    }
    if (!token || token.q !== target.code.id || token.exp < core.clock.now().getTime()) {
      return refuse(400, '页面已过期，请重新扫码');
    }
    const tag = PAY_TAGS.find((t) => t.provider === token.p && t.livemode === target.store.livemode);
    const payer: QrPayer =
      token.p === 'wechatpay'
        ? { provider: 'wechatpay', openid: token.id }
        : { provider: 'alipay', buyerId: token.id };
    try {
      const charge = await payStoreQr(core, {
        target,
        payer,
        amountText: typeof body.amount === 'string' ? body.amount : '',
        remark: typeof body.remark === 'string' ? body.remark : '',
        pmtTag: tag?.tag ?? token.p,
        clientIp: request.ip,
      });
      const credential = charge.credential ?? {};
      return token.p === 'wechatpay'
        ? { charge: charge.id, jsapi: credential.jsapi }
        : { charge: charge.id, tradeNO: credential.trade_no };
    } catch (error) {
      if (!(error instanceof JuheError) || error.status >= 500) throw error;
      return refuse(400, error.message);
    }
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
