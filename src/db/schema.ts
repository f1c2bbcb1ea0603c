/**
 * Table types of the gateway' tables for kysely, generated from the migrations by kysely-codegen
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

export interface ApiTokens {
  created_at: Timestamp;
  id: string;
  last_used_at: Timestamp | null;
  name: string;
  revoked_at: Timestamp | null;
  role: string;
  token_hash: string;
  user_id: string;
}

export interface AppCredentials {
  app_id: string;
  attrs: Generated<Json>;
  created_at: Timestamp;
  id: string;
  kind: string;
  livemode: boolean;
  lookup_hash: string | null;
  public_id: string;
  revoked_at: Timestamp | null;
  secrets_enc: string;
}

export interface Apps {
  auto_refund_duplicates: Generated<boolean>;
  created_at: Timestamp;
  id: string;
  merchant_id: string;
  name: string;
}

export interface AuditLog {
  action: string;
  actor_id: string | null;
  actor_type: string;
  created_at: Timestamp;
  data: Generated<Json>;
  id: string;
  ip: string | null;
  target_id: string | null;
  target_type: string | null;
}

export interface Cashiers {
  created_at: Timestamp;
  disabled_at: Timestamp | null;
  id: string;
  name: string;
  store_id: string;
}

export interface ChannelConfigs {
  app_id: string;
  created_at: Timestamp;
  enabled: Generated<boolean>;
  id: string;
  livemode: boolean;
  provider: string;
  secrets_enc: string | null;
  settings: Generated<Json>;
  updated_at: Timestamp;
}

export interface Charges {
  amount: Int8;
  amount_discount: Generated<Int8>;
  amount_ignore: Generated<Int8>;
  amount_original: Int8 | null;
  amount_refunded: Generated<Int8>;
  amount_settle: Int8 | null;
  app_id: string;
  attempt: Generated<number>;
  body: string | null;
  channel: string;
  client_ip: string | null;
  closed_at: Timestamp | null;
  created_at: Timestamp;
  credential: Json | null;
  currency: string;
  description: string | null;
  dialect: string;
  expires_at: Timestamp;
  extra: Generated<Json>;
  failure_code: string | null;
  failure_msg: string | null;
  fee: Int8 | null;
  id: string;
  livemode: boolean;
  metadata: Generated<Json>;
  method: string;
  next_poll_at: Timestamp | null;
  notify_url: string | null;
  order_no: string;
  order_scope: string;
  order_sn: string;
  paid_at: Timestamp | null;
  payer_account: string | null;
  poll_attempts: Generated<number>;
  return_url: string | null;
  statement_id: string | null;
  status: string;
  store_id: string | null;
  subject: string;
  time_settle: Timestamp | null;
  transaction_no: string | null;
  updated_at: Timestamp;
}

export interface CheckoutLinks {
  amount: Int8 | null;
  app_id: string;
  cancel_url: string | null;
  created_at: Timestamp;
  currency: string;
  description: string;
  expires_at: Timestamp | null;
  id: string;
  kind: string;
  livemode: boolean;
  max_amount: Int8 | null;
  metadata: Generated<Json>;
  methods: Json;
  min_amount: Int8 | null;
  signing_secret_enc: string;
  success_url: string | null;
}

export interface Deliveries {
  app_id: string | null;
  attempts: Generated<number>;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  completed_at: Timestamp | null;
  created_at: Timestamp;
  endpoint_id: string | null;
  event_id: string;
  event_type: string;
  format: string;
  id: string;
  last_attempt_at: Timestamp | null;
  last_error: string | null;
  last_response_status: number | null;
  livemode: boolean;
  next_attempt_at: Timestamp | null;
  round_attempts: Generated<number>;
  round_started_at: Timestamp | null;
  schedule: Json;
  status: string;
  target_key: string;
  updated_at: Timestamp;
  url: string;
}

export interface DeliveryAttempts {
  completed_at: Timestamp;
  delivery_id: string;
  error: string | null;
  id: Generated<Int8>;
  latency_ms: number | null;
  number: number;
  outcome: string;
  request_body: string | null;
  request_headers: Json | null;
  request_method: string | null;
  request_url: string | null;
  response_body: string | null;
  response_headers: Json | null;
  response_status: number | null;
  response_truncated: Generated<boolean>;
  started_at: Timestamp;
  trigger: string;
  worker: string | null;
}

export interface Events {
  app_id: string | null;
  created_at: Timestamp;
  data: Json;
  id: string;
  livemode: boolean;
  object_id: string;
  object_type: string;
  seq: Generated<Int8>;
  type: string;
}

export interface IdempotencyKeys {
  actor: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  response_body: Json | null;
  response_status: number | null;
}

export interface Merchants {
  created_at: Timestamp;
  id: string;
  name: string;
}

export interface Outbox {
  attempts: Generated<number>;
  available_at: Timestamp;
  created_at: Timestamp;
  event_id: string;
  id: Generated<Int8>;
  last_error: string | null;
  processed_at: Timestamp | null;
}

export interface PaypalWebhookTransmissions {
  expires_at: Timestamp;
  transmission_id: string;
}

export interface ReconciliationItems {
  app_id: string | null;
  bill_date: Timestamp;
  charge_id: string | null;
  class: string;
  created_at: Timestamp;
  detail: string;
  fee: Int8 | null;
  livemode: boolean;
  local_amount: Int8 | null;
  local_status: string | null;
  out_refund_no: string | null;
  out_trade_no: string | null;
  provider: string;
  refund_id: string | null;
  run_id: string;
  seq: Generated<Int8>;
  transaction_no: string | null;
  upstream_amount: Int8 | null;
}

export interface ReconciliationRuns {
  app_id: string | null;
  bill_date: Timestamp;
  config_id: string;
  counts: Generated<Json>;
  error: string | null;
  fee_total: Generated<Int8>;
  finished_at: Timestamp | null;
  id: string;
  livemode: boolean;
  provider: string;
  rows_read: Generated<Int8>;
  settlement: Json | null;
  started_at: Timestamp;
  statement_id: string | null;
  status: string;
  trigger: string;
}

export interface Refunds {
  amount: Int8;
  amount_settle: Int8 | null;
  app_id: string;
  charge_id: string;
  created_at: Timestamp;
  currency: string;
  description: string | null;
  extra: Generated<Json>;
  failure_code: string | null;
  failure_msg: string | null;
  fee: Int8 | null;
  id: string;
  livemode: boolean;
  metadata: Generated<Json>;
  next_poll_at: Timestamp | null;
  poll_attempts: Generated<number>;
  refund_no: string;
  statement_id: string | null;
  status: string;
  succeeded_at: Timestamp | null;
  time_settle: Timestamp | null;
  transaction_no: string | null;
  updated_at: Timestamp;
}

export interface SchemaMigrations {
  applied_at: Generated<Timestamp>;
  name: string;
}

export interface Sessions {
  created_at: Timestamp;
  expires_at: Timestamp;
  id: string;
  token_hash: string;
  user_id: string;
}

export interface SignedRequestKeys {
  expires_at: Timestamp;
  key: string;
  scope: string;
}

export interface StoreOrders {
  charge_id: string;
  created_at: Timestamp;
  diy_pmt_name: string | null;
  ord_mct_id: Int8;
  ord_name: string | null;
  ord_no: string | null;
  ord_shop_id: Int8;
  ord_type: number;
  out_no: string;
  pmt_tag: string;
  refund_id: string | null;
  remark: string | null;
  scr_id: string | null;
  scr_true_name: string | null;
  store_id: string;
  tag: string | null;
  tml_no: string | null;
  trade_account: string | null;
  trade_no: string | null;
}

export interface StorePayTagAliases {
  created_at: Timestamp;
  name: string | null;
  provider: string;
  store_id: string;
  tag: string;
}

export interface StoreQrCodes {
  created_at: Timestamp;
  id: string;
  label: string | null;
  store_id: string;
}

export interface Stores {
  app_id: string;
  created_at: Timestamp;
  id: string;
  livemode: boolean;
  name: string;
  open_id: string;
  open_key_enc: string;
  previous_open_key_enc: string | null;
  previous_open_key_expires_at: Timestamp | null;
  shop_pass_hash: string;
}

export interface Terminals {
  created_at: Timestamp;
  disabled_at: Timestamp | null;
  id: string;
  serial: string;
  store_id: string;
}

export interface Users {
  created_at: Timestamp;
  disabled_at: Timestamp | null;
  email: string;
  id: string;
  name: string | null;
  password_hash: string;
  role: string;
}

export interface WebhookEndpoints {
  app_id: string;
  consecutive_failures: Generated<number>;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
  description: string | null;
  enabled: Generated<boolean>;
  events: Json;
  failing_since: Timestamp | null;
  format: string;
  headers: Generated<Json>;
  health: Generated<string>;
  id: string;
  livemode: boolean;
  schedule: Json | null;
  updated_at: Timestamp;
  url: string;
}

export interface WebhookEndpointSecrets {
  created_at: Timestamp;
  endpoint_id: string;
  expires_at: Timestamp | null;
  id: string;
  secret_enc: string;
}

export interface DB {
  api_tokens: ApiTokens;
  app_credentials: AppCredentials;
  apps: Apps;
  audit_log: AuditLog;
  cashiers: Cashiers;
  channel_configs: ChannelConfigs;
  charges: Charges;
  checkout_links: CheckoutLinks;
  deliveries: Deliveries;
  delivery_attempts: DeliveryAttempts;
  events: Events;
  idempotency_keys: IdempotencyKeys;
  merchants: Merchants;
  outbox: Outbox;
  paypal_webhook_transmissions: PaypalWebhookTransmissions;
  reconciliation_items: ReconciliationItems;
  reconciliation_runs: ReconciliationRuns;
  refunds: Refunds;
  schema_migrations: SchemaMigrations;
  sessions: Sessions;
  signed_request_keys: SignedRequestKeys;
  store_orders: StoreOrders;
  store_pay_tag_aliases: StorePayTagAliases;
  store_qr_codes: StoreQrCodes;
  stores: Stores;
  terminals: Terminals;
  users: Users;
  webhook_endpoint_secrets: WebhookEndpointSecrets;
  webhook_endpoints: WebhookEndpoints;
}
