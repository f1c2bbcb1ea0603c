-- The Alipay simulator's own state (test mode's Alipay): its apps and keys, trades,
-- refunds, pending asynchronous notifications and injected faults. Nothing here is a
-- gateway record: the gateway learns about these trades only through the Alipay protocol.

-- One row per simulated Alipay app. Keys are generated at first start, sealed with the
-- master key (core.box) and never leave the database in clear. The default app serves
-- test-mode charges of apps that have no Alipay channel config of their own.
CREATE TABLE alipay_sandbox_apps (
  app_id text PRIMARY KEY,
  is_default boolean NOT NULL DEFAULT false,
  -- the merchant's RSA public key (SPKI PEM) the simulator verifies requests with
  app_public_key text NOT NULL,
  -- the merchant's private key, only when the simulator generated it (sealed)
  app_private_key_enc text,
  -- "Alipay's" key pair for this app: signs responses and notifications
  alipay_private_key_enc text NOT NULL,
  alipay_public_key text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX alipay_sandbox_apps_one_default ON alipay_sandbox_apps (is_default) WHERE is_default;

CREATE TABLE alipay_sandbox_trades (
  trade_no text PRIMARY KEY,
  app_id text NOT NULL REFERENCES alipay_sandbox_apps(app_id),
  out_trade_no text NOT NULL,
  -- the API that created it: alipay.trade.page.pay, ...precreate, ...pay, ...create, ...
  api_method text NOT NULL,
  product_code text,
  total_amount bigint NOT NULL CHECK (total_amount > 0),
  subject text NOT NULL,
  -- the biz_content fields that identify the order, to detect a reused out_trade_no
  fingerprint text NOT NULL,
  -- WAIT_BUYER_PAY | TRADE_SUCCESS | TRADE_CLOSED | TRADE_FINISHED
  status text NOT NULL,
  buyer_id text,
  buyer_logon_id text,
  auth_code text,
  notify_url text,
  return_url text,
  -- time_expire / timeout_express: an unpaid trade closes itself then (TRADE_CLOSED)
  expires_at timestamptz NOT NULL,
  -- precreate, page, wap and app orders exist for queries only once the payer has
  -- scanned or opened them (before that Alipay answers ACQ.TRADE_NOT_EXIST)
  visible boolean NOT NULL,
  refunded bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  paid_at timestamptz,
  closed_at timestamptz,
  UNIQUE (app_id, out_trade_no)
);

CREATE TABLE alipay_sandbox_refunds (
  trade_no text NOT NULL REFERENCES alipay_sandbox_trades(trade_no),
  out_request_no text NOT NULL,
  refund_amount bigint NOT NULL CHECK (refund_amount > 0),
  refund_reason text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (trade_no, out_request_no)
);

-- Asynchronous notifications: posted to notify_url until it answers `success`, on
-- Alipay's schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h after the first attempt).
CREATE TABLE alipay_sandbox_notifications (
  id text PRIMARY KEY,
  -- creation order (times come from the injected clock and can tie)
  seq bigserial UNIQUE,
  app_id text NOT NULL,
  trade_no text NOT NULL,
  url text NOT NULL,
  -- the signed form, exactly as posted
  params jsonb NOT NULL,
  -- pending | held (reorder fault) | delivered | given_up | dropped
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz NOT NULL,
  last_result text,
  -- global order of attempts, to tell which notice reached the receiver first
  last_attempt_seq bigint,
  created_at timestamptz NOT NULL
);
CREATE SEQUENCE alipay_sandbox_attempt_seq;
CREATE INDEX alipay_sandbox_notifications_due ON alipay_sandbox_notifications (next_at) WHERE state = 'pending';

-- Injected faults, consumed in order: each row applies to the next `remaining` matching
-- events (notification sends or gateway calls), optionally for one method only.
CREATE TABLE alipay_sandbox_faults (
  id bigserial PRIMARY KEY,
  -- notify: delay | duplicate | reorder | drop | forge ; gateway: error_5xx | timeout | business_error
  kind text NOT NULL,
  api_method text,
  remaining integer NOT NULL CHECK (remaining >= 0),
  params jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);
