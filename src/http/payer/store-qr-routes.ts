import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import { payerAuthorizeUrl, payerIdFromCode } from '../../core/payer-auth/payer-authorization.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { type QrPayer, payStoreQr } from '../../core/store-qr/pay-store-qr.js';
import { type StoreQrTarget, storeQrTarget } from '../../core/store-qr/store-qr-codes.js';
import { storeQrProviders } from '../../core/store-qr/store-qr-sheet.js';
import { PAY_TAGS } from '../../dialects/store/channels.js';
import { pageCsp, pageNonce } from '../../dialects/unified/page-csp.js';
import { JuheError } from '../../domain/errors.js';
import { formatMinor } from '../../domain/money.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { readCookie } from '../../domain/cookies.js';
import { type PageLang, PAYER_TEXT, payerLang } from './payer-text.js';
import { type QrApp, keypadPage, openInAppPage, problemPage, qrResultPage } from './store-qr-page.js';

const STATE_COOKIE = 'juhe_qr_oauth';
/** How long the keypad page may be used after the payer was identified. */
const PAYER_TOKEN_MS = 30 * 60 * 1000;
/** The apps that identify the payer by web authorization before a JSAPI payment. */
const AUTH_APPS: readonly QrApp[] = ['wechatpay', 'alipay'];
const CHARGE_ID = /^ch_[0-9a-f]{24}$/;
/** The store API's pay tag of a UnionPay order (no built-in store tag exists for it). */
const UNIONPAY_TAG = 'UnionPay';

/**
 * The payer's app, by the user agent its in-app browser sends: WeChat `MicroMessenger/`,
 * Alipay `AlipayClient/`, UnionPay's app (云闪付) `UnionPay/`
 * (`... (com.unionpay.chsp) ... (UnionPay/1.0 CloudPay)`).
 */
