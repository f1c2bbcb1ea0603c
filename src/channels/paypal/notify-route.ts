import type { FastifyInstance, FastifyReply } from 'fastify';
import { type NotifyOwner, notifyOwner, ownedChargeByOrderSn, ownsCharge } from '../_kit/notify-owner.js';
import type { Provider } from '../../domain/channels.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult, applyRefundResult } from '../../core/notify/apply-channel-result.js';
import { syncChargeFromChannel } from '../../core/payments/sync-from-channel.js';
import { findRefund, toCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { type PaypalMerchant, paypalMerchantFor } from './client.js';
import { captureResult, paypalOrderIdOf, refundResult } from './connector.js';
import { transmissionLedger } from './transmissions.js';
import { WebhookRejected, openWebhook } from './webhook.js';

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/** Refund events other than PAYMENT.CAPTURE.REFUNDED (names assumed, see README). */
const REFUND_EVENTS = new Set([
  'PAYMENT.REFUND.PENDING',
  'PAYMENT.REFUND.FAILED',
  'PAYMENT.REFUND.CANCELLED',
]);

/**
 * PayPal's calls into the gateway:
 * - POST /notify/paypal/:configId: webhooks (`sandbox` is the simulator's default app).
 *   Verified, applied as one idempotent transition, and only then answered 200; anything
 *   refused answers non-2xx in PayPal's error shape so PayPal retries, and changes nothing.
 * - GET /return/paypal/:configId?order=<order_sn>&token=<PayPal order id>&PayerID=..: the payer's browser back from
 *   the approve page; the order is captured here, then the payer goes to the merchant.
 * - GET /return/paypal/:configId/cancel?order=..&token=..: the payer cancelled on PayPal.
 */
export async function paypalNotifyRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const firstSighting = transmissionLedger(core.db);
  const fail = (reply: FastifyReply, status: number, message: string) =>
    reply.status(status).send({ name: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST', message });
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return fail(reply, status, (error as Error).message);
    core.log.error({ err: error, requestId: request.id }, 'paypal callback failed');
    return fail(reply, 500, 'internal error');
  });

  app.post('/notify/paypal/:configId', async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const raw = typeof request.body === 'string' ? request.body : '';
    const log = core.log.child({ channel: 'paypal', configId, requestId: request.id });
    const owner = await ownerOf(core, configId);
    if (!owner) {
      log.warn('webhook for an unknown PayPal config');
      return fail(reply, 404, 'unknown channel config');
    }
    let event;
    try {
      event = await openWebhook(
        owner.merchant,
        raw,
        {
          transmissionId: header(request.headers['paypal-transmission-id']),
          transmissionTime: header(request.headers['paypal-transmission-time']),
          transmissionSig: header(request.headers['paypal-transmission-sig']),
          certUrl: header(request.headers['paypal-cert-url']),
          authAlgo: header(request.headers['paypal-auth-algo']),
        },
        firstSighting,
      );
    } catch (error) {
      if (!(error instanceof WebhookRejected)) throw error;
      log.warn({ reason: error.message }, 'rejected PayPal webhook');
      return fail(reply, error.status, error.message);
    }
    const r = event.resource;
    const type = event.eventType;

    if (type === 'CHECKOUT.ORDER.APPROVED') {
      const orderSn = r.purchase_units?.[0]?.invoice_id ?? r.purchase_units?.[0]?.custom_id;
      const charge = await chargeOf(core, owner, String(orderSn ?? ''));
      if (!charge || paypalOrderIdOf(charge) !== r.id) {
        log.warn({ order: r.id }, 'PayPal approval for an unknown order');
        return fail(reply, 404, 'unknown order');
      }
      if (isChargeUnpaid(charge.status)) {
        // Capture now (the same capture the return URL and polling would make).
        const result = await syncChargeFromChannel(core, charge.id);
        if (result.status === 'unknown') {
          log.warn({ charge: charge.id, reason: result.failureMessage }, 'PayPal capture outcome unknown');
          return fail(reply, 503, 'capture outcome unknown; retry');
        }
      }
      log.info({ charge: charge.id, event: event.id }, 'PayPal order approved');
      return reply.status(200).send();
    }

    if (
      type.startsWith('PAYMENT.CAPTURE.') &&
      type !== 'PAYMENT.CAPTURE.REFUNDED' &&
      type !== 'PAYMENT.CAPTURE.REVERSED'
    ) {
      const charge = await chargeOf(core, owner, String(r.invoice_id ?? r.custom_id ?? ''));
      const orderId = r.supplementary_data?.related_ids?.order_id;
      if (!charge || (orderId !== undefined && orderId !== paypalOrderIdOf(charge))) {
        log.warn({ capture: r.id }, 'PayPal capture event for an unknown charge');
        return fail(reply, 404, 'unknown invoice_id');
      }
      const result = captureResult(charge, r);
      const expected =
        type === 'PAYMENT.CAPTURE.COMPLETED'
          ? 'succeeded'
          : type === 'PAYMENT.CAPTURE.PENDING'
            ? 'pending'
            : type === 'PAYMENT.CAPTURE.DENIED' || type === 'PAYMENT.CAPTURE.DECLINED'
              ? 'failed'
              : undefined;
      if (!expected || result.status !== expected) {
        log.error(
          { charge: charge.id, reason: result.failureMessage, type },
          'PayPal capture event does not match the charge',
        );
        return fail(reply, 400, result.failureMessage ?? `capture does not fit ${type}`);
      }
      const applied = await applyChargeResult(core, charge.id, result);
      log.info(
        { charge: charge.id, applied: applied.applied, event: event.id, type },
        'PayPal capture event',
      );
      return reply.status(200).send();
    }

    if (type === 'PAYMENT.CAPTURE.REFUNDED' || REFUND_EVENTS.has(type)) {
      const refund = typeof r.custom_id === 'string' ? await findRefund(core.db, r.custom_id) : undefined;
      const charge = refund ? await chargeById(core, owner, refund.chargeId) : undefined;
      const known = refund?.extra?.paypal_refund_id;
      if (!refund || !charge || (typeof known === 'string' && known !== r.id)) {
        log.warn({ refund: r.id }, 'PayPal refund event for an unknown refund');
        return fail(reply, 404, 'unknown refund');
      }
      const result = refundResult(refund, r);
      const fits =
        type === 'PAYMENT.CAPTURE.REFUNDED'
          ? result.status === 'succeeded'
          : type === 'PAYMENT.REFUND.PENDING'
            ? result.status === 'pending'
            : result.status === 'failed';
      if (!fits) {
        log.error(
          { refund: refund.id, reason: result.failureMessage, type },
          'PayPal refund event does not match the refund',
        );
        return fail(reply, 400, result.failureMessage ?? `refund does not fit ${type}`);
      }
      const applied = await applyRefundResult(core, refund.id, result);
      log.info({ refund: refund.id, applied: applied.applied, event: event.id, type }, 'PayPal refund event');
      return reply.status(200).send();
    }

    log.warn({ type }, 'PayPal webhook of an unhandled event type');
    return fail(reply, 400, `unhandled event_type ${type}`);
  });

  // ---- the payer's browser, back from PayPal ----
  const page = (reply: FastifyReply, status: number, title: string, charge?: Charge) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>` +
          (charge ? `<p>Order ${charge.orderSn}: ${charge.status}</p>` : ''),
      );

  /** The charge a returning browser is about: its order_sn, and `token` must be its PayPal order. */
  const returning = async (configId: string, query: unknown) => {
    const { order, token } = (query ?? {}) as { order?: unknown; token?: unknown };
    if (typeof order !== 'string' || typeof token !== 'string' || !token) return undefined;
    const owner = await ownerOf(core, configId);
    const charge = owner ? await chargeOf(core, owner, order) : undefined;
    return charge && paypalOrderIdOf(charge) === token ? charge : undefined;
  };

  app.get('/return/paypal/:configId', async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const charge = await returning(configId, request.query);
    if (!charge) return page(reply, 404, 'Unknown PayPal order');
    let after = charge;
    if (isChargeUnpaid(charge.status)) {
      try {
        await syncChargeFromChannel(core, charge.id);
      } catch (error) {
        core.log.warn(
          { err: error, charge: charge.id },
          'PayPal capture on return failed; polling will retry',
        );
      }
      after = (await chargeById(core, null, charge.id)) ?? charge;
    }
    if (after.returnUrl) return reply.redirect(after.returnUrl, 303);
    return page(reply, 200, after.status === 'succeeded' ? 'Payment complete' : 'Payment in progress', after);
  });

  app.get('/return/paypal/:configId/cancel', async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const charge = await returning(configId, request.query);
    if (!charge) return page(reply, 404, 'Unknown PayPal order');
    let after = charge;
    if (isChargeUnpaid(charge.status)) {
      // Ask PayPal first: an order approved (or captured) elsewhere is not a cancellation.
      const where = await syncChargeFromChannel(core, charge.id).catch(() => undefined);
      const current = (await chargeById(core, null, charge.id)) ?? charge;
      after =
        where?.status === 'pending' && isChargeUnpaid(current.status)
          ? (
              await applyChargeResult(core, charge.id, {
                status: 'failed',
                failureCode: 'PAYER_CANCELLED',
                failureMessage: 'The payer cancelled on PayPal',
              })
            ).charge
          : current;
    }
    if (after.returnUrl) return reply.redirect(after.returnUrl, 303);
    return page(reply, 200, after.status === 'succeeded' ? 'Payment complete' : 'Payment cancelled', after);
  });
}

type Owner = NotifyOwner<PaypalMerchant>;
const PROVIDERS: readonly Provider[] = ['paypal'];
const ownerOf = (core: Core, configId: string) => notifyOwner(core, configId, PROVIDERS, paypalMerchantFor);
const belongs = (owner: Owner, charge: Charge) => ownsCharge(owner, PROVIDERS, charge);
const chargeOf = (core: Core, owner: Owner, orderSn: string) =>
  ownedChargeByOrderSn(core, owner, PROVIDERS, orderSn);

async function chargeById(core: Core, owner: Owner | null, id: string): Promise<Charge | undefined> {
  const [row] = await core.db.query('SELECT * FROM charges WHERE id = $1', [id]);
  const charge = row ? toCharge(row) : undefined;
  return charge && (!owner || belongs(owner, charge)) ? charge : undefined;
}
