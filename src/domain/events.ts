/** Event types: the append-only record every notification is derived from. */
export const EVENT_TYPES = [
  'charge.created',
  'charge.user_paying',
  'charge.succeeded',
  'charge.failed',
  'charge.canceled',
  'charge.closed',
  // a channel reported money taken for a charge we had already closed: needs a human or an auto-refund
  'charge.paid_after_close',
  // another attempt of the same merchant order (maxpay re-billing) was paid too: the payer paid twice
  'charge.duplicate_payment',
  // that duplicate was refunded automatically (the app's auto_refund_duplicates): the refund's own events follow
  'charge.duplicate_refunded',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
  // a channel's statement disagreed with the books (see the run's items): finance should look
  'reconciliation.mismatch',
  'endpoint.failing',
  'endpoint.recovered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
