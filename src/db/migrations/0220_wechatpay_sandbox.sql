-- The WeChat Pay simulator (test mode's WeChat Pay, src/sandbox/wechatpay). Its state is
-- WeChat's side of the world: the merchant and platform keys it generated at first start
-- (sealed with the master key, never committed), the orders and refunds merchants created
-- through API v3 / v2, and the signed, encrypted callbacks it owes them.
CREATE TABLE wxsim_keys (
  id text PRIMARY KEY,
  -- core.box-sealed JSON: merchant {mchid, appid, serial, private/public key, API v3/v2 keys}
  -- and platform {serial, private key, certificate}
  sealed text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE wxsim_orders (
  mchid text NOT NULL,
  out_trade_no text NOT NULL,
  appid text NOT NULL,
  -- NATIVE, JSAPI, APP, MWEB (v3 h5), MICROPAY (v2)
  trade_type text NOT NULL,
  description text NOT NULL,
  total bigint NOT NULL CHECK (total > 0),
  currency text NOT NULL,
  payer_openid text,
  notify_url text,
  attach text,
  -- the request's business fields, to tell an idempotent retry from a reused out_trade_no
  fingerprint text NOT NULL,
  -- NOTPAY, USERPAYING, SUCCESS, CLOSED, REVOKED, PAYERROR (refunds live in wxsim_refunds)
  trade_state text NOT NULL,
  trade_state_desc text NOT NULL,
  prepay_id text UNIQUE,
  -- the code behind code_url / h5_url, what the payer pages are keyed by
  pay_code text NOT NULL UNIQUE,
  transaction_id text UNIQUE,
  time_expire timestamptz,
  success_time timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (mchid, out_trade_no)
);

CREATE TABLE wxsim_refunds (
  refund_id text PRIMARY KEY,
  mchid text NOT NULL,
  out_refund_no text NOT NULL,
  out_trade_no text NOT NULL,
  transaction_id text NOT NULL,
  refund bigint NOT NULL CHECK (refund > 0),
  total bigint NOT NULL,
  currency text NOT NULL,
  reason text,
  notify_url text,
  -- PROCESSING, SUCCESS, CLOSED, ABNORMAL
  status text NOT NULL,
  -- what the settlement will end in (fault injection may make it ABNORMAL)
  outcome text NOT NULL,
  settle_at timestamptz,
  success_time timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (mchid, out_refund_no),
  FOREIGN KEY (mchid, out_trade_no) REFERENCES wxsim_orders (mchid, out_trade_no)
);

CREATE TABLE wxsim_callbacks (
  id text PRIMARY KEY,
  seq bigserial,
  mchid text NOT NULL,
  event_type text NOT NULL,
  notify_url text NOT NULL,
  -- the JSON envelope exactly as sent (resource already encrypted); headers are signed per attempt
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
CREATE INDEX wxsim_callbacks_due ON wxsim_callbacks (next_at) WHERE status = 'pending';
