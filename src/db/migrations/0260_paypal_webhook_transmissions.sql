-- PayPal webhook transmission ids seen within the freshness window, shared by every node:
-- the same signed delivery sent again (to this node or another) is a replay and refused.
-- A row can be reclaimed once it has expired; expired rows are pruned as deliveries arrive.
CREATE TABLE paypal_webhook_transmissions (
  transmission_id text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX paypal_webhook_transmissions_expiry ON paypal_webhook_transmissions (expires_at);
