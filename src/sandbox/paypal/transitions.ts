import type { Queryable } from '../../db/db.js';
import {
  amountValue,
  invalid,
  isCurrency,
  MISSING,
  notFound,
  readAmount,
  SYNTAX,
  unprocessable,
} from './codec.js';
import { APPROVAL_WINDOW_MS, type PpSim } from './context.js';
import { paypalId } from './keys.js';
import * as repo from './repository.js';
import type { OrderRow } from './repository.js';

/**
 * The PayPal order state machine: create (CREATED, or PAYER_ACTION_REQUIRED with a
 * payment_source), the payer's approval (APPROVED) or cancel, capture (COMPLETED, with a
 * capture COMPLETED, or DECLINED / PENDING under the faults). Refunds: transitions-refund.ts.
 */

const DUPLICATE_INVOICE =
  'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.';

function checkUrl(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  let ok = typeof value === 'string' && value.length <= 4000;
  if (ok) {
    try {
      ok = /^https?:$/.test(new URL(value as string).protocol);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw invalid('INVALID_PARAMETER_SYNTAX', SYNTAX, field);
  return value as string;
}

/** The minor units of a request's `amount.value` in `currency`, or PayPal's refusal. */
export function amountOf(value: unknown, currency: string, field: string, decimalsMessage: string): number {
  const parsed = readAmount(value, currency);
  if (parsed.ok) return parsed.minor;
  if (parsed.issue === 'INVALID_PARAMETER_SYNTAX') throw invalid(parsed.issue, SYNTAX, field);
  throw unprocessable(
    parsed.issue,
    parsed.issue === 'DECIMALS_NOT_SUPPORTED' ? 'Currency code does not support decimals.' : decimalsMessage,
  );
}

/** POST /v2/checkout/orders (intent CAPTURE, one purchase unit). */
export async function createOrder(sim: PpSim, b: any, prefer: string) {
  if (b.intent === undefined) throw invalid('MISSING_REQUIRED_PARAMETER', MISSING, '/intent');
  if (b.intent !== 'CAPTURE')
    throw invalid('INVALID_PARAMETER_VALUE', 'The sandbox only supports intent CAPTURE.', '/intent');
  if (!Array.isArray(b.purchase_units) || b.purchase_units.length === 0) {
    throw invalid('MISSING_REQUIRED_PARAMETER', MISSING, '/purchase_units');
  }
  if (b.purchase_units.length > 1) {
    throw invalid('INVALID_ARRAY_MAX_ITEMS', 'The sandbox accepts one purchase unit.', '/purchase_units');
  }
  const unit = b.purchase_units[0] ?? {};
  const currency = unit.amount?.currency_code;
  if (!unit.amount || currency === undefined || unit.amount.value === undefined) {
    throw invalid('MISSING_REQUIRED_PARAMETER', MISSING, "/purchase_units/@reference_id=='default'/amount");
  }
  if (!isCurrency(currency)) throw unprocessable('CURRENCY_NOT_SUPPORTED', 'Currency code is not supported.');
  const amount = amountOf(
    unit.amount.value,
    currency,
    '/purchase_units/0/amount/value',
    'If the currency supports decimals, only two decimal place precision is supported.',
  );
  if (amount <= 0) {
    throw invalid(
      'INVALID_PARAMETER_VALUE',
      'The amount must be greater than zero.',
      '/purchase_units/0/amount/value',
    );
  }
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
  const now = sim.ctx.clock.now();
  const row = await sim.ctx.db.tx(async (q) => {
    if (unit.invoice_id && (await repo.invoiceTaken(q, sim.keys.clientId, unit.invoice_id))) {
      throw unprocessable('DUPLICATE_INVOICE_ID', DUPLICATE_INVOICE);
    }
    return repo.insertOrder(q, {
      id: paypalId(17),
      client_id: sim.keys.clientId,
      intent: 'CAPTURE',
      status: b.payment_source?.paypal ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
      reference_id: unit.reference_id ?? null,
      custom_id: unit.custom_id ?? null,
      invoice_id: unit.invoice_id ?? null,
      description: typeof unit.description === 'string' ? unit.description.slice(0, 127) : null,
      currency,
      amount,
      return_url: returnUrl,
      cancel_url: cancelUrl,
      created_at: now,
      updated_at: now,
    });
  });
  return { status: 201, body: sim.shapes.orderJson(row, prefer.includes('representation')) };
}

const CAPTURE_EVENT: Record<string, string> = {
  COMPLETED: 'PAYMENT.CAPTURE.COMPLETED',
  PENDING: 'PAYMENT.CAPTURE.PENDING',
  DECLINED: 'PAYMENT.CAPTURE.DECLINED',
};

/** POST /v2/checkout/orders/{id}/capture: one capture per approved order; its webhook goes out after the answer. */
export async function capture(sim: PpSim, id: string, prefer: string) {
  const now = sim.ctx.clock.now();
  const captured = await sim.ctx.db.tx(async (q) => {
    const o = await repo.findOrder(q, id, true);
    if (!o) throw notFound();
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
    if (o.invoice_id && (await repo.invoiceTaken(q, o.client_id, o.invoice_id, o.id))) {
      throw unprocessable('DUPLICATE_INVOICE_ID', 'Duplicate Invoice ID detected.');
    }
    const fault = sim.faults.take('capture_declined', 'capture_pending');
    const status =
      fault?.kind === 'capture_declined'
        ? 'DECLINED'
        : fault?.kind === 'capture_pending'
          ? 'PENDING'
          : 'COMPLETED';
    const row = await repo.updateOrder(q, o.id, {
      status: 'COMPLETED',
      capture_id: paypalId(17),
      capture_status: status,
      capture_reason: status === 'PENDING' ? 'PENDING_REVIEW' : null,
      capture_settle_at: status === 'PENDING' ? now : null,
      captured_at: now,
      updated_at: now,
    });
    const webhookId = await queueCaptureEvent(sim, q, row, CAPTURE_EVENT[status], status.toLowerCase());
    return { row, webhookId };
  });
  sim.outbox.deliverSoon(captured.webhookId);
  return { status: 201, body: sim.shapes.orderJson(captured.row, prefer.includes('representation')) };
}

export const queueCaptureEvent = (sim: PpSim, q: Queryable, row: OrderRow, event: string, word: string) =>
  sim.outbox.queue(
    q,
    event,
    'capture',
    sim.shapes.captureJson(row),
    `Payment ${word} for ${amountValue(Number(row.amount), row.currency)} ${row.currency}`,
  );

export const orderExpired = (sim: PpSim, o: OrderRow) =>
  sim.ctx.clock.now().getTime() - new Date(o.created_at).getTime() > APPROVAL_WINDOW_MS;

const withQuery = (url: string, params: Record<string, string>) => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
};

/**
 * The payer on the checkout page: approve (APPROVED, CHECKOUT.ORDER.APPROVED, the browser
 * sent to return_url?token=..&PayerID=..) or cancel (the browser sent to cancel_url?token=..).
 */
export async function payerApproves(
  sim: PpSim,
  orderId: string,
  action: 'pay' | 'cancel',
): Promise<{ ok: boolean; redirect?: string; reason?: string; webhookId?: string }> {
  const now = sim.ctx.clock.now();
  return sim.ctx.db.tx(async (q) => {
    const o = await repo.findOrder(q, orderId, true);
    if (!o) return { ok: false, reason: 'This order does not exist' };
    if (o.status !== 'CREATED' && o.status !== 'PAYER_ACTION_REQUIRED') {
      return { ok: false, reason: `This order is ${o.status.toLowerCase()}` };
    }
    if (orderExpired(sim, o)) return { ok: false, reason: 'This order has expired' };
    if (action === 'cancel') {
      return { ok: true, redirect: o.cancel_url ? withQuery(o.cancel_url, { token: o.id }) : undefined };
    }
    const payerId = paypalId(13);
    const row = await repo.updateOrder(q, o.id, {
      status: 'APPROVED',
      payer_id: payerId,
      payer_email: `sb-${payerId.toLowerCase()}@personal.example.com`,
      approved_at: now,
      updated_at: now,
    });
    const webhookId = await sim.outbox.queue(
      q,
      'CHECKOUT.ORDER.APPROVED',
      'checkout-order',
      sim.shapes.orderJson(row, true),
      'An order has been approved by buyer',
    );
    return {
      ok: true,
      webhookId,
      redirect: row.return_url ? withQuery(row.return_url, { token: row.id, PayerID: payerId }) : undefined,
    };
  });
}
