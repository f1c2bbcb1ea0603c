import { parsePaypalNotification } from './parse-notification.js';
import { paypalStatement } from './statement.js';
import type {
  ChannelResult,
  Connector,
  ConnectorContext,
  PayResult,
  RefundContext,
  RefundResult,
} from '../_kit/connector.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import {
  type PaypalMerchant,
  type PaypalResponse,
  PaypalAuthError,
  PaypalTransportError,
  paypalApi,
  paypalMerchantFor,
} from './client.js';
import { formatPaypalAmount, isPaypalCurrency, parsePaypalAmount } from './protocol.js';
import { failed, pending, succeeded, unknown as unknownResult } from '../_kit/results.js';

/** The connector's surface beyond Connector: refund query, for the polling worker and refund sync. */
export interface PaypalConnector extends Connector {
  queryRefund(ctx: RefundContext): Promise<RefundResult>;
}

/**
 * PayPal Orders v2, hand-written (no npm client lets its base URL be set): an order with
 * intent CAPTURE whose approve link is the payer's credential; once the payer approves,
 * the order is captured (return URL, CHECKOUT.ORDER.APPROVED webhook, or the polling
 * worker's query, whichever comes first: one PayPal-Request-Id makes them one capture).
 * A timeout, a 5xx or an answer that does not match the charge is `unknown`, never failed.
 */
export function paypalConnector(): PaypalConnector {
  return {
    name: 'paypal',
    parseNotification: parsePaypalNotification,
    capabilities: { methods: ['page', 'wap', 'app'] },
    validateConfig: (config) => void paypalMerchantFor(config),
    validate: requireAcceptedCurrency,
    pay: createOrder,
    query: (ctx) => queryOrder(ctx, true),
    close: closeOrder,
    refund: postRefund,
    statement: paypalStatement,
    queryRefund,
  };
}

/** PayPal-Request-Id of each call: the same operation always carries the same id, so retries are one. */
export const requestIds = {
  create: (charge: Charge) => `juhe-create-${charge.orderSn}`,
  capture: (charge: Charge) => `juhe-capture-${charge.orderSn}`,
  refund: (refund: Refund) => `juhe-refund-${refund.id}`,
};

/**
 * Where PayPal sends the payer back. The charge's order_sn rides along (PayPal appends
 * `token` and `PayerID` to the query), so the return route finds the charge by its unique
 * order_sn and then checks that `token` is the charge's PayPal order.
 */
export function returnUrlsOf(
  publicUrl: string,
  m: PaypalMerchant,
  charge: Charge,
): { returnUrl: string; cancelUrl: string } {
  const base = `${publicUrl.replace(/\/+$/, '')}/return/paypal/${m.configId}`;
  const order = `order=${encodeURIComponent(charge.orderSn)}`;
  return { returnUrl: `${base}?${order}`, cancelUrl: `${base}/cancel?${order}` };
}

export const paypalOrderIdOf = (charge: Charge): string | undefined => {
  const id = charge.credential?.paypal_order_id;
  return typeof id === 'string' && id ? id : undefined;
};

function merchant(ctx: ConnectorContext): PaypalMerchant {
  return paypalMerchantFor(ctx.config);
}

const unknown = (why: unknown): ChannelResult =>
  unknownResult(String((why as Error)?.message ?? why).slice(0, 200));

/** The first issue of a PayPal error body: DUPLICATE_INVOICE_ID, ORDER_NOT_APPROVED... */
export function issueOf(answer: PaypalResponse): string {
  const body = answer.json ?? {};
  const issue = Array.isArray(body.details) ? body.details[0]?.issue : undefined;
  return String(issue ?? body.name ?? body.error ?? `HTTP_${answer.status}`);
}

/** A refusal PayPal will repeat: a 4xx other than a timeout (408) or rate limit (429), which are unknown. */
const definite = (answer: PaypalResponse) =>
  answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429;

/** Runs a call: no answer becomes `{transport}` (the caller's `unknown`), refused client credentials a config error. */
async function call<T>(work: () => Promise<T>): Promise<T | { transport: unknown }> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PaypalAuthError) {
      throw new JuheError(
        'channel_not_available',
        `PayPal config is not usable: ${error.message}`,
        'channel',
      );
    }
    if (error instanceof PaypalTransportError) return { transport: error };
    throw error;
  }
}
const failedTransport = (v: unknown): v is { transport: unknown } =>
  !!v && typeof v === 'object' && 'transport' in v && !('status' in v);

