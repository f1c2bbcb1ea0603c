-- The duplicate-refund sweep (core/payments/refund-duplicates.ts) looks for duplicate payments
-- not yet refunded: few rows, found without scanning every event.
CREATE INDEX events_duplicate_payment ON events (created_at) WHERE type = 'charge.duplicate_payment';
