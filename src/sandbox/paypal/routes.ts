import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rawBody } from '../_kit/raw-body.js';
import { bearerClient } from './auth.js';
import { invalid, MISSING, notFound, PaypalError, sendError } from './codec.js';
import { type ApiHandler, PAYPAL_BASE_PATH, type PpSim } from './context.js';
import * as repo from './repository.js';
import { signatureHolds, signedMessage, WEBHOOK_AUTH_ALGO } from './sign.js';
import { capture, createOrder } from './transitions.js';
import { createRefund } from './transitions-refund.js';

export type Api = (handler: ApiHandler) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const MALFORMED = 'The request JSON is not well formed.';

/**
 * The REST pipeline around every call: the 5xx fault, the bearer token, PayPal-Request-Id
 * replay (a POST seen before answers what it answered), the JSON body, the transition (a
 * PaypalError is PayPal's error shape), the timeout fault, the answer.
 */
export function apiPipeline(sim: PpSim): Api {
  const { ctx, faults } = sim;
  return (handler) => async (req, reply) => {
    if (faults.take('error_5xx')) return sendError(reply, new PaypalError(500, 'INTERNAL_SERVER_ERROR'));
    const clientId = await bearerClient(sim, req, reply);
    if (clientId === undefined) return reply;
    const requestId = req.method === 'POST' ? String(req.headers['paypal-request-id'] ?? '') : '';
    const path = req.url.split('?')[0];
    if (requestId) {
      if (requestId.length > 108)
        return sendError(reply, invalid('INVALID_PARAMETER_VALUE', 'PayPal-Request-Id is too long.'));
      const seen = await repo.findReplay(ctx.db, clientId, requestId, path);
      if (seen) return reply.status(seen.status).type('application/json').send(seen.body);
    }
    let body: any;
    if (req.method === 'POST') {
      const raw = rawBody(req);
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return sendError(reply, invalid('MALFORMED_REQUEST_JSON', MALFORMED));
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return sendError(reply, invalid('MALFORMED_REQUEST_JSON', MALFORMED));
      }
    }
    const prefer = String(req.headers.prefer ?? 'return=minimal');
    let answer: Awaited<ReturnType<ApiHandler>>;
    try {
      answer = await handler({ body, params: req.params, query: req.query, prefer });
    } catch (error) {
      if (!(error instanceof PaypalError)) throw error;
      const slow = faults.take('timeout');
      if (slow) await sim.hold(slow.ms || 30_000);
      return sendError(reply, error);
    }
    const json = JSON.stringify(answer.body);
    // The corrupt statement fault: the answer arrives cut short.
    const text = answer.cut ? json.slice(0, Math.floor(json.length / 2)) : json;
    if (requestId) {
      await repo.recordReplay(ctx.db, {
        client_id: clientId,
        request_id: requestId,
        path,
        status: answer.status,
        body: text,
        created_at: ctx.clock.now(),
      });
    }
    const slow = faults.take('timeout');
    if (slow) await sim.hold(slow.ms || 30_000);
    return reply.status(answer.status).type('application/json').send(text);
  };
}

/** The REST route table: Orders v2, Payments v2, the webhook certificate and signature postback. */
export function apiRoutes(app: FastifyInstance, sim: PpSim, api: Api): void {
  const { ctx, keys, shapes } = sim;
  const P = PAYPAL_BASE_PATH;
  app.post(
    `${P}/v2/checkout/orders`,
    api(({ body, prefer }) => createOrder(sim, body, prefer)),
  );
  app.get(
    `${P}/v2/checkout/orders/:id`,
    api(async ({ params }) => {
      const o = await repo.findOrder(ctx.db, params.id);
      if (!o) throw notFound();
      return { status: 200, body: shapes.orderJson(o, true) };
    }),
  );
  app.post(
    `${P}/v2/checkout/orders/:id/capture`,
    api(({ params, prefer }) => capture(sim, params.id, prefer)),
  );
  app.get(
    `${P}/v2/payments/captures/:id`,
    api(async ({ params }) => {
      const o = await repo.findCapture(ctx.db, params.id);
      if (!o) throw notFound();
      return { status: 200, body: shapes.captureJson(o) };
    }),
  );
  app.post(
    `${P}/v2/payments/captures/:id/refund`,
    api(({ params, body, prefer }) => createRefund(sim, params.id, body, prefer)),
  );
  app.get(
    `${P}/v2/payments/refunds/:id`,
    api(async ({ params }) => {
      const r = await repo.findRefund(ctx.db, params.id);
      if (!r) throw notFound();
      const refunded = await repo.refundedSum(ctx.db, r.capture_id, ['COMPLETED']);
      return { status: 200, body: shapes.refundJson(r, refunded) };
    }),
  );

  app.get(`${P}/v1/notifications/certs/:certId`, async (req, reply) => {
    if ((req.params as { certId: string }).certId !== keys.signing.certId) {
      return sendError(reply, notFound('The certificate does not exist.'));
    }
    return reply.type('application/x-pem-file').send(keys.signing.certificatePem);
  });

  app.post(
    `${P}/v1/notifications/verify-webhook-signature`,
    api(async ({ body: b }) => {
      for (const f of [
        'auth_algo',
        'cert_url',
        'transmission_id',
        'transmission_sig',
        'transmission_time',
        'webhook_id',
      ]) {
        if (typeof b[f] !== 'string' || !b[f]) throw invalid('MISSING_REQUIRED_PARAMETER', MISSING, `/${f}`);
      }
      if (!b.webhook_event || typeof b.webhook_event !== 'object') {
        throw invalid('MISSING_REQUIRED_PARAMETER', MISSING, '/webhook_event');
      }
      // PayPal checks the event it sent: the stored body, byte for byte, against the signature.
      const sent = await repo.webhookBody(ctx.db, String(b.webhook_event.id ?? ''));
      const same = sent !== undefined && JSON.stringify(JSON.parse(sent)) === JSON.stringify(b.webhook_event);
      const ok =
        same &&
        b.auth_algo === WEBHOOK_AUTH_ALGO &&
        b.webhook_id === keys.webhookId &&
        b.cert_url === sim.outbox.certUrl() &&
        signatureHolds(
          signedMessage(b.transmission_id, b.transmission_time, b.webhook_id, sent),
          b.transmission_sig,
          keys.signing.certificatePem,
        );
      return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
    }),
  );
}
