-- The `store` dialect (/mct1) keeps its own order book beside charges and refunds. A store
-- order is a payment (ord_type 1, its charge) or a refund (ord_type 2, a refund of the
-- charge); its out_no is unique in the store across both types (payorder out_no and
-- payrefund refund_out_no share one namespace, since paystatus finds either by out_no).
-- The row is written before the charge or refund exists, which reserves the out_no
-- atomically; charge_id therefore has no foreign key (the charge may not exist yet, or
-- never, when creating it failed before insert: then the row is deleted again).
CREATE TABLE store_orders (
  store_id text NOT NULL REFERENCES stores(id),
  out_no text NOT NULL,
  ord_type smallint NOT NULL CHECK (ord_type IN (1, 2)),
  -- ord_type 1: the payment's charge; 2: the charge being refunded
  charge_id text NOT NULL,
  -- ord_type 2: the refund, set once createRefund returns
  refund_id text REFERENCES refunds(id),
  -- ord_type 2: the refund order's system number (ord_type 1 uses charges.order_sn)
  ord_no text UNIQUE,
  -- merchant-wide and store-wide serials, from 1 (document: ord_mct_id, ord_shop_id)
  ord_mct_id bigint NOT NULL,
  ord_shop_id bigint NOT NULL,
  pmt_tag text NOT NULL,
  diy_pmt_name text,
  ord_name text,
  remark text,
  tag text,
  -- what the client itself sent (a card number, a terminal's reference for Cash/Diy)
  trade_account text,
  trade_no text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (store_id, out_no),
  CHECK ((ord_type = 1 AND refund_id IS NULL AND ord_no IS NULL) OR (ord_type = 2 AND ord_no IS NOT NULL))
);
CREATE INDEX store_orders_store_created ON store_orders (store_id, created_at DESC, out_no DESC);
CREATE INDEX store_orders_charge ON store_orders (charge_id);

-- Serial counters: scope 'merchant:<id>' or 'store:<id>'.
CREATE TABLE store_serials (
  scope text PRIMARY KEY,
  last_value bigint NOT NULL
);