export function qrAppOf(userAgent: string | undefined): QrApp | null {
  if (/MicroMessenger/i.test(userAgent ?? '')) return 'wechatpay';
  if (/AlipayClient/i.test(userAgent ?? '')) return 'alipay';
  if (/UnionPay\//.test(userAgent ?? '')) return 'unionpay';
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
 * 3. UnionPay's app (where the store's app allows UnionPay) needs no identification: the
 *    keypad posts the amount and the page hands the payer to UnionPay's mobile web payment
 *    (the connector's signed front form); UnionPay returns the payer to /q/<id>/result;
 * 4. any other scanner, or an app the store does not take, gets a page naming the apps
 *    that can pay.
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
  const codeUrl = (id: string) => `/q/${id}`;
  const unknownCode = (reply: FastifyReply, lang: PageLang, id: string) =>
    page(reply, 404, (n) =>
      problemPage(lang, PAYER_TEXT[lang].unknownCode, PAYER_TEXT[lang].unknownCodeText, codeUrl(id), n),
    );
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const load = (request: FastifyRequest) => storeQrTarget(core.db, idOf(request));
  const payerOf = (target: StoreQrTarget, provider: QrApp) => ({
    appId: target.store.appId,
    livemode: target.store.livemode,
    provider,
  });
  const callback = (id: string) => `${storeQrUrl(core.publicUrl, id)}/auth`;

  const sealPayer = (target: StoreQrTarget, provider: QrApp, id: string) =>
    core.box.sealJson({
      q: target.code.id,
      p: provider,
      id,
      exp: core.clock.now().getTime() + PAYER_TOKEN_MS,
    } satisfies PayerToken);
  const keypad = (reply: FastifyReply, lang: PageLang, target: StoreQrTarget, app: QrApp, payerId: string) =>
    page(reply, 200, (n) =>
      keypadPage(
        {
          lang,
          app,
          storeName: target.store.name,
          label: target.code.label,
          payer: sealPayer(target, app, payerId),
          payUrl: `/q/${target.code.id}/pay`,
          codeUrl: codeUrl(target.code.id),
        },
        n,
      ),
    );

  app.get('/q/:id', { schema: { hide: true } }, async (request, reply) => {
    const lang = payerLang(request, reply);
    const target = await load(request);
    if (!target) return unknownCode(reply, lang, idOf(request));
    const inApp = qrAppOf(request.headers['user-agent']);
    const providers = await storeQrProviders(core, target.store);
    if (!inApp || !providers.includes(inApp)) {
      return page(reply, 200, (n) =>
        openInAppPage(lang, target.store.name, providers, codeUrl(target.code.id), n),
      );
    }
    if (!AUTH_APPS.includes(inApp)) return keypad(reply, lang, target, inApp, '');
    const state = randomBytes(12).toString('hex');
    let authorize: string;
    try {
      authorize = await payerAuthorizeUrl(core, payerOf(target, inApp), callback(target.code.id), state);
    } catch (error) {
      if (!(error instanceof JuheError)) throw error;
      return page(reply, 503, (n) =>
        problemPage(lang, PAYER_TEXT[lang].unavailable, error.message, codeUrl(target.code.id), n),
      );
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
    const lang = payerLang(request, reply);
    const t = PAYER_TEXT[lang];
    const target = await load(request);
    if (!target) return unknownCode(reply, lang, idOf(request));
    const query = request.query as Record<string, unknown>;
    const code = typeof query.code === 'string' ? query.code : query.auth_code;
    const [provider, expected] = (readCookie(request.headers.cookie, STATE_COOKIE) ?? '').split('.');
    const state = typeof query.state === 'string' ? query.state : '';
    if (
      typeof code !== 'string' ||
      !code ||
      !AUTH_APPS.includes(provider as QrApp) ||
      !expected ||
      !sameText(state, expected)
    ) {
      return page(reply, 400, (n) =>
        problemPage(lang, t.authExpired, t.authExpiredText, codeUrl(target.code.id), n),
      );
    }
    let payerId: string;
    try {
      payerId = await payerIdFromCode(core, payerOf(target, provider as QrApp), code);
    } catch (error) {
      if (!(error instanceof JuheError)) throw error;
      return page(reply, 502, (n) =>
        problemPage(lang, t.authFailed, error.message, codeUrl(target.code.id), n),
      );
    }
    reply.header(
      'set-cookie',
      `${STATE_COOKIE}=; Path=/q/${target.code.id}; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    return keypad(reply, lang, target, provider as QrApp, payerId);
  });

  app.post('/q/:id/pay', { schema: { hide: true } }, async (request, reply) => {
    const t = PAYER_TEXT[payerLang(request, reply)];
    const refuse = (status: number, message: string, code?: string) =>
      reply.status(status).send({ message, ...(code ? { code } : {}) });
    const target = await load(request);
    if (!target) return refuse(404, t.unknownCode);
    const body = (request.body ?? {}) as Record<string, unknown>;
    let token: PayerToken | undefined;
    try {
      token = typeof body.payer === 'string' ? core.box.openJson<PayerToken>(body.payer) : undefined;
    } catch {
      token = undefined;
    }
    if (!token || token.q !== target.code.id || token.exp < core.clock.now().getTime()) {
      return refuse(400, t.pageExpired);
    }
    const tag =
      token.p === 'unionpay'
        ? UNIONPAY_TAG
        : PAY_TAGS.find((p) => p.provider === token.p && p.livemode === target.store.livemode)?.tag;
    const payer: QrPayer =
      token.p === 'wechatpay'
        ? { provider: 'wechatpay', openid: token.id }
        : token.p === 'alipay'
          ? { provider: 'alipay', buyerId: token.id }
          : { provider: 'unionpay' };
    const resultUrl = (chargeId: string) =>
      `${storeQrUrl(core.publicUrl, target.code.id)}/result?charge=${chargeId}`;
    try {
      const charge = await payStoreQr(core, {
        target,
        payer,
        amountText: typeof body.amount === 'string' ? body.amount : '',
        remark: typeof body.remark === 'string' ? body.remark : '',
        pmtTag: tag ?? token.p,
        clientIp: request.ip,
        resultUrl,
      });
      const credential = charge.credential ?? {};
      if (token.p === 'wechatpay') return { charge: charge.id, jsapi: credential.jsapi };
      if (token.p === 'alipay') return { charge: charge.id, tradeNO: credential.trade_no };
      return { charge: charge.id, form: credential.html };
    } catch (error) {
      if (!(error instanceof JuheError) || error.status >= 500) throw error;
      return refuse(400, error.code === 'invalid_amount' ? t.badAmount : error.message, error.code);
    }
  });

  // UnionPay's front notification posts its signed form here; the outcome comes from our own
  // books (its back notification settles the charge), so the form is not read: 303 to the page.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, _body, done) => done(null, {}),
  );
  app.post('/q/:id/result', { schema: { hide: true } }, async (request, reply) =>
    reply.redirect(request.url, 303),
  );

  // Where UnionPay's page returns the payer: the payment's outcome, in the payer's language.
  app.get('/q/:id/result', { schema: { hide: true } }, async (request, reply) => {
    const lang = payerLang(request, reply);
    const target = await load(request);
    if (!target) return unknownCode(reply, lang, idOf(request));
    const id = (request.query as { charge?: unknown }).charge;
    const charge = typeof id === 'string' && CHARGE_ID.test(id) ? await retrieveCharge(core, id) : undefined;
    if (!charge || charge.storeId !== target.store.id || charge.extra.qrc_id !== target.code.id) {
      return unknownCode(reply, lang, target.code.id);
    }
    const state =
      charge.status === 'succeeded' ? 'succeeded' : isChargeUnpaid(charge.status) ? 'processing' : 'failed';
    return page(reply, 200, (n) =>
      qrResultPage(
        lang,
        state,
        {
          storeName: target.store.name,
          amount: formatMinor(charge.amount, charge.currency),
          codeUrl: codeUrl(target.code.id),
          selfUrl: `/q/${target.code.id}/result?charge=${charge.id}`,
        },
        n,
      ),
    );
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
