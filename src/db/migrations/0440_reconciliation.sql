-- Reconciliation and settlement (issue #14). A provider's daily statement says what it
-- settled: each charge and refund it lists gets the fee it took, the amount that reaches
-- the merchant (amount_settle = amount - fee for a charge; what leaves for a refund), when,
-- and which statement said so. NULL until a statement (or Paymax's answer) fills them.
ALTER TABLE charges
  ADD COLUMN fee bigint,
  ADD COLUMN amount_settle bigint,
  ADD COLUMN time_settle timestamptz,
  ADD COLUMN statement_id text;
ALTER TABLE refunds
  ADD COLUMN fee bigint,
  ADD COLUMN amount_settle bigint,
  ADD COLUMN time_settle timestamptz,
  ADD COLUMN statement_id text;
-- "here but not upstream": the day's succeeded charges of a scope, found by when they were paid
CREATE INDEX charges_channel_paid ON charges (channel, livemode, paid_at) WHERE status = 'succeeded';
CREATE INDEX refunds_succeeded ON refunds (livemode, succeeded_at) WHERE status = 'succeeded';

-- One reconciliation of one channel config's day. The daily job inserts its run under the
-- partial unique index: whichever node inserts first does the day, the others skip it.
CREATE TABLE reconciliation_runs (
  id text PRIMARY KEY,
  -- the channel config, or 'default' for a simulator's default merchant (test mode)
  config_id text NOT NULL,
  provider text NOT NULL,
  livemode boolean NOT NULL,
  -- the app whose charges are compared; NULL: every test-mode app without a config of its own
  app_id text REFERENCES apps(id),
  bill_date date NOT NULL,
  -- daily | manual
  trigger text NOT NULL,
  -- running | completed | not_ready | failed
  status text NOT NULL,
  statement_id text,
  rows_read bigint NOT NULL DEFAULT 0,
  -- per class: {"matched": 10, "missing_upstream": 1, ...}
  counts jsonb NOT NULL DEFAULT '{}',
  fee_total bigint NOT NULL DEFAULT 0,
  error text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE UNIQUE INDEX reconciliation_runs_daily_once ON reconciliation_runs (config_id, bill_date) WHERE trigger = 'daily';
CREATE INDEX reconciliation_runs_date ON reconciliation_runs (bill_date DESC, id DESC);

-- What did not simply match: one row per difference found (matched lines are counted in
-- the run and marked on their charge by statement_id, not copied here a million times).
CREATE TABLE reconciliation_items (
  seq bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES reconciliation_runs(id),
  -- repaired | missing_here | missing_upstream | amount_mismatch | status_mismatch | refund_mismatch
  class text NOT NULL,
  provider text NOT NULL,
  livemode boolean NOT NULL,
  app_id text,
  bill_date date NOT NULL,
  charge_id text,
  refund_id text,
  out_trade_no text,
  out_refund_no text,
  transaction_no text,
  upstream_amount bigint,
  local_amount bigint,
  local_status text,
  fee bigint,
  detail text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX reconciliation_items_run ON reconciliation_items (run_id, seq);
CREATE INDEX reconciliation_items_date ON reconciliation_items (bill_date, seq);
