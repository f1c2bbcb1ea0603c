-- Juhe core schema. Money is bigint minor units; ids are prefixed text; times timestamptz.
-- Secret columns (*_enc) hold AES-256-GCM ciphertext under JUHE_MASTER_KEY, never plaintext.

CREATE TABLE merchants (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE apps (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants(id),
  name text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX apps_merchant ON apps (merchant_id);

-- One row per dialect credential of an app and mode:
--   maxpay:    public_id = X-ML-AppId; secrets {masterKey, sessionTokens[]}
--   paymax:    public_id = app key; lookup_hash = sha256(secret key); secrets {secretKey}; attrs {merchantPublicKeyPem}
--   unified:   public_id = domainCode; secrets {domainSecret}
--   platform:  the app's own signing key pair: attrs {publicKeyPem}; secrets {privateKeyPem}
CREATE TABLE app_credentials (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  kind text NOT NULL CHECK (kind IN ('maxpay', 'paymax', 'unified', 'platform')),
  livemode boolean NOT NULL,
  public_id text NOT NULL,
  lookup_hash text,
  secrets_enc text NOT NULL,
  attrs jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX app_credentials_public ON app_credentials (kind, public_id) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX app_credentials_lookup ON app_credentials (kind, lookup_hash)
  WHERE revoked_at IS NULL AND lookup_hash IS NOT NULL;
CREATE INDEX app_credentials_app ON app_credentials (app_id);

CREATE TABLE stores (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  name text NOT NULL,
  livemode boolean NOT NULL,
  open_id text NOT NULL UNIQUE,
  open_key_enc text NOT NULL,
  -- the `store` dialect sends sha1(password); we keep a scrypt hash of that sha1
  shop_pass_hash text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX stores_app ON stores (app_id);

CREATE TABLE cashiers (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores(id),
  name text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE terminals (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores(id),
  serial text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (store_id, serial)
);

CREATE TABLE channel_configs (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  livemode boolean NOT NULL,
  provider text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  settings jsonb NOT NULL DEFAULT '{}',
  secrets_enc text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (app_id, livemode, provider)
);

CREATE TABLE charges (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  store_id text REFERENCES stores(id),
  livemode boolean NOT NULL,
  dialect text NOT NULL,
  -- merchant order number; unique per app (per store for `store`); maxpay may bill an
  -- unpaid billNum again, so attempts number the bills of one order
  order_no text NOT NULL,
  order_scope text NOT NULL,
  attempt integer NOT NULL DEFAULT 1,
  order_sn text NOT NULL UNIQUE,
  channel text NOT NULL,
  method text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  amount_original bigint,
  amount_discount bigint NOT NULL DEFAULT 0,
  amount_ignore bigint NOT NULL DEFAULT 0,
  amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount),
  currency text NOT NULL,
  subject text NOT NULL,
  body text,
  description text,
  client_ip text,
  extra jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  credential jsonb,
  status text NOT NULL CHECK (status IN ('pending', 'user_paying', 'succeeded', 'failed', 'canceled', 'closed')),
  transaction_no text,
  failure_code text,
  failure_msg text,
  return_url text,
  notify_url text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  closed_at timestamptz,
  UNIQUE (app_id, order_scope, order_no, attempt)
);
CREATE INDEX charges_app_created ON charges (app_id, created_at DESC, id DESC);
CREATE INDEX charges_created ON charges (created_at DESC, id DESC);
CREATE INDEX charges_order_no ON charges (order_no);
CREATE INDEX charges_unpaid_expiry ON charges (expires_at) WHERE status IN ('pending', 'user_paying');

CREATE TABLE refunds (
  id text PRIMARY KEY,
  charge_id text NOT NULL REFERENCES charges(id),
  app_id text NOT NULL REFERENCES apps(id),
  livemode boolean NOT NULL,
  refund_no text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  description text,
  metadata jsonb NOT NULL DEFAULT '{}',
  extra jsonb NOT NULL DEFAULT '{}',
  transaction_no text,
  failure_code text,
  failure_msg text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  succeeded_at timestamptz,
  UNIQUE (app_id, refund_no)
);
CREATE INDEX refunds_charge ON refunds (charge_id);
CREATE INDEX refunds_app_created ON refunds (app_id, created_at DESC, id DESC);

CREATE TABLE events (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  app_id text,
  livemode boolean NOT NULL,
  type text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX events_object ON events (object_id);
CREATE INDEX events_app_created ON events (app_id, created_at DESC);

-- Written in the same transaction as the event; notify/ fans each row out to its targets.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id),
  created_at timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  processed_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_due ON outbox (available_at) WHERE processed_at IS NULL;

CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'finance', 'viewer')),
  created_at timestamptz NOT NULL,
  disabled_at timestamptz
);

CREATE TABLE sessions (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id text NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'finance', 'viewer')),
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE audit_log (
  id text PRIMARY KEY,
  actor_type text NOT NULL,
  actor_id text,
  action text NOT NULL,
  target_type text,
  target_id text,
  data jsonb NOT NULL DEFAULT '{}',
  ip text,
  created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);

CREATE TABLE idempotency_keys (
  actor text NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  -- null while the first request is still running
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
