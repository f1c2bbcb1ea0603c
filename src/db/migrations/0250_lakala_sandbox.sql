-- The Lakala simulator (test mode's Lakala open platform, src/sandbox/lakala). Its state is
-- Lakala's side of the world: the merchant and platform keys it generated at first start
-- (sealed with the master key, never committed), the cashier orders and refunds merchants
-- created through API v3, and the signed notifications it owes them.
CREATE TABLE lklsim_keys (
  id text PRIMARY KEY,
  -- core.box-sealed JSON: merchant {appid, merchant_no, term_no, serial, private key, certificate}
  -- and platform {serial, private key, certificate}
  sealed text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE lklsim_orders (
  merchant_no text NOT NULL,
  out_order_no text NOT NULL,
  pay_order_no text NOT NULL UNIQUE,
  channel_id text NOT NULL,
  term_no text NOT NULL,
  total_amount bigint NOT NULL CHECK (total_amount > 0),
  order_info text NOT NULL,
  out_user_id text,
  notify_url text,
  callback_url text,
  support_refund integer NOT NULL,
  -- the request's business fields, to tell an idempotent retry from a reused out_order_no
  fingerprint text NOT NULL,
  -- 0 待支付, 2 支付成功, 3 支付失败, 5 已取消, 7 已关闭 (4 已过期 and 6 退款 are derived when read)
  order_status text NOT NULL,
  -- the code behind counter_url, what the cashier page is keyed by
  pay_code text NOT NULL UNIQUE,
  trade_no text UNIQUE,
  log_no text,
  acc_trade_no text,
  pay_mode text,
  trade_time timestamptz,
  efficient_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (merchant_no, out_order_no)
);

CREATE TABLE lklsim_refunds (
  trade_no text PRIMARY KEY,
  merchant_no text NOT NULL,
  -- the refund's own merchant number (labs out_trade_no)
  out_trade_no text NOT NULL,
  log_no text NOT NULL,
  origin_out_order_no text NOT NULL,
  origin_trade_no text NOT NULL,
  refund_amount bigint NOT NULL CHECK (refund_amount > 0),
  refund_reason text,
  -- DEAL (processing), SUCCESS, FAIL
  trade_state text NOT NULL,
  -- what a DEAL refund settles to, and when
  outcome text NOT NULL,
  settle_at timestamptz,
  trade_time timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (merchant_no, out_trade_no),
  FOREIGN KEY (merchant_no, origin_out_order_no) REFERENCES lklsim_orders (merchant_no, out_order_no)
);

CREATE TABLE lklsim_notices (
  id text PRIMARY KEY,
  seq bigserial,
  merchant_no text NOT NULL,
  out_order_no text NOT NULL,
  notify_url text NOT NULL,
  -- the JSON body exactly as sent; the Authorization header is signed per attempt
  body text NOT NULL,
  -- pending, held (reorder fault), delivered, failed (gave up), dropped (fault)
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz,
  -- fault flags for the next attempt: {"duplicate": true, "forge": true}
  flags jsonb NOT NULL DEFAULT '{}',
  last_result text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX lklsim_notices_due ON lklsim_notices (next_at) WHERE status = 'pending';
