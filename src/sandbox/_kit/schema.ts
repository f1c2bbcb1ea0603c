/**
 * Table types of the simulators' tables for kysely, generated from the migrations by kysely-codegen
 * (`npm run db:types` regenerates it against a migrated PostgreSQL database). Do not edit by hand.
 * int8 columns hold minor units and counters within 2^53 and are read as numbers.
 */

import type { ColumnType } from 'kysely';

export type Generated<T> =
  T extends ColumnType<infer S, infer I, infer U>
    ? ColumnType<S, I | undefined, U>
    : ColumnType<T, T | undefined, T>;

export type Int8 = ColumnType<number, bigint | number | string, bigint | number | string>;

export type Json = JsonValue;

export type JsonArray = JsonValue[];

export type JsonObject = {
  [x: string]: JsonValue | undefined;
};

export type JsonPrimitive = boolean | number | string | null;

export type JsonValue = JsonArray | JsonObject | JsonPrimitive;

export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface AlipaySandboxApps {
  alipay_private_key_enc: string;
  alipay_public_key: string;
  app_id: string;
  app_private_key_enc: string | null;
  app_public_key: string;
  created_at: Timestamp;
  is_default: Generated<boolean>;
}

export interface AlipaySandboxFaults {
  api_method: string | null;
  created_at: Timestamp;
  id: Generated<Int8>;
  kind: string;
  params: Generated<Json>;
  remaining: number;
}

export interface AlipaySandboxNotifications {
  app_id: string;
  attempts: Generated<number>;
  created_at: Timestamp;
  id: string;
  last_attempt_seq: Int8 | null;
  last_result: string | null;
  next_at: Timestamp;
  params: Json;
  seq: Generated<Int8>;
  state: string;
  trade_no: string;
  url: string;
}

export interface AlipaySandboxRefunds {
  created_at: Timestamp;
  out_request_no: string;
  refund_amount: Int8;
  refund_reason: string | null;
  trade_no: string;
}

export interface AlipaySandboxTrades {
  api_method: string;
  app_id: string;
  auth_code: string | null;
  buyer_id: string | null;
  buyer_logon_id: string | null;
  closed_at: Timestamp | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  fingerprint: string;
  notify_url: string | null;
  out_trade_no: string;
  paid_at: Timestamp | null;
  product_code: string | null;
  refunded: Generated<Int8>;
  return_url: string | null;
  status: string;
  subject: string;
  total_amount: Int8;
  trade_no: string;
  visible: boolean;
}

export interface LklsimKeys {
  created_at: Timestamp;
  id: string;
  sealed: string;
}

export interface LklsimNotices {
  attempts: Generated<number>;
  body: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  flags: Generated<Json>;
  id: string;
  last_result: string | null;
  merchant_no: string;
  next_at: Timestamp | null;
  notify_url: string;
  out_order_no: string;
  seq: Generated<Int8>;
  status: string;
}

export interface LklsimOrders {
  acc_trade_no: string | null;
  callback_url: string | null;
  channel_id: string;
  created_at: Timestamp;
  efficient_at: Timestamp;
  fingerprint: string;
  log_no: string | null;
  merchant_no: string;
  notify_url: string | null;
  order_info: string;
  order_status: string;
  out_order_no: string;
  out_user_id: string | null;
  pay_code: string;
  pay_mode: string | null;
  pay_order_no: string;
  support_refund: number;
  term_no: string;
  total_amount: Int8;
  trade_no: string | null;
  trade_time: Timestamp | null;
  updated_at: Timestamp;
}

export interface LklsimRefunds {
  created_at: Timestamp;
  log_no: string;
  merchant_no: string;
  origin_out_order_no: string;
  origin_trade_no: string;
  out_trade_no: string;
  outcome: string;
  refund_amount: Int8;
  refund_reason: string | null;
  settle_at: Timestamp | null;
  trade_no: string;
  trade_state: string;
  trade_time: Timestamp | null;
}

export interface PpsimKeys {
  created_at: Timestamp;
  id: string;
  sealed: string;
}

export interface PpsimOrders {
  amount: Int8;
  approved_at: Timestamp | null;
  cancel_url: string | null;
  capture_id: string | null;
  capture_reason: string | null;
  capture_settle_at: Timestamp | null;
  capture_status: string | null;
  captured_at: Timestamp | null;
  client_id: string;
  created_at: Timestamp;
  currency: string;
  custom_id: string | null;
  description: string | null;
  id: string;
  intent: string;
  invoice_id: string | null;
  payer_email: string | null;
  payer_id: string | null;
  reference_id: string | null;
  return_url: string | null;
  status: string;
  updated_at: Timestamp;
}

