import type { FastifyInstance, FastifyReply } from 'fastify';
import { jsonBody } from '../_kit/raw-body.js';
import type { AcpFields } from './acp.js';
import { RESP } from './codec.js';
import { cashierPage, errorPage, frontNotifyPage } from './pages.js';
import { BASE_PATH, type UnionpayParts } from './parts.js';
import { type TxnRow, txnByPayCode, txnByTn } from './repository.js';
import type { UnionpayTransitions } from './transitions.js';

/**
 * The payer's side: the app link a tn opens, the cashier page with pay/decline, and the
 * payer API (test helpers, a wallet) that plays the payer of a merchant order. A web order
 * whose form no browser posted has no transaction yet: its fields are submitted first.
 */
export function payerRoutes(
  app: FastifyInstance,
  p: UnionpayParts,
  t: UnionpayTransitions,
  o: { submitFront(fields: AcpFields): Promise<boolean>; exists(orderId: string): Promise<boolean> },
): void {
  const { ctx } = p;
  const byCode = async (code: string) =>
    /^[0-9a-f]{24}$/.test(code) ? txnByPayCode(ctx.db, code) : undefined;
  const notFound = (reply: FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send(errorPage(RESP.notFound[0], RESP.notFound[1]));
  const page = (reply: FastifyReply, txn: TxnRow, notice?: string) => {
    const timeout = txn.pay_timeout ? new Date(txn.pay_timeout) : null;
    return reply.type('text/html; charset=utf-8').send(
      cashierPage(
        {
          code: txn.pay_code!,
          merId: txn.mer_id,
          orderId: txn.order_id,
          txnAmt: Number(txn.txn_amt),
          respCode: txn.resp_code,
          respMsg: txn.resp_msg,
          expired: !!timeout && ctx.clock.now().getTime() > timeout.getTime(),
          channel: txn.tn ? 'app' : 'web',
        },
        BASE_PATH,
        notice,
      ),
    );
  };

  // What the UnionPay app SDK (or the Apple Pay control) opens for a tn.
  app.get(`${BASE_PATH}/app`, async (request, reply) => {
    const tn = (request.query as { tn?: unknown }).tn;
    const txn = typeof tn === 'string' && /^\d{21}$/.test(tn) ? await txnByTn(ctx.db, tn) : undefined;
    if (!txn) return notFound(reply);
    return reply.redirect(`${BASE_PATH}/cashier/${txn.pay_code}`, 303);
  });
  app.get(`${BASE_PATH}/cashier/:code`, async (request, reply) => {
    const txn = await byCode((request.params as { code: string }).code);
    return txn ? page(reply, txn) : notFound(reply);
  });
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/cashier/:code/${action}`, async (request, reply) => {
      const txn = await byCode((request.params as { code: string }).code);
      if (!txn) return notFound(reply);
      const result = await t.payerAct(txn.order_id, action);
      if (!result.ok) return page(reply.status(409), txn, result.reason);
      if (result.front && txn.front_url) {
        return reply.type('text/html; charset=utf-8').send(frontNotifyPage(txn.front_url, result.front));
      }
      return reply.redirect(`${BASE_PATH}/cashier/${txn.pay_code}`, 303);
    });
  }

  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      const body = jsonBody(request.body);
      const orderId = typeof body.order_id === 'string' ? body.order_id : '';
      const fields = body.fields && typeof body.fields === 'object' ? (body.fields as AcpFields) : undefined;
      if (!orderId) return reply.status(404).send({ found: false });
      if (!(await o.exists(orderId))) {
        if (!fields || !(await o.submitFront(fields))) return reply.status(404).send({ found: false });
      }
      const done = await t.payerAct(orderId, action);
      if (!done.ok && !(await o.exists(orderId))) return reply.status(404).send({ found: false });
      return reply.send({ found: true, ok: done.ok });
    });
  }
}
