import type { Charge, Refund } from '../../domain/charge.js';

/**
 * payStatus as the document lists it. NOTREFUND ("未退款") is a refund record's state on
 * the platform and never describes a payment here.
 */
export type PayStatus =
  | 'NOTPAY'
  | 'SUCCESSPAY'
  | 'FAILUREPAY'
  | 'NOTREFUND'
  | 'WAITREFUND'
  | 'SUCCESSREFUND'
  | 'FAILUREREFUND'
  | 'CLOSED';

/**
 * One charge's payStatus. A paid charge reports its refunds: a refund in flight is
 * WAITREFUND, money given back (in part or in full) is SUCCESSREFUND, and a refund that
 * only ever failed is FAILUREREFUND.
 */
export function payStatusOf(charge: Charge, refunds: readonly Refund[] = []): PayStatus {
  switch (charge.status) {
    case 'pending':
    case 'user_paying':
      return 'NOTPAY';
    case 'failed':
      return 'FAILUREPAY';
    case 'canceled':
    case 'closed':
      return 'CLOSED';
    case 'succeeded':
      if (refunds.some((r) => r.status === 'pending')) return 'WAITREFUND';
      if (charge.amountRefunded > 0) return 'SUCCESSREFUND';
      if (refunds.some((r) => r.status === 'failed')) return 'FAILUREREFUND';
      return 'SUCCESSPAY';
  }
}
