import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import {
  type CheckoutLink,
  checkoutClosedReason,
  findCheckout,
  payCheckout,
  signResult,
} from '../../core/checkout/checkout-links.js';
import type { Core } from '../../core/context.js';
import { payerAuthorizeUrl, payerIdFromCode } from '../../core/payer-auth/payer-authorization.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { autoSubmitForm } from '../../dialects/unified/form.js';
import { pageCsp, pageNonce } from '../../dialects/unified/page-csp.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { readCookie } from '../../domain/cookies.js';
import { checkoutPage, checkoutStatePage, noSuchLinkPage } from './checkout-page.js';
import { type PageLang, PAYER_TEXT, payerLang } from './payer-text.js';

const MOBILE = /Mobile|Android|iPhone|MicroMessenger|AlipayClient/i;
const WECHAT = /MicroMessenger/i;
const STATE_COOKIE = 'juhe_co_oauth';
/** How long a page inside WeChat may pay with the openid it learned. */
const PAYER_TOKEN_MS = 30 * 60 * 1000;

interface CheckoutPayer {
  c: string;
  openid: string;
  exp: number;
}

export function checkoutUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/checkout/${id}`;
}

/**
 * The payer's side of hosted checkout sessions and payment links: the page, the pay call
 * (the amount of a fixed link is the link's, whatever the browser sends), the PC WeChat
 * QR and its live status, and the result: a paid charge goes on to success_url with the
 * signed result (core/checkout signResult; docs/checkout.md), anything else shows its page.
 *
 * Inside WeChat a link that takes WeChat Pay first learns the payer's openid through
 * WeChat's web authorization (core/payer-auth, as the store QR does; bound to the browser
 * by a state cookie), then its page pays by JSAPI with the openid sealed into it.
 */
export async function checkoutRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const html = (reply: FastifyReply, status: number, render: (nonce: string) => string) => {
    const nonce = pageNonce();
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('content-security-policy', pageCsp(nonce))
      .type('text/html; charset=utf-8')
      .send(render(nonce));
  };
  const load = (request: FastifyRequest) => findCheckout(core, (request.params as { id: string }).id);
  /** A charge of this link named by ?charge=; undefined for any other. */
  const chargeOf = async (link: CheckoutLink, request: FastifyRequest): Promise<Charge | undefined> => {
    const id = (request.query as { charge?: unknown }).charge;
    if (typeof id !== 'string' || !/^ch_[0-9a-f]{24}$/.test(id)) return undefined;
    const charge = await retrieveCharge(core, id);
    return charge && charge.appId === link.appId && charge.orderNo.startsWith(`${link.id}-`)
      ? charge
      : undefined;
  };
  const notFound = (reply: FastifyReply, lang: PageLang, request: FastifyRequest) =>
    html(reply, 404, (n) => noSuchLinkPage(lang, n, request.url.split('?')[0]!));
  const self = (link: CheckoutLink) => `/checkout/${link.id}`;
  /** The link's closed page (expired, or a paid session), or null while it can be paid. */
  const closedPage = async (reply: FastifyReply, lang: PageLang, link: CheckoutLink) => {
    const closed = await checkoutClosedReason(core, link);
    if (!closed) return null;
    const back = closed === 'paid' ? link.successUrl : link.cancelUrl;
    return html(reply, closed === 'expired' ? 410 : 200, (n) =>
      checkoutStatePage(lang, closed, n, {
        switchHref: self(link),
        ...(back ? { link: back, linkText: PAYER_TEXT[lang].back } : {}),
      }),
    );
  };
  const wechatPayer = (link: CheckoutLink) =>
    ({ appId: link.appId, livemode: link.livemode, provider: 'wechatpay' }) as const;

  app.get('/checkout/:id', { schema: { hide: true } }, async (request, reply) => {
    const lang = payerLang(request, reply);
    const link = await load(request);
    if (!link) return notFound(reply, lang, request);
    const closed = await closedPage(reply, lang, link);
    if (closed) return closed;
    const ua = request.headers['user-agent'] ?? '';
    if (WECHAT.test(ua) && link.methods.includes('wechatpay')) {
      // Inside WeChat: the openid first (snsapi_base, silent), then JSAPI.
      const state = randomBytes(12).toString('hex');
      try {
        const authorize = await payerAuthorizeUrl(
          core,
          wechatPayer(link),
          `${checkoutUrl(core.publicUrl, link.id)}/auth`,
          state,
        );
        return reply
          .header('cache-control', 'no-store')
          .header(
            'set-cookie',
            `${STATE_COOKIE}=${state}; Path=/checkout/${link.id}; HttpOnly; SameSite=Lax; Max-Age=600`,
          )
          .redirect(authorize, 302);
      } catch (error) {
        if (!(error instanceof JuheError)) throw error;
        // No WeChat authorization for this app: the page still offers what it can.
      }
    }
    const scene = MOBILE.test(ua) ? 'h5' : 'pc';
    return html(reply, 200, (n) => checkoutPage({ ...link, lang, scene }, n));
  });

  // Back from WeChat's web authorization with a one-time code and the state.
  app.get('/checkout/:id/auth', { schema: { hide: true } }, async (request, reply) => {
    const lang = payerLang(request, reply);
    const t = PAYER_TEXT[lang];
    const link = await load(request);
    if (!link) return notFound(reply, lang, request);
    const closed = await closedPage(reply, lang, link);
    if (closed) return closed;
    const { code, state } = request.query as { code?: unknown; state?: unknown };
    const expected = readCookie(request.headers.cookie, STATE_COOKIE);
    if (
      typeof code !== 'string' ||
      !code ||
      typeof state !== 'string' ||
      !expected ||
      !sameText(state, expected)
    ) {
      return html(reply, 400, (n) =>
        checkoutStatePage(lang, 'failed', n, { switchHref: self(link), link: self(link), linkText: t.retry }),
      );
    }
    let openid: string;
    try {
      openid = await payerIdFromCode(core, wechatPayer(link), code);
    } catch (error) {
      if (!(error instanceof JuheError)) throw error;
      return html(reply, 502, (n) =>
        checkoutStatePage(lang, 'failed', n, { switchHref: self(link), link: self(link), linkText: t.retry }),
      );
    }
    const payer = core.box.sealJson({
      c: link.id,
      openid,
      exp: core.clock.now().getTime() + PAYER_TOKEN_MS,
    } satisfies CheckoutPayer);
    reply.header(
      'set-cookie',
      `${STATE_COOKIE}=; Path=/checkout/${link.id}; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    return html(reply, 200, (n) => checkoutPage({ ...link, lang, scene: 'h5', payer }, n));
  });

  app.post('/checkout/:id/pay', { schema: { hide: true } }, async (request, reply) => {
    const t = PAYER_TEXT[payerLang(request, reply)];
    const link = await load(request);
    if (!link) return reply.status(404).send({ message: t.noSuchLink });
    const body = (request.body ?? {}) as Record<string, unknown>;
    let openid: string | undefined;
    if (body.payer !== undefined) {
      let token: CheckoutPayer | undefined;
      try {
        token = typeof body.payer === 'string' ? core.box.openJson<CheckoutPayer>(body.payer) : undefined;
      } catch {
        token = undefined;
      }
      if (!token || token.c !== link.id || token.exp < core.clock.now().getTime()) {
        return reply.status(400).send({ message: t.pageExpired, code: 'invalid_parameter' });
      }
      openid = token.openid;
    }
    try {
      const charge = await payCheckout(core, link, {
        ...(openid ? { openid } : {}),
        method: typeof body.method === 'string' ? body.method : '',
        scene: body.scene === 'h5' ? 'h5' : 'pc',
        amountText: typeof body.amount === 'string' ? body.amount : undefined,
        clientIp: request.ip,
        resultUrl: (chargeId) => `${checkoutUrl(core.publicUrl, link.id)}/result?charge=${chargeId}`,
      });
      const credential = charge.credential ?? {};
      if (charge.method === 'jsapi') return { charge: charge.id, jsapi: credential.jsapi };
      if (charge.method === 'qr') return { charge: charge.id, qr: true };
      if (typeof credential.h5_url === 'string') return { charge: charge.id, url: credential.h5_url };
      const form = autoSubmitForm(charge.credential);
      if (form) return { charge: charge.id, form };
      throw new JuheError('channel_error', 'The channel gave nothing this page can open');
    } catch (error) {
      if (!(error instanceof JuheError) || error.status >= 500) throw error;
      const message = error.code === 'invalid_amount' ? t.amountOutside : error.message;
      return reply.status(400).send({ message, code: error.code });
    }
  });

  app.get('/checkout/:id/status', { schema: { hide: true } }, async (request, reply) => {
    const link = await load(request);
    const charge = link && (await chargeOf(link, request));
    if (!charge) return reply.status(404).send({ message: 'not found' });
    return reply.header('cache-control', 'no-store').send({ status: charge.status });
  });

  app.get('/checkout/:id/qr', { schema: { hide: true } }, async (request, reply) => {
    const link = await load(request);
    const charge = link && (await chargeOf(link, request));
    const content = charge?.credential?.code_url ?? charge?.credential?.qr_code;
    if (!charge || typeof content !== 'string') return reply.status(404).send({ message: 'not found' });
    return reply
      .type('image/svg+xml')
      .header('cache-control', 'no-store')
      .send(await QRCode.toString(content, { type: 'svg', margin: 1 }));
  });

  // UnionPay's front notification posts its signed form to the return URL; the outcome is
  // read from our own books, so the form is not read: 303 to the result page.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, _body, done) => done(null, {}),
  );
  app.post('/checkout/:id/result', { schema: { hide: true } }, async (request, reply) =>
    reply.redirect(request.url, 303),
  );

  app.get('/checkout/:id/result', { schema: { hide: true } }, async (request, reply) => {
    const lang = payerLang(request, reply);
    const t = PAYER_TEXT[lang];
    const link = await load(request);
    if (!link) return notFound(reply, lang, request);
    const charge = await chargeOf(link, request);
    if (!charge) return notFound(reply, lang, request);
    const switchHref = `/checkout/${link.id}/result?charge=${charge.id}`;
    if (charge.status === 'succeeded') {
      if (!link.successUrl)
        return html(reply, 200, (n) => checkoutStatePage(lang, 'succeeded', n, { switchHref }));
      const target = new URL(link.successUrl);
      for (const [k, v] of Object.entries(await signResult(core, link, charge)))
        target.searchParams.set(k, v);
      return reply.header('cache-control', 'no-store').redirect(target.toString(), 303);
    }
    if (isChargeUnpaid(charge.status)) {
      return html(reply, 200, (n) => checkoutStatePage(lang, 'processing', n, { switchHref }));
    }
    return html(reply, 200, (n) =>
      checkoutStatePage(lang, 'failed', n, {
        switchHref,
        link: checkoutUrl(core.publicUrl, link.id),
        linkText: t.retry,
      }),
    );
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
