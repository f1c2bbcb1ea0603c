import { COMMON_FAULT_KINDS, type Fault as KitFault, FaultQueue, faultKindGuard } from '../_kit/faults.js';

/**
 * Fault injection for the PayPal simulator: the next `count` API calls, webhooks, captures
 * or refunds misbehave.
 * - error_5xx: answer 500 INTERNAL_SERVER_ERROR without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next webhooks `ms` later on the business clock
 * - duplicate: deliver the next webhooks twice
 * - reorder: hold the next `count` webhooks, then deliver them newest first
 * - drop: never deliver the next webhooks (lost notifications: polling must find them)
 * - forge: send the next webhooks' first attempt signed by a foreign key
 * - capture_declined: the next capture is DECLINED by the payer's bank (order COMPLETED)
 * - capture_pending: the next capture is PENDING (review); it completes on the next run
 * - refund_pending: the next refund answers PENDING and completes on the next run
 * - refund_failed: the next refund answers PENDING and then FAILS on the next run
 */
export const PAYPAL_FAULT_KINDS = [
  ...COMMON_FAULT_KINDS,
  'capture_declined',
  'capture_pending',
  'refund_pending',
  'refund_failed',
] as const;
export type PaypalFaultKind = (typeof PAYPAL_FAULT_KINDS)[number];

export type PaypalFault = KitFault<PaypalFaultKind>;

export const isPaypalFaultKind = faultKindGuard(PAYPAL_FAULT_KINDS);

export class PaypalFaults extends FaultQueue<PaypalFaultKind> {}
