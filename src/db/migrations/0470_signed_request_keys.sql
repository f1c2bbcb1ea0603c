-- Signed merchant requests already accepted, remembered for their replay window and shared by
-- every node: a request signed once and sent again (to this node or another) is a replay.
--   scope: whose key space (e.g. 'paymax:<app id>:test'): two apps may pick the same nonce;
--   key:   what identifies the request ('nonce:<nonce>' for Paymax's July-2016 scheme,
--          'sign:<sha256 of method, path and sign>' for its 2016 raw-body scheme).
-- The primary key settles a race: of two nodes claiming the same key, one insert wins.
-- An expired row may be taken over; the periodic sweeper deletes expired rows (by expires_at).
CREATE TABLE signed_request_keys (
  scope text NOT NULL,
  key text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX signed_request_keys_expiry ON signed_request_keys (expires_at);