function orderBody(charge: Charge, m: PaypalMerchant, publicUrl: string): Record<string, unknown> {
  const { returnUrl, cancelUrl } = returnUrlsOf(publicUrl, m, charge);
  return {
    intent: 'CAPTURE',
    purchase_units: [
      {
        reference_id: charge.orderSn,
        custom_id: charge.orderSn,
        invoice_id: charge.orderSn,
        description: (charge.subject || charge.body || 'order').slice(0, 127),
        amount: { currency_code: charge.currency, value: formatPaypalAmount(charge.amount, charge.currency) },
      },
    ],
    payment_source: {
      paypal: {
        experience_context: {
          return_url: returnUrl,
          cancel_url: cancelUrl,
          user_action: 'PAY_NOW',
          shipping_preference: 'NO_SHIPPING',
        },
      },
    },
  };
}

/** The approve link of an order answer: rel payer-action (payment_source flow) or approve. */
export function approveLinkOf(order: any): string | undefined {
  const links: any[] = Array.isArray(order?.links) ? order.links : [];
  const link = links.find((l) => l?.rel === 'payer-action') ?? links.find((l) => l?.rel === 'approve');
  return typeof link?.href === 'string' ? link.href : undefined;
}

function credentialOf(order: any): Record<string, unknown> | undefined {
  const approve = approveLinkOf(order);
  if (typeof order?.id !== 'string' || !approve) return undefined;
  return { pay_url: approve, approve_url: approve, paypal_order_id: order.id };
}

/** POST /v2/checkout/orders (idempotent per charge attempt). */
async function postOrder(ctx: ConnectorContext, m: PaypalMerchant): Promise<PayResult> {
  const { charge } = ctx;
  const answer = await call(() =>
    paypalApi(m, 'POST', '/v2/checkout/orders', {
      body: orderBody(charge, m, ctx.publicUrl),
      requestId: requestIds.create(charge),
      prefer: 'return=representation',
    }),
  );
  if (failedTransport(answer)) return unknown(answer.transport);
  if (definite(answer)) {
    throw new JuheError(
      'channel_error',
      `PayPal ${issueOf(answer)}: ${String(answer.json?.message ?? '')}`.trim(),
      undefined,
      { upstream_code: issueOf(answer) },
    );
  }
  const credential = answer.status === 200 || answer.status === 201 ? credentialOf(answer.json) : undefined;
  if (!credential)
    return unknown(new Error(`create order answered HTTP ${answer.status} without an approve link`));
  // Pending until approved and captured; polled too, so a payer who never returns is found.
  return pending({ polling: true, credential });
}

async function createOrder(ctx: ConnectorContext): Promise<PayResult> {
  const { charge } = ctx;
  if (!['page', 'wap', 'app'].includes(charge.method)) {
    throw new JuheError('channel_not_supported', `paypal does not support ${charge.method}`, 'method');
  }
  requireAcceptedCurrency(charge);
  return postOrder(ctx, merchant(ctx));
}

function requireAcceptedCurrency(charge: Charge): void {
  if (!isPaypalCurrency(charge.currency)) {
    throw new JuheError('channel_not_supported', `PayPal does not accept ${charge.currency}`, 'currency');
  }
}

/**
 * What an order (GET answer, capture answer, webhook resource) says about the charge.
 * Amount, currency and invoice_id must match the charge, else the answer is `unknown`.
 */
export function orderResult(charge: Charge, order: any): ChannelResult {
  const unit = Array.isArray(order?.purchase_units) ? order.purchase_units[0] : undefined;
  const status = String(order?.status ?? '');
  if (unit?.invoice_id !== undefined && unit.invoice_id !== charge.orderSn) {
    return unknownResult('invoice_id does not match the charge');
  }
  if (status === 'COMPLETED') {
    const capture = Array.isArray(unit?.payments?.captures) ? unit.payments.captures[0] : undefined;
    if (!capture) return unknownResult('completed order without a capture');
    return captureResult(charge, capture);
  }
  if (status === 'VOIDED') return failed('VOIDED', 'PayPal voided the order');
  if (['CREATED', 'SAVED', 'APPROVED', 'PAYER_ACTION_REQUIRED', 'PENDING_APPROVAL'].includes(status)) {
    return pending({ polling: true });
  }
  return unknownResult(`unexpected order status ${status}`);
}

