-- Merchant notifications: registered webhook endpoints, one delivery per (event, target),
-- and every attempt as sent and as answered. The outbox (0001) feeds the deliveries.

-- A receiver registered through the admin API. Per-order URLs (store notify_url, unified
-- bgUrl) are not endpoints: they travel on the charge and appear only on deliveries.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  url text NOT NULL,
  format text NOT NULL CHECK (format IN ('native', 'maxpay', 'paymax')),
  livemode boolean NOT NULL,
  -- event types this endpoint wants, e.g. ["charge.succeeded"]; ["*"] = all its format carries
  events jsonb NOT NULL,
  -- custom HTTP headers sent with every request, e.g. {"X-Api-Key": "..."}
  headers jsonb NOT NULL DEFAULT '{}',
  -- a RetrySchedule (notify/format.ts); null = the format's default
  schedule jsonb,
  description text,
  enabled boolean NOT NULL DEFAULT true,
  -- 'failing' after N failed attempts in a row; the next success makes it 'active' again
  health text NOT NULL DEFAULT 'active' CHECK (health IN ('active', 'failing')),
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- soft delete: the delivery log keeps pointing at it
  deleted_at timestamptz
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints (app_id, livemode) WHERE deleted_at IS NULL;

-- Signing secrets of native endpoints. The newest unexpired one is current; a rotation
-- gives the previous one an expiry (the overlap window), during which both sign.
CREATE TABLE webhook_endpoint_secrets (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints(id),
  secret_enc text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX webhook_endpoint_secrets_endpoint ON webhook_endpoint_secrets (endpoint_id, created_at DESC);

-- One notification of one event to one target. `id` is the notification id receivers
-- deduplicate on: retries, lease takeovers and replays all reuse it.
CREATE TABLE deliveries (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id),
  event_type text NOT NULL,
  app_id text,
  livemode boolean NOT NULL,
  endpoint_id text REFERENCES webhook_endpoints(id),
  -- 'endpoint:<id>' or '<format>:<url>' for per-order URLs; one delivery per (event, target)
  target_key text NOT NULL,
  format text NOT NULL,
  url text NOT NULL,
  -- the schedule of a per-order target (format default) or a snapshot; endpoints use their own
  schedule jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  attempts integer NOT NULL DEFAULT 0,
  -- a replay starts a new round: the schedule counts attempts and elapsed time per round
  round_started_at timestamptz,
  round_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  -- the lease: a worker owns the row until claimed_until; if it dies, the row is claimable again
  claimed_by text,
  claimed_until timestamptz,
  last_attempt_at timestamptz,
  last_response_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_at timestamptz,
  UNIQUE (event_id, target_key)
-- room on each page for HOT updates: a delivery row is updated on every claim and attempt
) WITH (fillfactor = 70);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_created ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at DESC);
-- (deliveries of one event: the UNIQUE (event_id, target_key) index serves them)

CREATE TABLE delivery_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES deliveries(id),
  number integer NOT NULL,
  -- 'succeeded' | 'failed' | 'abandoned' (the worker's lease ran out before it reported)
  outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'abandoned')),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'replay')),
  worker text,
  request_method text,
  request_url text,
  request_headers jsonb,
  request_body text,
  response_status integer,
  response_headers jsonb,
  -- truncated to the engine's log limit (4 KB by default)
  response_body text,
  response_truncated boolean NOT NULL DEFAULT false,
  error text,
  latency_ms integer,
  started_at timestamptz NOT NULL,
  completed_at timestamptz NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, number);
