import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PAYPAL_PAYER_CANCELLED, parsePaypalReturn } from '../channels/paypal/parse-notification-return.js';
import {
  notificationConfigFor,
  notificationOwner,
} from '../core/channel-notifications/notification-config.js';
import type { Core } from '../core/context.js';
import { chargeOfPayerReturn, payerCancelled, payerReturned } from '../core/payments/payer-return.js';
import type { Charge } from '../domain/charge.js';
import { escapeHtml } from './html.js';

/**
 * The payer's browser back from PayPal's approve page (payer redirects, not notifications):
 * - GET /return/paypal/:configId?order=<order_sn>&token=<PayPal order id>&PayerID=..: the
 *   order is captured here, then the payer goes on to the merchant's return URL.
 * - GET /return/paypal/:configId/cancel?order=..&token=..: the payer cancelled on PayPal.
 */
export async function paypalReturnRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  /** The charge a returning browser is about: its order_sn, and `token` must be its PayPal order. */
  const returning = async (request: FastifyRequest): Promise<Charge | undefined> => {
    const { configId } = request.params as { configId: string };
    const config = await notificationConfigFor(core, 'paypal', configId);
    const back = parsePaypalReturn({
      config,
      query: (request.query ?? {}) as Record<string, string | undefined>,
      publicUrl: core.publicUrl,
    });
    if (!back || config === 'unknown') return undefined;
    return chargeOfPayerReturn(core, notificationOwner(config), back);
  };

  app.get('/return/paypal/:configId', async (request, reply) => {
    const charge = await returning(request);
    if (!charge) return page(reply, 404, 'Unknown PayPal order');
    const after = await payerReturned(core, charge);
    if (after.returnUrl) return reply.redirect(after.returnUrl, 303);
    return page(reply, 200, after.status === 'succeeded' ? 'Payment complete' : 'Payment in progress', after);
  });

  app.get('/return/paypal/:configId/cancel', async (request, reply) => {
    const charge = await returning(request);
    if (!charge) return page(reply, 404, 'Unknown PayPal order');
    const after = await payerCancelled(core, charge, PAYPAL_PAYER_CANCELLED);
    if (after.returnUrl) return reply.redirect(after.returnUrl, 303);
    return page(reply, 200, after.status === 'succeeded' ? 'Payment complete' : 'Payment cancelled', after);
  });
}

function page(reply: FastifyReply, status: number, title: string, charge?: Charge) {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>` +
        (charge ? `<p>Order ${escapeHtml(charge.orderSn)}: ${charge.status}</p>` : ''),
    );
}
