-- The aggregated store QR (一码付): one static code per store, and optionally one per cashier
-- desk or terminal. The printed code is the payer page /q/<id>; an order paid through it
-- belongs to the store and carries the code's id (the store API's qrc_id) in charge.extra.
CREATE TABLE store_qr_codes (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores(id),
  -- the desk or terminal the code stands on; NULL for the store's own code
  label text,
  created_at timestamptz NOT NULL
);
CREATE INDEX store_qr_codes_store ON store_qr_codes (store_id, created_at);
