-- What the provider's own record of the merchant's account says of a reconciled day (WeChat
-- Pay's fund-flow bill): payments credited, refunds and fees debited, net, next to the same
-- totals of the statement it was checked against. NULL when the provider keeps no such record.
ALTER TABLE reconciliation_runs ADD COLUMN settlement jsonb;
