-- Duplicate payments (issue #12): when a second attempt of one merchant order is paid too,
-- the gateway refunds it automatically unless the app turned this off. On by default: the
-- payer paid twice for one order, and the money is theirs.
ALTER TABLE apps ADD COLUMN auto_refund_duplicates boolean NOT NULL DEFAULT true;