/** A capture (order answer's purchase unit, or a PAYMENT.CAPTURE.* webhook resource) about the charge. */
export function captureResult(charge: Charge, capture: any): ChannelResult {
  const currency = capture?.amount?.currency_code;
  const amount = parsePaypalAmount(capture?.amount?.value, String(currency));
  if (currency !== charge.currency || !amount.ok || amount.minor !== charge.amount) {
    return unknownResult('captured amount does not match the charge');
  }
  const status = String(capture?.status ?? '');
  if (status === 'COMPLETED' || status === 'PARTIALLY_REFUNDED' || status === 'REFUNDED') {
    const at = new Date(String(capture.create_time ?? ''));
    return succeeded({
      transactionNo: String(capture.id),
      ...(Number.isNaN(at.getTime()) ? {} : { paidAt: at }),
    });
  }
  if (status === 'PENDING') return pending({ polling: true });
  if (status === 'DECLINED' || status === 'FAILED') {
    return failed(`CAPTURE_${status}`, String(capture.status_details?.reason ?? `PayPal capture ${status}`));
  }
  return unknownResult(`unexpected capture status ${status}`);
}

async function getOrder(m: PaypalMerchant, orderId: string) {
  return call(() => paypalApi(m, 'GET', `/v2/checkout/orders/${encodeURIComponent(orderId)}`));
}

/**
 * Where the charge stands at PayPal. An APPROVED order of an unpaid charge is captured
 * here (`capture` true: polling, return URL, approval webhook); closing asks without it.
 * A charge whose create answer was lost has no order id yet: the create is sent again with
 * its PayPal-Request-Id, which returns the order PayPal made (or makes it now).
 */
async function queryOrder(ctx: ConnectorContext, capture: boolean): Promise<ChannelResult> {
  const m = merchant(ctx);
  const orderId = paypalOrderIdOf(ctx.charge);
  if (!orderId) {
    if (!capture) return pending();
    const created = await postOrder(ctx, m);
    return created.status === 'pending' ? { ...created, needsPolling: true } : created;
  }
  const answer = await getOrder(m, orderId);
  if (failedTransport(answer)) return unknown(answer.transport);
  // An order PayPal no longer knows (unapproved past its lifetime): nothing was paid.
  if (answer.status === 404) return pending();
  if (answer.status !== 200) return unknown(new Error(`order query answered HTTP ${answer.status}`));
  if (answer.json?.id !== orderId) return unknown(new Error('order query answered another order'));
  const result = orderResult(ctx.charge, answer.json);
  if (capture && answer.json.status === 'APPROVED' && isChargeUnpaid(ctx.charge.status)) {
    return captureOrder(ctx, m, orderId);
  }
  return result;
}

/** POST /v2/checkout/orders/{id}/capture, one PayPal-Request-Id per charge. */
export async function captureOrder(
  ctx: ConnectorContext,
  m: PaypalMerchant,
  orderId: string,
): Promise<ChannelResult> {
  const answer = await call(() =>
    paypalApi(m, 'POST', `/v2/checkout/orders/${encodeURIComponent(orderId)}/capture`, {
      body: {},
      requestId: requestIds.capture(ctx.charge),
      prefer: 'return=representation',
    }),
  );
  if (failedTransport(answer)) return unknown(answer.transport);
  if (answer.status === 200 || answer.status === 201) {
    if (answer.json?.id !== orderId) return unknown(new Error('capture answered another order'));
    return orderResult(ctx.charge, answer.json);
  }
  const issue = issueOf(answer);
  if (issue === 'ORDER_ALREADY_CAPTURED') {
    const again = await getOrder(m, orderId);
    if (failedTransport(again)) return unknown(again.transport);
    return again.status === 200
      ? orderResult(ctx.charge, again.json)
      : unknown(new Error(`HTTP ${again.status}`));
  }
  // The payer's funding source was refused: PayPal lets them choose another on the approve page.
  if (
    issue === 'INSTRUMENT_DECLINED' ||
    issue === 'ORDER_NOT_APPROVED' ||
    issue === 'PAYER_ACTION_REQUIRED'
  ) {
    return pending({ polling: true, failureMessage: issue });
  }
  if (issue === 'DUPLICATE_INVOICE_ID' || issue === 'ORDER_EXPIRED') {
    return failed(issue, String(answer.json?.message ?? issue));
  }
  return unknown(new Error(`capture answered HTTP ${answer.status} ${issue}`));
}

