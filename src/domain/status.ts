/**
 * Charge and refund lifecycles as one transition table each. Every state change in
 * the system goes through `canTransitionCharge` or `canTransitionRefund`, and the
 * database update is conditional on the status read, so a duplicate or late channel result changes a charge at most once.
 */
export const CHARGE_STATUSES = [
  'pending',
  'user_paying',
  'succeeded',
  'failed',
  'canceled',
  'closed',
] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

const CHARGE_TRANSITIONS: Record<ChargeStatus, readonly ChargeStatus[]> = {
  // pending: created upstream (or offline), the payer has not acted yet
  pending: ['user_paying', 'succeeded', 'failed', 'canceled', 'closed'],
  // user_paying: barcode payment waiting for the payer's password
  user_paying: ['succeeded', 'failed', 'canceled', 'closed'],
  succeeded: [],
  failed: [],
  canceled: [],
  closed: [],
};

const REFUND_TRANSITIONS: Record<RefundStatus, readonly RefundStatus[]> = {
  pending: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export function canTransitionCharge(from: ChargeStatus, to: ChargeStatus): boolean {
  return CHARGE_TRANSITIONS[from].includes(to);
}

export function canTransitionRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_TRANSITIONS[from].includes(to);
}

export function isChargeUnpaid(status: ChargeStatus): boolean {
  return status === 'pending' || status === 'user_paying';
}
