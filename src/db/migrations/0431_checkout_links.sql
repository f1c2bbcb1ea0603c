-- Hosted checkout: a session (one payment) or a reusable payment link (many) of an app,
-- paid on Juhe's own pages (/checkout/<id>). The amount is fixed (amount) or entered by the
-- payer within [min_amount, max_amount]. Each payment is an ordinary charge whose
-- metadata names the link; success_url receives a signed result (signing_secret_enc).
CREATE TABLE checkout_links (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES apps(id),
  livemode boolean NOT NULL,
  kind text NOT NULL CHECK (kind IN ('session', 'link')),
  currency text NOT NULL,
  amount bigint,
  min_amount bigint,
  max_amount bigint,
  description text NOT NULL,
  methods jsonb NOT NULL,
  success_url text,
  cancel_url text,
  metadata jsonb NOT NULL DEFAULT '{}',
  signing_secret_enc text NOT NULL,
  expires_at timestamptz,
  created_at timestamptz NOT NULL,
  CHECK ((amount IS NOT NULL AND min_amount IS NULL AND max_amount IS NULL)
      OR (amount IS NULL AND min_amount IS NOT NULL AND max_amount IS NOT NULL AND min_amount <= max_amount))
);
CREATE INDEX checkout_links_app ON checkout_links (app_id, created_at DESC);
