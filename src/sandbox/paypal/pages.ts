import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from '../../domain/html.js';
import { jsonBody } from '../_kit/raw-body.js';
import { amountValue } from './codec.js';
import { PAYPAL_BASE_PATH, type PpSim } from './context.js';
import { findOrder } from './repository.js';
import { orderExpired } from './transitions.js';

export interface ApprovePageOrder {
  id: string;
  description: string;
  currency: string;
  amount: number;
  status: string;
  merchantEmail: string;
  expired: boolean;
}

/**
 * The payer's PayPal checkout (what the approve link opens): the order, and two buttons.
 * "Pay" approves the order and sends the browser to the merchant's return_url with
 * ?token=<order id>&PayerID=..; "Cancel and return" goes to cancel_url?token=<order id>.
 */
export function approvePage(order: ApprovePageOrder, basePath: string, notice?: string): string {
  const open = (order.status === 'CREATED' || order.status === 'PAYER_ACTION_REQUIRED') && !order.expired;
  const amount = `${amountValue(order.amount, order.currency)} ${order.currency}`;
  const action = (verb: string) => `${basePath}/checkoutnow/${encodeURIComponent(order.id)}/${verb}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PayPal Checkout (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:600}.muted{color:#666}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem 0;width:100%}
.pay{background:#ffc439;border:0;border-radius:4px}.notice{background:#fff3cd;padding:.5rem}</style></head>
<body>
<h1>PayPal Checkout <small class="muted">sandbox</small></h1>
${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}
<p class="muted">Pay ${escapeHtml(order.merchantEmail)}</p>
<p class="amount">${escapeHtml(amount)}</p>
<p>${escapeHtml(order.description)}</p>
<p class="muted">Order ${escapeHtml(order.id)} · ${order.expired ? 'expired' : escape(order.status)}</p>
${
  open
    ? `<form method="post" action="${action('pay')}"><button class="pay" type="submit">Pay Now</button></form>
<form method="post" action="${action('cancel')}"><button type="submit">Cancel and return to merchant</button></form>`
    : ''
}
</body></html>`;
}

/** The payer on the checkout page (transition, webhook, and where the browser goes next). */
export type PayerAct = (
  orderId: string,
  action: 'pay' | 'cancel',
) => Promise<{ ok: boolean; redirect?: string; reason?: string }>;

/**
 * The payer's routes: the checkout page the approve link opens with its two buttons, and
 * the payer API (`POST /payer/{pay,cancel}` with `{order_id}`), which plays the payer as a
 * browser would: acts on the checkout page, then follows the redirect back to the merchant.
 */
export function payerRoutes(
  app: FastifyInstance,
  sim: PpSim,
  payerAct: PayerAct,
  follow: (url: string) => Promise<unknown>,
): void {
  const pageFor = async (reply: FastifyReply, id: string, notice?: string) => {
    const o = /^[A-Z0-9]{1,32}$/.test(id) ? await findOrder(sim.ctx.db, id) : undefined;
    if (!o)
      return reply.status(404).type('text/html; charset=utf-8').send('<h1>This order does not exist</h1>');
    const view: ApprovePageOrder = {
      id: o.id,
      description: o.description ?? '',
      currency: o.currency,
      amount: Number(o.amount),
      status: o.status,
      merchantEmail: sim.keys.merchantEmail,
      expired: orderExpired(sim, o),
    };
    return reply.type('text/html; charset=utf-8').send(approvePage(view, PAYPAL_BASE_PATH, notice));
  };
  app.get(`${PAYPAL_BASE_PATH}/checkoutnow`, async (req, reply) => {
    const token = (req.query as { token?: unknown }).token;
    return pageFor(reply, typeof token === 'string' ? token : '');
  });
  for (const action of ['pay', 'cancel'] as const) {
    app.post(`${PAYPAL_BASE_PATH}/checkoutnow/:token/${action}`, async (req, reply) => {
      const { token } = req.params as { token: string };
      const result = await payerAct(token, action);
      if (!result.ok) return pageFor(reply.status(409), token, result.reason);
      if (result.redirect) return reply.redirect(result.redirect, 303);
      return pageFor(reply, token, action === 'pay' ? 'Approved' : 'Cancelled');
    });
    app.post(`${PAYPAL_BASE_PATH}/payer/${action}`, async (req, reply) => {
      const body = jsonBody(req.body);
      const orderId = typeof body.order_id === 'string' ? body.order_id : '';
      if (!orderId || !(await findOrder(sim.ctx.db, orderId)))
        return reply.status(404).send({ found: false });
      const result = await payerAct(orderId, action);
      if (result.redirect) await follow(result.redirect);
      return reply.send({ found: true, ok: result.ok });
    });
  }
}
