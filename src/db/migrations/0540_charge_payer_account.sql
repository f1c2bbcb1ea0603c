-- Who paid a charge, as the upstream reported it (Alipay buyer_logon_id, WeChat payer openid
-- or sub_openid, UnionPay's masked accNo): the store API's trade_account. Set once, by the
-- first channel result or notification that carries it; null where the upstream says nothing.
ALTER TABLE charges ADD COLUMN payer_account text;
