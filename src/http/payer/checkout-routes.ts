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
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { autoSubmitForm } from '../../dialects/unified/form.js';
import { pageCsp, pageNonce } from '../../dialects/unified/page-csp.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { checkoutPage, checkoutStatePage } from './checkout-page.js';

const MOBILE = /Mobile|Android|iPhone|MicroMessenger|AlipayClient/i;

export function checkoutUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/checkout/${id}`;
}

/**
 * The payer's side of hosted checkout sessions and payment links: the page, the pay call
 * (the amount of a fixed link is the link's, whatever the browser sends), the PC WeChat
 * QR and its live status, and the result: a paid charge goes on to success_url with the
 * signed result (core/checkout signResult; docs/checkout.md), anything else shows its page.
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
  const notFound = (reply: FastifyReply) =>
    reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send('<!doctype html><meta charset="utf-8"><h1>链接不存在 (no such link)</h1>');

  app.get('/checkout/:id', { schema: { hide: true } }, async (request, reply) => {
    const link = await load(request);
    if (!link) return notFound(reply);
    const closed = await checkoutClosedReason(core, link);
    if (closed) {
      const back = closed === 'paid' ? link.successUrl : link.cancelUrl;
      return html(reply, closed === 'expired' ? 410 : 200, (n) =>
        checkoutStatePage(closed, n, back ? { link: back, linkText: '返回商户' } : {}),
      );
    }
    const scene = MOBILE.test(request.headers['user-agent'] ?? '') ? 'h5' : 'pc';
    return html(reply, 200, (n) => checkoutPage({ ...link, scene }, n));
  });

  app.post('/checkout/:id/pay', { schema: { hide: true } }, async (request, reply) => {
    const link = await load(request);
    if (!link) return reply.status(404).send({ message: '链接不存在' });
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      const charge = await payCheckout(core, link, {
        method: typeof body.method === 'string' ? body.method : '',
        scene: body.scene === 'h5' ? 'h5' : 'pc',
        amountText: typeof body.amount === 'string' ? body.amount : undefined,
        clientIp: request.ip,
        resultUrl: (chargeId) => `${checkoutUrl(core.publicUrl, link.id)}/result?charge=${chargeId}`,
      });
      const credential = charge.credential ?? {};
      if (charge.method === 'qr') return { charge: charge.id, qr: true };
      if (typeof credential.h5_url === 'string') return { charge: charge.id, url: credential.h5_url };
      const form = autoSubmitForm(charge.credential);
      if (form) return { charge: charge.id, form };
      throw new JuheError('channel_error', 'The channel gave nothing this page can open');
    } catch (error) {
      if (!(error instanceof JuheError) || error.status >= 500) throw error;
      return reply.status(400).send({ message: error.message, code: error.code });
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

  app.get('/checkout/:id/result', { schema: { hide: true } }, async (request, reply) => {
    const link = await load(request);
    if (!link) return notFound(reply);
    const charge = await chargeOf(link, request);
    if (!charge) return notFound(reply);
    if (charge.status === 'succeeded') {
      if (!link.successUrl) return html(reply, 200, (n) => checkoutStatePage('succeeded', n));
      const target = new URL(link.successUrl);
      for (const [k, v] of Object.entries(await signResult(core, link, charge)))
        target.searchParams.set(k, v);
      return reply.header('cache-control', 'no-store').redirect(target.toString(), 303);
    }
    if (isChargeUnpaid(charge.status)) {
      return html(reply, 200, (n) =>
        checkoutStatePage('processing', n, { chargeId: charge.id, linkId: link.id }),
      );
    }
    return html(reply, 200, (n) =>
      checkoutStatePage('failed', n, { link: checkoutUrl(core.publicUrl, link.id), linkText: '重新支付' }),
    );
  });
}
