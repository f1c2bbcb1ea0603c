-- The PayPal simulator (test mode's PayPal, src/sandbox/paypal). Its state is PayPal's side
-- of the world: the REST app and webhook signing key it generated at first start (sealed
-- with the master key, never committed), the access tokens it issued, the orders, captures
-- and refunds merchants made through Orders v2 / Payments v2, the answers it keeps per
-- PayPal-Request-Id, and the signed webhooks it owes the gateway.
CREATE TABLE ppsim_keys (
  id text PRIMARY KEY,
  -- core.box-sealed JSON: client id/secret, webhook id, merchant id, signing key + certificate
  sealed text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE ppsim_tokens (
  access_token text PRIMARY KEY,
  client_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE ppsim_orders (
  id text PRIMARY KEY,
  client_id text NOT NULL,
  intent text NOT NULL,
  -- CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, VOIDED
  status text NOT NULL,
  reference_id text,
  custom_id text,
  invoice_id text,
  description text,
  currency text NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  return_url text,
  cancel_url text,
  -- the payer, once they approved
  payer_id text,
  payer_email text,
  -- the capture (one per order: purchase_units[0], final capture)
  capture_id text UNIQUE,
  -- COMPLETED, PENDING, DECLINED, PARTIALLY_REFUNDED, REFUNDED
  capture_status text,
  capture_reason text,
  capture_settle_at timestamptz,
  captured_at timestamptz,
  approved_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX ppsim_orders_invoice ON ppsim_orders (client_id, invoice_id);

CREATE TABLE ppsim_refunds (
  id text PRIMARY KEY,
  capture_id text NOT NULL REFERENCES ppsim_orders (capture_id),
  order_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  -- PENDING, COMPLETED, FAILED, CANCELLED
  status text NOT NULL,
  -- what a PENDING refund settles to (fault injection may make it FAILED)
  outcome text NOT NULL,
  settle_at timestamptz,
  custom_id text,
  invoice_id text,
  note_to_payer text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- PayPal-Request-Id: the first answer to a request id is the answer to every retry of it.
CREATE TABLE ppsim_requests (
  client_id text NOT NULL,
  request_id text NOT NULL,
  path text NOT NULL,
  status integer NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, request_id, path)
);

CREATE TABLE ppsim_webhooks (
  id text PRIMARY KEY,
  seq bigserial,
  event_type text NOT NULL,
  url text NOT NULL,
  -- the event JSON exactly as sent; PAYPAL-* headers are signed per attempt
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
CREATE INDEX ppsim_webhooks_due ON ppsim_webhooks (next_at) WHERE status = 'pending';
