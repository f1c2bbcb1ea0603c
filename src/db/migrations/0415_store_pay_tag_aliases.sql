-- Per-store pmt_tag aliases. Each bank's store API named its own tags (`AlipayZL`,
-- `WeixinTTGL`, `WeixinCDZH`, ...) and real clients hard-code them, so a store that moves
-- to Juhe keeps its tag: the alias names a provider of that store, and the order's method
-- still follows from the payorder scenario exactly as for the built-in tags. An alias may
-- not shadow a built-in tag (checked by the use case, which knows the built-in list).
CREATE TABLE store_pay_tag_aliases (
  store_id text NOT NULL REFERENCES stores(id),
  tag text NOT NULL CHECK (tag ~ '^[A-Za-z][A-Za-z0-9_]{0,19}$'),
  provider text NOT NULL CHECK (provider IN ('alipay', 'wechatpay')),
  -- the paylist name; null: the provider's usual name (支付宝 / 微信支付)
  name text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (store_id, tag)
);
