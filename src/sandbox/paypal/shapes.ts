import { money, paypalTime } from './codec.js';
import type { PaypalSandboxKeys } from './keys.js';
import type { OrderRow, RefundRow } from './repository.js';

/** PayPal's fee on a capture in the sandbox: 3.49% of the gross, rounded down to the minor unit. */
export const captureFee = (amount: number): number => Math.floor((amount * 349) / 10_000);

const time = (v: Date) => paypalTime(new Date(v));

/**
 * The JSON PayPal answers for orders, captures and refunds (and puts in webhook resources),
 * with HATEOAS links under the simulator's base URL, read at each call.
 */
export function paypalShapes(base: () => string, keys: PaypalSandboxKeys) {
  const approveUrl = (id: string) => `${base()}/checkoutnow?token=${id}`;

  const captureJson = (o: OrderRow) => {
    const amount = Number(o.amount);
    const fee = captureFee(amount);
    return {
      id: o.capture_id,
      status: o.capture_status,
      ...(o.capture_reason ? { status_details: { reason: o.capture_reason } } : {}),
      amount: money(amount, o.currency),
      final_capture: true,
      seller_protection: {
        status: 'ELIGIBLE',
        dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'],
      },
      seller_receivable_breakdown: {
        gross_amount: money(amount, o.currency),
        paypal_fee: money(fee, o.currency),
        net_amount: money(amount - fee, o.currency),
      },
      ...(o.invoice_id ? { invoice_id: o.invoice_id } : {}),
      ...(o.custom_id ? { custom_id: o.custom_id } : {}),
      supplementary_data: { related_ids: { order_id: o.id } },
      links: [
        { href: `${base()}/v2/payments/captures/${o.capture_id}`, rel: 'self', method: 'GET' },
        { href: `${base()}/v2/payments/captures/${o.capture_id}/refund`, rel: 'refund', method: 'POST' },
        { href: `${base()}/v2/checkout/orders/${o.id}`, rel: 'up', method: 'GET' },
      ],
      create_time: time(o.captured_at!),
      update_time: time(o.updated_at),
    };
  };

  const orderJson = (o: OrderRow, full: boolean) => {
    const self = { href: `${base()}/v2/checkout/orders/${o.id}`, rel: 'self', method: 'GET' };
    const waiting = o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED';
    const links = [
      self,
      ...(waiting
        ? [
            {
              href: approveUrl(o.id),
              rel: o.status === 'PAYER_ACTION_REQUIRED' ? 'payer-action' : 'approve',
              method: 'GET',
            },
          ]
        : []),
      ...(o.status === 'CREATED' || o.status === 'APPROVED'
        ? [
            { href: `${base()}/v2/checkout/orders/${o.id}`, rel: 'update', method: 'PATCH' },
            { href: `${base()}/v2/checkout/orders/${o.id}/capture`, rel: 'capture', method: 'POST' },
          ]
        : []),
    ];
    if (!full) return { id: o.id, status: o.status, links };
    const payer = o.payer_id
      ? {
          email_address: o.payer_email,
          payer_id: o.payer_id,
          name: { given_name: 'Sandbox', surname: 'Payer' },
        }
      : undefined;
    return {
      id: o.id,
      intent: o.intent,
      status: o.status,
      ...(payer
        ? {
            payment_source: {
              paypal: {
                email_address: payer.email_address,
                account_id: payer.payer_id,
                account_status: 'VERIFIED',
                name: payer.name,
              },
            },
          }
        : {}),
      purchase_units: [
        {
          reference_id: o.reference_id ?? 'default',
          amount: money(Number(o.amount), o.currency),
          payee: { email_address: keys.merchantEmail, merchant_id: keys.merchantId },
          ...(o.description ? { description: o.description } : {}),
          ...(o.custom_id ? { custom_id: o.custom_id } : {}),
          ...(o.invoice_id ? { invoice_id: o.invoice_id } : {}),
          ...(o.capture_id ? { payments: { captures: [captureJson(o)] } } : {}),
        },
      ],
      ...(payer ? { payer } : {}),
      create_time: time(o.created_at),
      update_time: time(o.updated_at),
      links,
    };
  };

  const refundJson = (r: RefundRow, refundedTotal: number) => ({
    id: r.id,
    amount: money(Number(r.amount), r.currency),
    status: r.status,
    ...(r.status === 'FAILED' ? { status_details: { reason: 'ECHECK' } } : {}),
    ...(r.custom_id ? { custom_id: r.custom_id } : {}),
    ...(r.invoice_id ? { invoice_id: r.invoice_id } : {}),
    ...(r.note_to_payer ? { note_to_payer: r.note_to_payer } : {}),
    seller_payable_breakdown: {
      gross_amount: money(Number(r.amount), r.currency),
      net_amount: money(Number(r.amount), r.currency),
      total_refunded_amount: money(refundedTotal, r.currency),
    },
    payer: { email_address: keys.merchantEmail, merchant_id: keys.merchantId },
    create_time: time(r.created_at),
    update_time: time(r.updated_at),
    links: [
      { href: `${base()}/v2/payments/refunds/${r.id}`, rel: 'self', method: 'GET' },
      { href: `${base()}/v2/payments/captures/${r.capture_id}`, rel: 'up', method: 'GET' },
    ],
  });

  return { money, approveUrl, captureJson, orderJson, refundJson };
}