export interface PpsimRefunds {
  amount: Int8;
  capture_id: string;
  created_at: Timestamp;
  currency: string;
  custom_id: string | null;
  id: string;
  invoice_id: string | null;
  note_to_payer: string | null;
  order_id: string;
  outcome: string;
  settle_at: Timestamp | null;
  status: string;
  updated_at: Timestamp;
}

export interface PpsimRequests {
  body: string;
  client_id: string;
  created_at: Timestamp;
  path: string;
  request_id: string;
  status: number;
}

export interface PpsimTokens {
  access_token: string;
  client_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface PpsimWebhooks {
  attempts: Generated<number>;
  body: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  event_type: string;
  flags: Generated<Json>;
  id: string;
  last_result: string | null;
  next_at: Timestamp | null;
  seq: Generated<Int8>;
  status: string;
  url: string;
}

export interface UpsimKeys {
  created_at: Timestamp;
  id: string;
  sealed: string;
}

export interface UpsimNotices {
  attempts: Generated<number>;
  back_url: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  fields: string;
  flags: Generated<string>;
  id: string;
  last_result: string | null;
  mer_id: string;
  next_at: Timestamp | null;
  order_id: string;
  seq: Generated<Int8>;
  status: string;
}

export interface UpsimTxns {
  back_url: string | null;
  channel_type: string;
  created_at: Timestamp;
  fingerprint: string;
  front_url: string | null;
  mer_id: string;
  order_id: string;
  orig_qry_id: string | null;
  outcome: string | null;
  paid_at: Timestamp | null;
  pay_code: string | null;
  pay_timeout: Timestamp | null;
  query_id: string | null;
  resp_code: string | null;
  resp_msg: string | null;
  settle_at: Timestamp | null;
  tn: string | null;
  txn_amt: Int8;
  txn_time: string;
  txn_type: string;
  updated_at: Timestamp;
}

export interface WxsimCallbacks {
  attempts: Generated<number>;
  body: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  event_type: string;
  flags: Generated<Json>;
  id: string;
  last_result: string | null;
  mchid: string;
  next_at: Timestamp | null;
  notify_url: string;
  seq: Generated<Int8>;
  status: string;
}

export interface WxsimKeys {
  created_at: Timestamp;
  id: string;
  sealed: string;
}

export interface WxsimOrders {
  appid: string;
  attach: string | null;
  created_at: Timestamp;
  currency: string;
  description: string;
  fingerprint: string;
  mchid: string;
  notify_url: string | null;
  openid_kind: string | null;
  out_trade_no: string;
  pay_code: string;
  payer_openid: string | null;
  prepay_id: string | null;
  sp_mchid: string | null;
  sub_appid: string | null;
  success_time: Timestamp | null;
  time_expire: Timestamp | null;
  total: Int8;
  trade_state: string;
  trade_state_desc: string;
  trade_type: string;
  transaction_id: string | null;
  updated_at: Timestamp;
}

export interface WxsimRefunds {
  created_at: Timestamp;
  currency: string;
  mchid: string;
  notify_url: string | null;
  out_refund_no: string;
  out_trade_no: string;
  outcome: string;
  reason: string | null;
  refund: Int8;
  refund_id: string;
  settle_at: Timestamp | null;
  status: string;
  success_time: Timestamp | null;
  total: Int8;
  transaction_id: string;
}

export interface WxsimSubMerchants {
  created_at: Timestamp;
  sp_mchid: string;
  sub_appids: Generated<string[]>;
  sub_mchid: string;
}

export interface DB {
  alipay_sandbox_apps: AlipaySandboxApps;
  alipay_sandbox_faults: AlipaySandboxFaults;
  alipay_sandbox_notifications: AlipaySandboxNotifications;
  alipay_sandbox_refunds: AlipaySandboxRefunds;
  alipay_sandbox_trades: AlipaySandboxTrades;
  lklsim_keys: LklsimKeys;
  lklsim_notices: LklsimNotices;
  lklsim_orders: LklsimOrders;
  lklsim_refunds: LklsimRefunds;
  ppsim_keys: PpsimKeys;
  ppsim_orders: PpsimOrders;
  ppsim_refunds: PpsimRefunds;
  ppsim_requests: PpsimRequests;
  ppsim_tokens: PpsimTokens;
  ppsim_webhooks: PpsimWebhooks;
  upsim_keys: UpsimKeys;
  upsim_notices: UpsimNotices;
  upsim_txns: UpsimTxns;
  wxsim_callbacks: WxsimCallbacks;
  wxsim_keys: WxsimKeys;
  wxsim_orders: WxsimOrders;
  wxsim_refunds: WxsimRefunds;
  wxsim_sub_merchants: WxsimSubMerchants;
}
