-- The WeChat Pay simulator's service-provider (服务商) mode. The default sandbox merchant is
-- also a service provider; sub-merchants are bound to it (a sub-merchant has exactly one
-- service provider), each with the appids (official account, mini program, mobile app) it
-- may name as sub_appid. A partner order is kept with mchid = its sub_mchid (out_trade_no is
-- unique per sub-merchant) and sp_mchid set; openid_kind says whether the payer's openid is
-- the service provider's (sp_openid) or the sub-merchant's (sub_openid).
CREATE TABLE wxsim_sub_merchants (
  sub_mchid text PRIMARY KEY,
  sp_mchid text NOT NULL,
  sub_appids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);

ALTER TABLE wxsim_orders
  ADD COLUMN sp_mchid text,
  ADD COLUMN sub_appid text,
  ADD COLUMN openid_kind text CHECK (openid_kind IN ('sp_openid', 'sub_openid'));
