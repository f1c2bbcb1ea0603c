import type { FastifyInstance, FastifyReply } from 'fastify';
import { jsonBody, rawBody } from '../_kit/raw-body.js';
import { counterPage } from './pages.js';
import { BASE_PATH, type LakalaParts } from './parts.js';
import { type OrderRow, orderByPayCode } from './repository.js';
import type { LakalaTransitions } from './transitions.js';

/**
 * The payer's side: the hosted cashier (counter) page with pay/decline, back to the
 * merchant's callback_url once paid, and the payer API (test helpers, a wallet).
 */
export function payerRoutes(
  app: FastifyInstance,
  p: LakalaParts,
  t: LakalaTransitions,
  exists: (outOrderNo: string) => Promise<boolean>,
): void {
  const { ctx } = p;
  const orderByCode = async (code: string) =>
    /^[0-9a-f]{24}$/.test(code) ? orderByPayCode(ctx.db, code) : undefined;
  const page = async (reply: FastifyReply, order: OrderRow, notice?: string) =>
    reply.type('text/html; charset=utf-8').send(
      counterPage(
        {
          code: order.pay_code,
          merchantNo: order.merchant_no,
          outOrderNo: order.out_order_no,
          payOrderNo: order.pay_order_no,
          orderInfo: order.order_info,
          total: Number(order.total_amount),
          status: await p.shapes.statusOf(ctx.db, order),
        },
        BASE_PATH,
        notice,
      ),
    );
  const missing = (reply: FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send('<h1>订单不存在 (no such order)</h1>');

  app.get(`${BASE_PATH}/counter/:code`, async (req, reply) => {
    const order = await orderByCode((req.params as { code: string }).code);
    return order ? page(reply, order) : missing(reply);
  });
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/counter/:code/${action}`, async (req, reply) => {
      const order = await orderByCode((req.params as { code: string }).code);
      if (!order) return missing(reply);
      const mode = new URLSearchParams(rawBody(req)).get('pay_mode');
      const result = await t.payerAct(
        order.out_order_no,
        action,
        mode && ['WECHAT', 'ALIPAY', 'UQRCODEPAY'].includes(mode) ? mode : 'WECHAT',
      );
      if (!result.ok) return page(reply.status(409), order, result.reason);
      // Paid: back to the merchant's page, as Lakala's cashier does with callback_url.
      if (action === 'pay' && order.callback_url) return reply.redirect(order.callback_url, 303);
      return reply.redirect(`${BASE_PATH}/counter/${order.pay_code}`, 303);
    });
  }

  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      const body = jsonBody(request.body);
      const outOrderNo = typeof body.out_order_no === 'string' ? body.out_order_no : '';
      if (!outOrderNo || !(await exists(outOrderNo))) return reply.status(404).send({ found: false });
      await t.payerAct(outOrderNo, action);
      return reply.send({ found: true });
    });
  }
}
