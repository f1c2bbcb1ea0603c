-- The UnionPay simulator (test mode's UnionPay ACP 5.1.0 gateway, src/sandbox/unionpay).
-- UnionPay's side of the world: the certificate chain and keys it generated at first start
-- (sealed with the master key, never committed), every transaction merchants sent it
-- (consumes and refunds, one row each, as UnionPay keeps them), and the signed back
-- notifications it owes them.
CREATE TABLE upsim_keys (
  id text PRIMARY KEY,
  -- core.box-sealed JSON: merId, root and middle CA certificates, UnionPay's signing key and
  -- certificate, the sandbox merchant's signing key, certificate and certId
  sealed text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE upsim_txns (
  mer_id text NOT NULL,
  order_id text NOT NULL,
  -- yyyyMMddHHmmss, Beijing time, as the merchant sent it
  txn_time text NOT NULL,
  -- 01 consume, 04 refund
  txn_type text NOT NULL,
  channel_type text NOT NULL,
  txn_amt bigint NOT NULL CHECK (txn_amt > 0),
  back_url text,
  front_url text,
  pay_timeout timestamptz,
  -- app consumes: the transaction number the UnionPay app SDK opens
  tn text UNIQUE,
  -- what the payer cashier page is keyed by (consumes)
  pay_code text UNIQUE,
  -- the request's fields that must match on a resubmitted front form
  fingerprint text NOT NULL,
  -- NULL while the payer has not paid (a query answers 34), then 00 / 01 / 05 (refund accepted)
  resp_code text,
  resp_msg text,
  query_id text UNIQUE,
  -- refunds: the consume's queryId, and what the refund will settle to (00, or 01 by fault)
  orig_qry_id text,
  outcome text,
  settle_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (mer_id, order_id)
);
CREATE INDEX upsim_txns_orig ON upsim_txns (orig_qry_id) WHERE orig_qry_id IS NOT NULL;

CREATE TABLE upsim_notices (
  id text PRIMARY KEY,
  seq bigserial,
  mer_id text NOT NULL,
  order_id text NOT NULL,
  back_url text NOT NULL,
  -- the notice's fields, signed, as JSON; the forge fault re-signs one attempt with a foreign chain
  fields text NOT NULL,
  -- pending, held (reorder fault), delivered, failed (gave up), dropped (fault)
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz,
  -- fault flags for the next attempt: {"duplicate": true, "forge": true}
  flags text NOT NULL DEFAULT '{}',
  last_result text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX upsim_notices_due ON upsim_notices (next_at) WHERE status = 'pending';