/**
 * PayPal cannot cancel an order of intent CAPTURE: an order that is never captured moves no
 * money and lapses. Closing therefore asks where the order stands (a captured one is
 * reported so the cancel is refused) and otherwise leaves it uncaptured for good: every
 * capture path captures only charges that are still unpaid.
 */
async function closeOrder(ctx: ConnectorContext): Promise<ChannelResult> {
  const result = await queryOrder(ctx, false);
  return result.status === 'succeeded' ? result : pending();
}

// ---- refunds ---------------------------------------------------------------------------------

/** A PayPal refund (answer, GET, or webhook resource) about our refund. */
export function refundResult(refund: Refund, body: any): RefundResult {
  const id = typeof body?.id === 'string' ? body.id : undefined;
  const extra = id ? { paypal_refund_id: id } : undefined;
  if (body?.amount !== undefined) {
    const amount = parsePaypalAmount(body.amount?.value, String(body.amount?.currency_code));
    if (body.amount?.currency_code !== refund.currency || !amount.ok || amount.minor !== refund.amount) {
      return unknownResult('refund amount does not match', undefined, { extra });
    }
  }
  const status = String(body?.status ?? '');
  if (status === 'COMPLETED') return succeeded({ transactionNo: id, extra });
  if (status === 'PENDING') return pending({ polling: true, extra });
  if (status === 'FAILED' || status === 'CANCELLED') {
    return failed(`REFUND_${status}`, String(body?.status_details?.reason ?? `PayPal refund ${status}`), {
      extra,
    });
  }
  return unknownResult(`unexpected refund status ${status}`, undefined, { extra });
}

/** POST /v2/payments/captures/{capture}/refund: without an amount for a full refund, with one for a partial. */
async function postRefund(ctx: RefundContext): Promise<RefundResult> {
  const { charge, refund } = ctx;
  const captureId = charge.transactionNo;
  if (!captureId) throw new JuheError('channel_error', 'The charge has no PayPal capture to refund');
  const m = merchant(ctx);
  const full = refund.amount === charge.amount;
  const body: Record<string, unknown> = {
    custom_id: refund.id,
    ...(full
      ? {}
      : {
          amount: {
            currency_code: refund.currency,
            value: formatPaypalAmount(refund.amount, refund.currency),
          },
        }),
    ...(refund.description ? { note_to_payer: refund.description.slice(0, 255) } : {}),
  };
  const answer = await call(() =>
    paypalApi(m, 'POST', `/v2/payments/captures/${encodeURIComponent(captureId)}/refund`, {
      body,
      requestId: requestIds.refund(refund),
      prefer: 'return=representation',
    }),
  );
  if (failedTransport(answer)) return unknown(answer.transport);
  if (answer.status === 200 || answer.status === 201) return refundResult(refund, answer.json);
  if (definite(answer) && answer.status !== 401) {
    return failed(issueOf(answer), String(answer.json?.message ?? ''));
  }
  return unknown(new Error(`refund answered HTTP ${answer.status}`));
}

/**
 * GET /v2/payments/refunds/{id}. A refund whose answer was lost has no PayPal id yet: the
 * refund is sent again with its PayPal-Request-Id, which answers the refund PayPal made.
 */
async function queryRefund(ctx: RefundContext): Promise<RefundResult> {
  const id = ctx.refund.extra?.paypal_refund_id;
  if (typeof id !== 'string' || !id) return postRefund(ctx);
  const m = merchant(ctx);
  const answer = await call(() => paypalApi(m, 'GET', `/v2/payments/refunds/${encodeURIComponent(id)}`));
  if (failedTransport(answer)) return unknown(answer.transport);
  if (answer.status !== 200 || answer.json?.id !== id)
    return unknown(new Error(`refund query answered HTTP ${answer.status}`));
  return refundResult(ctx.refund, answer.json);
}
