import type { Charge, Refund } from '../../domain/charge.js';
import type {
  ChannelResult,
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
} from '../_kit/connector.js';
import {
  headerOf,
  notificationParser,
  refusedNotification,
  notifiedMerchant,
} from '../_kit/parse-notification-kit.js';
import { paypalMerchantFor } from './client.js';
import { captureResult, refundResult } from './connector.js';
import { parsePaypalAmount } from './protocol.js';
import { MAX_TRANSMISSION_SKEW_MS, WebhookRejected, openWebhook } from './webhook.js';

/** PayPal retries anything but a 2xx; a refusal carries its error shape {name, message}. */
export const PAYPAL_ACKNOWLEDGEMENT: NotificationAcknowledgement = {
  accepted: { status: 200 },
  refused: (refusal) => ({
    status: refusal.status,
    body: {
      name: refusal.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST',
      message: refusal.status === 500 ? 'internal error' : refusal.reason,
    },
  }),
  refusalLogMessage: 'rejected PayPal webhook',
};

/**
 * How long a transmission id is remembered: a transmission time up to the skew ahead of
 * our clock stays acceptable until the skew behind it, so twice the skew covers it.
 */
export const REMEMBER_MS = 2 * MAX_TRANSMISSION_SKEW_MS;

/** Refund events other than PAYMENT.CAPTURE.REFUNDED (names assumed, see README). */
const REFUND_EVENTS = new Set([
  'PAYMENT.REFUND.PENDING',
  'PAYMENT.REFUND.FAILED',
  'PAYMENT.REFUND.CANCELLED',
]);

/** The capture status each capture event must carry. */
const CAPTURE_EVENTS: Record<string, ChannelResult['status']> = {
  'PAYMENT.CAPTURE.COMPLETED': 'succeeded',
  'PAYMENT.CAPTURE.PENDING': 'pending',
  'PAYMENT.CAPTURE.DENIED': 'failed',
  'PAYMENT.CAPTURE.DECLINED': 'failed',
};

/**
 * One PayPal webhook at /notify/paypal/:configId, verified by openWebhook (offline
 * signature or postback). Its transmission id is a replay key (accepted once, by whichever
 * node sees it first). CHECKOUT.ORDER.APPROVED asks for a capture of the charge (by
 * invoice_id = order_sn, and the PayPal order id it holds); capture events carry the
 * capture's outcome and amount; refund events the refund's (by custom_id = the refund id).
 */
export const parsePaypalNotification = notificationParser(PAYPAL_ACKNOWLEDGEMENT, parse);

async function parse(input: NotificationInput): Promise<ParsedNotification> {
  const refuse = (status: number, reason: string, logMessage?: string, details?: Record<string, unknown>) =>
    refusedNotification(PAYPAL_ACKNOWLEDGEMENT, {
      status,
      reason,
      logMessage,
      details,
    } satisfies NotificationRefusal);

  const merchant = notifiedMerchant(input, ['paypal'], paypalMerchantFor);
  if (!merchant) return refuse(404, 'unknown channel config', 'webhook for an unknown PayPal config');

  // PayPal signs with its wall clock; freshness and the replay window are measured on ours.
  const now = new Date();
  let event;
  try {
    event = await openWebhook(
      merchant,
      input.rawBody.toString('utf8'),
      {
        transmissionId: headerOf(input, 'paypal-transmission-id'),
        transmissionTime: headerOf(input, 'paypal-transmission-time'),
        transmissionSig: headerOf(input, 'paypal-transmission-sig'),
        certUrl: headerOf(input, 'paypal-cert-url'),
        authAlgo: headerOf(input, 'paypal-auth-algo'),
      },
      now,
    );
  } catch (error) {
    if (!(error instanceof WebhookRejected)) throw error;
    return refuse(error.status, error.message);
  }
  const r = event.resource;
  const type = event.eventType;
  const parsed = {
    acknowledgement: PAYPAL_ACKNOWLEDGEMENT,
    outcome: 'notice',
    channels: ['paypal'],
    eventId: event.id,
    replayKey: { id: event.transmissionId, seenAt: now, expiresAt: new Date(now.getTime() + REMEMBER_MS) },
  } as const;

  if (type === 'CHECKOUT.ORDER.APPROVED') {
    const orderSn = r.purchase_units?.[0]?.invoice_id ?? r.purchase_units?.[0]?.custom_id;
    return {
      ...parsed,
      notice: {
        kind: 'payment',
        charge: { orderSn: String(orderSn ?? '') },
        credential: { paypal_order_id: String(r.id) },
        // Capture now: the same capture the return URL and polling would make.
        result: 'query',
      },
    };
  }

  const expected = CAPTURE_EVENTS[type];
  if (expected) {
    const amount = amountOf(r.amount);
    // captureResult checks a capture against a charge; core checks the stored charge's
    // amount, so here the capture stands for itself and only its status is read.
    const result = captureResult({ currency: amount.currency, amount: amount.amount } as Charge, r);
    if (result.status !== expected) {
      return refuse(400, result.failureMessage ?? `capture does not fit ${type}`, undefined, { type });
    }
    const orderId = r.supplementary_data?.related_ids?.order_id;
    return {
      ...parsed,
      notice: {
        kind: 'payment',
        charge: { orderSn: String(r.invoice_id ?? r.custom_id ?? '') },
        amount,
        ...(orderId !== undefined ? { credential: { paypal_order_id: String(orderId) } } : {}),
        result,
      },
    };
  }

  if (type === 'PAYMENT.CAPTURE.REFUNDED' || REFUND_EVENTS.has(type)) {
    const amount = r.amount === undefined ? undefined : amountOf(r.amount);
    // As for captures: the stored refund's amount is checked in core.
    const standIn = { currency: amount?.currency, amount: amount?.amount } as Refund;
    const result = refundResult(standIn, r);
    const fits =
      type === 'PAYMENT.CAPTURE.REFUNDED'
        ? result.status === 'succeeded'
        : type === 'PAYMENT.REFUND.PENDING'
          ? result.status === 'pending'
          : result.status === 'failed';
    if (!fits)
      return refuse(400, result.failureMessage ?? `refund does not fit ${type}`, undefined, { type });
    return {
      ...parsed,
      notice: {
        kind: 'refund',
        refund: { id: typeof r.custom_id === 'string' ? r.custom_id : '' },
        ...(amount ? { amount } : {}),
        extraIfSet: { paypal_refund_id: String(r.id) },
        result,
      },
    };
  }

  return refuse(400, `unhandled event_type ${type}`, 'PayPal webhook of an unhandled event type');
}

/** {currency_code, value} in minor units; an amount that does not parse is NaN (never matches). */
function amountOf(value: any): { amount: number; currency: string } {
  const currency = String(value?.currency_code);
  const parsed = parsePaypalAmount(value?.value, currency);
  return { amount: parsed.ok ? parsed.minor : Number.NaN, currency };
}
