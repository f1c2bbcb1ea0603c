import { randomBytes } from 'node:crypto';
import { dueWork } from '../_kit/due-work.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { jsonBody, rawBody, takeRawBodies } from '../_kit/raw-body.js';
import {
  putInService,
  type SandboxSimulator,
  sandboxSimulatorBase,
  simulatorInstances,
} from '../_kit/service.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ERROR_MESSAGES,
  type PaypalErrorDetail,
  WEBHOOK_AUTH_ALGO,
  formatPaypalAmount,
  isPaypalCurrency,
  parsePaypalAmount,
  paypalTime,
  verifyWebhookSignature,
  webhookSignedMessage,
} from '../../channels/paypal/protocol.js';
import type { Queryable } from '../../db/db.js';
import { PaypalFaults } from './faults.js';
import { type PaypalSandboxKeys, loadOrCreatePaypalKeys, paypalId } from './keys.js';
import { approvePage } from './pages.js';
import { type PaypalDelivery, WebhookOutbox } from './webhooks.js';
import { type OrderRow, type RefundRow, paypalShapes } from './shapes.js';

export const PAYPAL_BASE_PATH = '/sandbox/paypal';
export { WEBHOOK_RETRY_SCHEDULE_MS } from './webhooks.js';
/** Access tokens live 9 hours (expires_in 32400), on the business clock. */
export const TOKEN_LIFETIME_S = 32_400;
/** A payer has 3 hours from creation to approve an order (PayPal's default). */
export const APPROVAL_WINDOW_MS = 3 * 3600_000;

/** Due work here: webhooks, and captures and refunds a fault left pending. */
export type PaypalSimulatorOptions = SimulatorOptions;

/** A PayPal REST error: HTTP status + {name, message, debug_id, details}. */
class PaypalError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly details: PaypalErrorDetail[] = [],
  ) {
    super(ERROR_MESSAGES[errorName] ?? errorName);
  }
}
const invalid = (issue: string, description: string, field?: string) =>
  new PaypalError(400, 'INVALID_REQUEST', [
    { ...(field ? { field, location: 'body' } : {}), issue, description },
  ]);
const unprocessable = (issue: string, description: string) =>
  new PaypalError(422, 'UNPROCESSABLE_ENTITY', [{ issue, description }]);
const notFound = (description: string) =>
  new PaypalError(404, 'RESOURCE_NOT_FOUND', [{ issue: 'INVALID_RESOURCE_ID', description }]);

/** The simulator's handle: what tests, the admin API and the payer helper act through. */
export interface PaypalSimulator extends SandboxSimulator<PaypalSandboxKeys, PaypalFaults, PaypalDelivery> {
  /** The payer on the approve page: approve (pay) or cancel. Returns where the browser goes next. */
  payerAct(
    orderId: string,
    action: 'pay' | 'cancel',
  ): Promise<{ ok: boolean; redirect?: string; reason?: string }>;
  /** The payer's browser following a redirect to the gateway (return or cancel URL). */
  follow(url: string): Promise<number | null>;
  findOrder(orderId: string): Promise<
    | {
        id: string;
        status: string;
        captureStatus: string | null;
        amount: number;
        currency: string;
        approveUrl: string;
      }
    | undefined
  >;
}

const simulators = simulatorInstances<PaypalSimulator>();
export const paypalSimulatorOf = simulators.of;

/**
 * The PayPal simulator under /sandbox/paypal: OAuth 2.0 client credentials, Orders v2
 * (create, show, capture), Payments v2 (show capture, refund, show refund), webhook
 * signature postback and the certificate it signs webhooks with; the payer's checkout
 * page; signed webhooks with retries on the business clock; fault injection.
 */
