-- The console's transactions list (GET /api/v1/charges) at millions of rows: every filter
-- combination pages newest first by (created_at, id) with a LIMIT, so each index below leads
-- with the filter's column and ends with the page order, and the planner walks it in order
-- and stops after one page instead of sorting every match.
CREATE INDEX IF NOT EXISTS charges_status_created ON charges (status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS charges_channel_created ON charges (channel, method, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS charges_store_created ON charges (store_id, created_at DESC, id DESC) WHERE store_id IS NOT NULL;
-- Refunded charges are few: a partial index holds just them.
CREATE INDEX IF NOT EXISTS charges_refunded_created ON charges (created_at DESC, id DESC) WHERE amount_refunded > 0;
-- "Search by any order number": the upstream's number (the merchant's and ours are indexed already).
CREATE INDEX IF NOT EXISTS charges_transaction_no ON charges (transaction_no) WHERE transaction_no IS NOT NULL;
-- The overview's "waiting on an unknown upstream outcome" list is charges_poll_due (0002).