export async function paypalSimulator(app: FastifyInstance, options: PaypalSimulatorOptions): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreatePaypalKeys(ctx);
  const faults = new PaypalFaults();
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const base = () => `${publicUrl()}${PAYPAL_BASE_PATH}`;
  const link = linkFromOptions(options, keys, base);
  const outbox = new WebhookOutbox({ ctx, keys, faults, base });
  const life = simulatorLife(app, 'paypal', ctx.log);

  takeRawBodies(app, 256 * 1024);

  const sendError = (reply: FastifyReply, error: PaypalError) =>
    reply.status(error.status).send({
      name: error.errorName,
      message: error.message,
      debug_id: randomBytes(7).toString('hex'),
      ...(error.details.length ? { details: error.details } : {}),
      links: [
        {
          href: `https://developer.paypal.com/docs/api/orders/v2/#error-${error.details[0]?.issue ?? error.errorName}`,
          rel: 'information_link',
          method: 'GET',
        },
      ],
    });

  const hold = life.hold;

  // ---- OAuth 2.0 ----
  app.post(`${PAYPAL_BASE_PATH}/v1/oauth2/token`, async (req, reply) => {
    if (faults.take('error_5xx')) return sendError(reply, new PaypalError(500, 'INTERNAL_SERVER_ERROR'));
    const auth = String(req.headers.authorization ?? '');
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const [id, secret] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (id !== keys.clientId || secret !== keys.clientSecret) {
      return reply
        .status(401)
        .send({ error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    const form = new URLSearchParams(rawBody(req));
    if (form.get('grant_type') !== 'client_credentials') {
      return reply
        .status(400)
        .send({ error: 'unsupported_grant_type', error_description: 'Grant Type is NULL or not supported' });
    }
    const now = ctx.clock.now();
    const token = `A21AA${randomBytes(48).toString('base64url')}`;
    await ctx.db.query(
      'INSERT INTO ppsim_tokens (access_token, client_id, expires_at, created_at) VALUES ($1, $2, $3, $4)',
      [token, id, new Date(now.getTime() + TOKEN_LIFETIME_S * 1000), now],
    );
    return reply.send({
      scope:
        'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund',
      access_token: token,
      token_type: 'Bearer',
      app_id: `APP-${paypalId(17)}`,
      expires_in: TOKEN_LIFETIME_S,
      nonce: `${paypalTime(now)}${randomBytes(16).toString('base64url')}`,
    });
  });

  // ---- REST calls: bearer token, PayPal-Request-Id replay, JSON body, faults ----
  type Handler = (ctx: {
    body: any;
    params: any;
    prefer: string;
  }) => Promise<{ status: number; body: unknown }>;
  const api = (handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (faults.take('error_5xx')) return sendError(reply, new PaypalError(500, 'INTERNAL_SERVER_ERROR'));
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ')) return sendError(reply, new PaypalError(401, 'AUTHENTICATION_FAILURE'));
    const [token] = await ctx.db.query<{ client_id: string; expires_at: Date | string }>(
      'SELECT client_id, expires_at FROM ppsim_tokens WHERE access_token = $1',
      [auth.slice(7)],
    );
    if (!token) {
      return reply.status(401).send({
        error: 'invalid_token',
        error_description: 'The token passed in was not found in the system',
      });
    }
    if (new Date(token.expires_at).getTime() <= ctx.clock.now().getTime()) {
      return reply.status(401).send({ error: 'invalid_token', error_description: 'Access Token expired' });
    }
    const requestId = req.method === 'POST' ? String(req.headers['paypal-request-id'] ?? '') : '';
    const path = req.url.split('?')[0];
    if (requestId) {
      if (requestId.length > 108)
        return sendError(reply, invalid('INVALID_PARAMETER_VALUE', 'PayPal-Request-Id is too long.'));
      const [seen] = await ctx.db.query<{ status: number; body: string }>(
        'SELECT status, body FROM ppsim_requests WHERE client_id = $1 AND request_id = $2 AND path = $3',
        [token.client_id, requestId, path],
      );
      if (seen) return reply.status(seen.status).type('application/json').send(seen.body);
    }
    let body: any;
    if (req.method === 'POST') {
      const raw = rawBody(req);
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return sendError(reply, invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.'));
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return sendError(reply, invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.'));
      }
    }
    const prefer = String(req.headers.prefer ?? 'return=minimal');
    let answer: { status: number; body: unknown };
    try {
      answer = await handler({ body, params: req.params, prefer });
    } catch (error) {
      if (!(error instanceof PaypalError)) throw error;
      const slow = faults.take('timeout');
      if (slow) await hold(slow.ms || 30_000);
      return sendError(reply, error);
    }
    const text = JSON.stringify(answer.body);
    if (requestId) {
      await ctx.db.query(
        `INSERT INTO ppsim_requests (client_id, request_id, path, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [token.client_id, requestId, path, answer.status, text, ctx.clock.now()],
      );
    }
    const slow = faults.take('timeout');
    if (slow) await hold(slow.ms || 30_000);
    return reply.status(answer.status).type('application/json').send(text);
  };

  const { approveUrl, captureJson, orderJson, refundJson } = paypalShapes(base, keys);

  const refundedOf = async (q: Queryable, captureId: string) => {
    const [row] = await q.query<{ sum: string | number }>(
      `SELECT COALESCE(SUM(amount), 0) AS sum FROM ppsim_refunds WHERE capture_id = $1 AND status = 'COMPLETED'`,
      [captureId],
    );
    return Number(row.sum);
  };

  const findOrder = async (q: Queryable, id: string, lock = false) =>
    (
      await q.query<OrderRow>(`SELECT * FROM ppsim_orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])
    )[0];

  // ---- Orders v2 ----
  const checkUrl = (value: unknown, field: string) => {
    if (value === undefined) return null;
    let ok = typeof value === 'string' && value.length <= 4000;
    if (ok) {
      try {
        ok = /^https?:$/.test(new URL(value as string).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok)
      throw invalid(
        'INVALID_PARAMETER_SYNTAX',
        'The value of a field does not conform to the expected format.',
        field,
      );
    return value as string;
  };

  app.post(
    `${PAYPAL_BASE_PATH}/v2/checkout/orders`,
    api(async ({ body: b, prefer }) => {
      if (b.intent === undefined)
        throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/intent');
      if (b.intent !== 'CAPTURE') {
        throw invalid('INVALID_PARAMETER_VALUE', 'The sandbox only supports intent CAPTURE.', '/intent');
      }
      if (!Array.isArray(b.purchase_units) || b.purchase_units.length === 0) {
        throw invalid(
          'MISSING_REQUIRED_PARAMETER',
          'A required field / parameter is missing.',
          '/purchase_units',
        );
      }
      if (b.purchase_units.length > 1) {
        throw invalid('INVALID_ARRAY_MAX_ITEMS', 'The sandbox accepts one purchase unit.', '/purchase_units');
      }
      const unit = b.purchase_units[0] ?? {};
      const currency = unit.amount?.currency_code;
      if (!unit.amount || currency === undefined || unit.amount.value === undefined) {
        throw invalid(
          'MISSING_REQUIRED_PARAMETER',
          'A required field / parameter is missing.',
          "/purchase_units/@reference_id=='default'/amount",
        );
      }
      if (!isPaypalCurrency(currency))
        throw unprocessable('CURRENCY_NOT_SUPPORTED', 'Currency code is not supported.');
      const parsed = parsePaypalAmount(unit.amount.value, currency);
      if (!parsed.ok) {
        if (parsed.issue === 'INVALID_PARAMETER_SYNTAX') {
          throw invalid(
            parsed.issue,
            'The value of a field does not conform to the expected format.',
            '/purchase_units/0/amount/value',
          );
        }
        throw unprocessable(
          parsed.issue,
          parsed.issue === 'DECIMALS_NOT_SUPPORTED'
            ? 'Currency code does not support decimals.'
            : 'If the currency supports decimals, only two decimal place precision is supported.',
        );
      }
      if (parsed.minor <= 0)
        throw invalid(
          'INVALID_PARAMETER_VALUE',
          'The amount must be greater than zero.',
          '/purchase_units/0/amount/value',
        );
      for (const field of ['reference_id', 'custom_id', 'invoice_id'] as const) {
        const v = unit[field];
        if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 127)) {
          throw invalid(
            'INVALID_STRING_LENGTH',
            'The value of a field is too long or too short.',
            `/purchase_units/0/${field}`,
          );
        }
      }
      const context = b.payment_source?.paypal?.experience_context ?? b.application_context ?? {};
      const returnUrl = checkUrl(context.return_url, 'return_url');
      const cancelUrl = checkUrl(context.cancel_url, 'cancel_url');
      const now = ctx.clock.now();
      const row = await ctx.db.tx(async (q) => {
        if (unit.invoice_id) {
          const [dup] = await q.query(
            `SELECT 1 FROM ppsim_orders WHERE client_id = $1 AND invoice_id = $2 AND capture_status IN ('COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PENDING')`,
            [keys.clientId, unit.invoice_id],
          );
          if (dup)
            throw unprocessable(
              'DUPLICATE_INVOICE_ID',
              'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.',
            );
        }
        const [created] = await q.query<OrderRow>(
          `INSERT INTO ppsim_orders (id, client_id, intent, status, reference_id, custom_id, invoice_id, description, currency,
             amount, return_url, cancel_url, created_at, updated_at)
           VALUES ($1, $2, 'CAPTURE', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
          [
            paypalId(17),
            keys.clientId,
            b.payment_source?.paypal ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
            unit.reference_id ?? null,
            unit.custom_id ?? null,
            unit.invoice_id ?? null,
            typeof unit.description === 'string' ? unit.description.slice(0, 127) : null,
            currency,
            parsed.minor,
            returnUrl,
            cancelUrl,
            now,
          ],
        );
        return created;
      });
      return { status: 201, body: orderJson(row, prefer.includes('representation')) };
    }),
  );

  app.get(
    `${PAYPAL_BASE_PATH}/v2/checkout/orders/:id`,
    api(async ({ params }) => {
      const o = await findOrder(ctx.db, params.id);
      if (!o)
        throw notFound('Specified resource ID does not exist. Please check the resource ID and try again.');
      return { status: 200, body: orderJson(o, true) };
    }),
  );

  app.post(
    `${PAYPAL_BASE_PATH}/v2/checkout/orders/:id/capture`,
    api(async ({ params, prefer }) => {
      const now = ctx.clock.now();
      const captured = await ctx.db.tx(async (q) => {
        const o = await findOrder(q, params.id, true);
        if (!o)
          throw notFound('Specified resource ID does not exist. Please check the resource ID and try again.');
        if (o.status === 'COMPLETED') {
          throw unprocessable(
            'ORDER_ALREADY_CAPTURED',
            "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
          );
        }
        if (o.status !== 'APPROVED') {
          throw unprocessable(
            'ORDER_NOT_APPROVED',
            "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.",
          );
        }
        if (o.invoice_id) {
          const [dup] = await q.query(
            `SELECT 1 FROM ppsim_orders WHERE client_id = $1 AND invoice_id = $2 AND id <> $3
             AND capture_status IN ('COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PENDING')`,
            [o.client_id, o.invoice_id, o.id],
          );
          if (dup) throw unprocessable('DUPLICATE_INVOICE_ID', 'Duplicate Invoice ID detected.');
        }
        const fault = faults.take('capture_declined', 'capture_pending');
        const status =
          fault?.kind === 'capture_declined'
            ? 'DECLINED'
            : fault?.kind === 'capture_pending'
              ? 'PENDING'
              : 'COMPLETED';
        const [row] = await q.query<OrderRow>(
          `UPDATE ppsim_orders SET status = 'COMPLETED', capture_id = $2, capture_status = $3, capture_reason = $4,
             capture_settle_at = $5, captured_at = $6, updated_at = $6 WHERE id = $1 RETURNING *`,
          [
            o.id,
            paypalId(17),
            status,
            status === 'PENDING' ? 'PENDING_REVIEW' : null,
            status === 'PENDING' ? now : null,
            now,
          ],
        );
        const event = {
          COMPLETED: 'PAYMENT.CAPTURE.COMPLETED',
          PENDING: 'PAYMENT.CAPTURE.PENDING',
          DECLINED: 'PAYMENT.CAPTURE.DECLINED',
        }[status]!;
        const webhookId = await outbox.queue(
          q,
          event,
          'capture',
          captureJson(row),
          `Payment ${status.toLowerCase()} for ${formatPaypalAmount(Number(row.amount), row.currency)} ${row.currency}`,
        );
        return { row, webhookId };
      });
      outbox.deliverSoon(captured.webhookId);
      return { status: 201, body: orderJson(captured.row, prefer.includes('representation')) };
    }),
  );

  // ---- Payments v2 ----
  const findCapture = async (q: Queryable, id: string, lock = false) =>
    (
      await q.query<OrderRow>(
        `SELECT * FROM ppsim_orders WHERE capture_id = $1${lock ? ' FOR UPDATE' : ''}`,
        [id],
      )
    )[0];

  app.get(
    `${PAYPAL_BASE_PATH}/v2/payments/captures/:id`,
    api(async ({ params }) => {
      const o = await findCapture(ctx.db, params.id);
      if (!o)
        throw notFound('Specified resource ID does not exist. Please check the resource ID and try again.');
      return { status: 200, body: captureJson(o) };
    }),
  );

  app.post(
    `${PAYPAL_BASE_PATH}/v2/payments/captures/:id/refund`,
    api(async ({ params, body: b, prefer }) => {
      const now = ctx.clock.now();
      const made = await ctx.db.tx(async (q) => {
        const o = await findCapture(q, params.id, true);
        if (!o)
          throw notFound('Specified resource ID does not exist. Please check the resource ID and try again.');
        if (o.capture_status === 'REFUNDED')
          throw unprocessable('CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded');
        if (o.capture_status !== 'COMPLETED' && o.capture_status !== 'PARTIALLY_REFUNDED') {
          throw unprocessable('REFUND_NOT_ALLOWED', 'Refund cannot be issued for this transaction.');
        }
        const [{ sum }] = await q.query<{ sum: string | number }>(
          `SELECT COALESCE(SUM(amount), 0) AS sum FROM ppsim_refunds WHERE capture_id = $1 AND status IN ('PENDING', 'COMPLETED')`,
          [o.capture_id],
        );
        const left = Number(o.amount) - Number(sum);
        let amount = left;
        if (b.amount !== undefined) {
          if (b.amount?.currency_code !== o.currency) {
            throw unprocessable(
              'REFUND_CURRENCY_MISMATCH',
              'Refund must be in the same currency as the capture.',
            );
          }
          const parsed = parsePaypalAmount(b.amount?.value, o.currency);
          if (!parsed.ok) {
            if (parsed.issue === 'INVALID_PARAMETER_SYNTAX') {
              throw invalid(
                parsed.issue,
                'The value of a field does not conform to the expected format.',
                '/amount/value',
              );
            }
            throw unprocessable(parsed.issue, 'The amount has too many decimal places for its currency.');
          }
          if (parsed.minor <= 0)
            throw invalid('INVALID_PARAMETER_VALUE', 'The refund amount must be positive.', '/amount/value');
          amount = parsed.minor;
        }
        if (amount <= 0 || amount > left) {
          throw unprocessable(
            'REFUND_AMOUNT_EXCEEDED',
            'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
          );
        }
        for (const field of ['custom_id', 'invoice_id'] as const) {
          if (b[field] !== undefined && (typeof b[field] !== 'string' || b[field].length > 127)) {
            throw invalid(
              'INVALID_STRING_LENGTH',
              'The value of a field is too long or too short.',
              `/${field}`,
            );
          }
        }
        const fault = faults.take('refund_pending', 'refund_failed');
        const status = fault ? 'PENDING' : 'COMPLETED';
        const [refund] = await q.query<RefundRow>(
          `INSERT INTO ppsim_refunds (id, capture_id, order_id, amount, currency, status, outcome, settle_at, custom_id,
             invoice_id, note_to_payer, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
          [
            paypalId(17),
            o.capture_id,
            o.id,
            amount,
            o.currency,
            status,
            fault?.kind === 'refund_failed' ? 'FAILED' : 'COMPLETED',
            fault ? now : null,
            b.custom_id ?? null,
            b.invoice_id ?? null,
            typeof b.note_to_payer === 'string' ? b.note_to_payer.slice(0, 255) : null,
            now,
          ],
        );
        const webhookId = status === 'COMPLETED' ? await completeRefund(q, o, refund) : undefined;
        return { refund, webhookId, refunded: await refundedOf(q, o.capture_id!) };
      });
      if (made.webhookId) outbox.deliverSoon(made.webhookId);
      const json = refundJson(made.refund, made.refunded);
      return {
        status: 201,
        body: prefer.includes('representation')
          ? json
          : { id: json.id, status: json.status, links: json.links },
      };
    }),
  );

  /** A refund reached COMPLETED: the capture's status follows, and PAYMENT.CAPTURE.REFUNDED is owed. */
  const completeRefund = async (q: Queryable, o: OrderRow, refund: RefundRow) => {
    const refunded = await refundedOf(q, o.capture_id!);
    await q.query(`UPDATE ppsim_orders SET capture_status = $2, updated_at = $3 WHERE id = $1`, [
      o.id,
      refunded >= Number(o.amount) ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
      ctx.clock.now(),
    ]);
    return outbox.queue(
      q,
      'PAYMENT.CAPTURE.REFUNDED',
      'refund',
      refundJson(refund, refunded),
      `A ${formatPaypalAmount(Number(refund.amount), refund.currency)} ${refund.currency} capture payment was refunded`,
    );
  };

  app.get(
    `${PAYPAL_BASE_PATH}/v2/payments/refunds/:id`,
    api(async ({ params }) => {
      const [r] = await ctx.db.query<RefundRow>('SELECT * FROM ppsim_refunds WHERE id = $1', [params.id]);
      if (!r)
        throw notFound('Specified resource ID does not exist. Please check the resource ID and try again.');
      return { status: 200, body: refundJson(r, await refundedOf(ctx.db, r.capture_id)) };
    }),
  );

  // ---- webhooks: certificate, postback verification ----
  app.get(`${PAYPAL_BASE_PATH}/v1/notifications/certs/:certId`, async (req, reply) => {
    if ((req.params as { certId: string }).certId !== keys.signing.certId) {
      return sendError(reply, notFound('The certificate does not exist.'));
    }
    return reply.type('application/x-pem-file').send(keys.signing.certificatePem);
  });

  app.post(
    `${PAYPAL_BASE_PATH}/v1/notifications/verify-webhook-signature`,
    api(async ({ body: b }) => {
      for (const f of [
        'auth_algo',
        'cert_url',
        'transmission_id',
        'transmission_sig',
        'transmission_time',
        'webhook_id',
      ]) {
        if (typeof b[f] !== 'string' || !b[f])
          throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', `/${f}`);
      }
      if (!b.webhook_event || typeof b.webhook_event !== 'object') {
        throw invalid(
          'MISSING_REQUIRED_PARAMETER',
          'A required field / parameter is missing.',
          '/webhook_event',
        );
      }
      // PayPal checks the event it sent: the stored body, byte for byte, against the signature.
      const [sent] = await ctx.db.query<{ body: string }>('SELECT body FROM ppsim_webhooks WHERE id = $1', [
        String(b.webhook_event.id ?? ''),
      ]);
      const same = !!sent && JSON.stringify(JSON.parse(sent.body)) === JSON.stringify(b.webhook_event);
      const ok =
        same &&
        b.auth_algo === WEBHOOK_AUTH_ALGO &&
        b.webhook_id === keys.webhookId &&
        b.cert_url === outbox.certUrl() &&
        verifyWebhookSignature(
          webhookSignedMessage(b.transmission_id, b.transmission_time, b.webhook_id, sent!.body),
          b.transmission_sig,
          keys.signing.certificatePem,
        );
      return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
    }),
  );

  /** Pending captures complete and pending refunds settle once due (fault injection made them pending). */
  const settle = async () => {
    const now = ctx.clock.now();
    const captures = await ctx.db.query<{ id: string }>(
      `SELECT id FROM ppsim_orders WHERE capture_status = 'PENDING' AND capture_settle_at <= $1`,
      [now],
    );
    for (const { id } of captures) {
      await ctx.db.tx(async (q) => {
        const o = await findOrder(q, id, true);
        if (!o || o.capture_status !== 'PENDING') return;
        const [row] = await q.query<OrderRow>(
          `UPDATE ppsim_orders SET capture_status = 'COMPLETED', capture_reason = NULL, updated_at = $2 WHERE id = $1 RETURNING *`,
          [id, now],
        );
        await outbox.queue(
          q,
          'PAYMENT.CAPTURE.COMPLETED',
          'capture',
          captureJson(row),
          `Payment completed for ${formatPaypalAmount(Number(row.amount), row.currency)} ${row.currency}`,
        );
      });
    }
    const refunds = await ctx.db.query<{ id: string }>(
      `SELECT id FROM ppsim_refunds WHERE status = 'PENDING' AND settle_at <= $1 ORDER BY created_at`,
      [now],
    );
    for (const { id } of refunds) {
      await ctx.db.tx(async (q) => {
        const [r] = await q.query<RefundRow>(
          `SELECT * FROM ppsim_refunds WHERE id = $1 AND status = 'PENDING' FOR UPDATE`,
          [id],
        );
        if (!r) return;
        const o = (await findCapture(q, r.capture_id, true))!;
        const [settled] = await q.query<RefundRow>(
          `UPDATE ppsim_refunds SET status = outcome, updated_at = $2 WHERE id = $1 RETURNING *`,
          [id, now],
        );
        if (settled.status === 'COMPLETED') await completeRefund(q, o, settled);
        else {
          await outbox.queue(
            q,
            'PAYMENT.REFUND.FAILED',
            'refund',
            refundJson(settled, await refundedOf(q, r.capture_id)),
            'A refund failed',
          );
        }
      });
    }
  };

  const due = dueWork(async () => {
    // Deliveries an answer set off (and those their handlers set off in turn) finish first.
    await outbox.drain();
    await settle();
    await outbox.deliverDue();
    await outbox.drain();
  });

  // ---- the payer ----
  const expired = (o: OrderRow) =>
    ctx.clock.now().getTime() - new Date(o.created_at).getTime() > APPROVAL_WINDOW_MS;
  const withQuery = (url: string, params: Record<string, string>) => {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  };

  const payerAct: PaypalSimulator['payerAct'] = async (orderId, action) => {
    const now = ctx.clock.now();
    const outcome = await ctx.db.tx(async (q) => {
      const o = await findOrder(q, orderId, true);
      if (!o) return { ok: false, reason: 'This order does not exist' };
      if (o.status !== 'CREATED' && o.status !== 'PAYER_ACTION_REQUIRED') {
        return { ok: false, reason: `This order is ${o.status.toLowerCase()}` };
      }
      if (expired(o)) return { ok: false, reason: 'This order has expired' };
      if (action === 'cancel') {
        return { ok: true, redirect: o.cancel_url ? withQuery(o.cancel_url, { token: o.id }) : undefined };
      }
      const payerId = paypalId(13);
      const [row] = await q.query<OrderRow>(
        `UPDATE ppsim_orders SET status = 'APPROVED', payer_id = $2, payer_email = $3, approved_at = $4, updated_at = $4
         WHERE id = $1 RETURNING *`,
        [o.id, payerId, `sb-${payerId.toLowerCase()}@personal.example.com`, now],
      );
      const webhookId = await outbox.queue(
        q,
        'CHECKOUT.ORDER.APPROVED',
        'checkout-order',
        orderJson(row, true),
        'An order has been approved by buyer',
      );
      return {
        ok: true,
        webhookId,
        redirect: row.return_url ? withQuery(row.return_url, { token: row.id, PayerID: payerId }) : undefined,
      };
    });
    if ('webhookId' in outcome && outcome.webhookId) outbox.deliverSoon(outcome.webhookId);
    return {
      ok: outcome.ok,
      ...(outcome.redirect ? { redirect: outcome.redirect } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
  };

  const pageFor = async (reply: FastifyReply, id: string, notice?: string) => {
    const o = /^[A-Z0-9]{1,32}$/.test(id) ? await findOrder(ctx.db, id) : undefined;
    if (!o)
      return reply.status(404).type('text/html; charset=utf-8').send('<h1>This order does not exist</h1>');
    return reply.type('text/html; charset=utf-8').send(
      approvePage(
        {
          id: o.id,
          description: o.description ?? '',
          currency: o.currency,
          amount: Number(o.amount),
          status: o.status,
          merchantEmail: keys.merchantEmail,
          expired: expired(o),
        },
        PAYPAL_BASE_PATH,
        notice,
      ),
    );
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
  }

  // ---- wiring ----
  const simulator: PaypalSimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries: outbox.deliveries, link, due }),
    payerAct,
    follow: (url) => outbox.reach('GET', url),
    async findOrder(orderId) {
      const o = await findOrder(ctx.db, orderId);
      return o
        ? {
            id: o.id,
            status: o.status,
            captureStatus: o.capture_status,
            amount: Number(o.amount),
            currency: o.currency,
            approveUrl: approveUrl(o.id),
          }
        : undefined;
    },
  };
  // The payer API: plays the payer of an order as a browser would (approve or cancel on the
  // checkout page, then follow the redirect back to the merchant's return or cancel URL).
  for (const action of ['pay', 'cancel'] as const) {
    app.post(`${PAYPAL_BASE_PATH}/payer/${action}`, async (req, reply) => {
      const body = jsonBody(req.body);
      const orderId = typeof body.order_id === 'string' ? body.order_id : '';
      if (!orderId || !(await simulator.findOrder(orderId))) return reply.status(404).send({ found: false });
      const result = await payerAct(orderId, action);
      if (result.redirect) await simulator.follow(result.redirect);
      return reply.send({ found: true, ok: result.ok });
    });
  }
  putInService({
    ctx,
    simulator,
    instances: simulators,
    life,
    tickMs: tickMsOf(options),
    due,
    drain: () => outbox.drain(),
  });
}

/**
 * The default REST app as PayPal's developer dashboard shows it (client id and secret, the
 * webhook id) with the simulator's base URL, in a channel config's vocabulary.
 */
export function paypalDefaultMerchant(sim: PaypalSimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  return {
    settings: {
      client_id: sim.keys.clientId,
      webhook_id: sim.keys.webhookId,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${PAYPAL_BASE_PATH}`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: { client_secret: sim.keys.clientSecret },
  };
}
