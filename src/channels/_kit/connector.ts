import type { Charge, Refund } from '../../domain/charge.js';
import type { Method, Provider } from '../../domain/channels.js';
import type { Clock } from '../../domain/clock.js';
import type { Statement, StatementContext } from './statement.js';

/**
 * What a channel says about a payment or refund. `unknown` (timeout, unverifiable
 * answer) is never treated as failed without a query: the polling worker asks again.
 */
export interface ChannelResult {
  status: 'succeeded' | 'failed' | 'pending' | 'unknown';
  /** pending because the payer is confirming on their phone (barcode USERPAYING). */
  payerActing?: boolean;
  transactionNo?: string;
  paidAt?: Date;
  failureCode?: string;
  failureMessage?: string;
  /** The provider expects us to poll (barcode payments, lost notifications). */
  needsPolling?: boolean;
  /**
   * Who paid, as the upstream reports it on a payment (the store API's `trade_account`):
   * Alipay's `buyer_logon_id` (masked), WeChat's `payer.openid` (or `sub_openid`), UnionPay's
   * masked `accNo`. Kept on the charge the first time it is known.
   */
  payerAccount?: string;
}

export interface PayResult extends ChannelResult {
  /** What the payer's client needs: {qr_code}, {order_string}, {pay_url}, {form}, {jsapi}, {tn}... */
  credential?: Record<string, unknown>;
}

export interface RefundResult extends ChannelResult {
  /** Upstream extras kept on the refund, e.g. {refund_url} for a merchant-confirmed Alipay refund. */
  extra?: Record<string, unknown>;
}

/** A channel config as a connector sees it: secrets already opened. */
export interface ChannelConfig {
  id: string;
  appId: string;
  livemode: boolean;
  provider: Provider;
  enabled: boolean;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface ConnectorContext {
  charge: Charge;
  /** null in test mode when the app has no config for the provider: the sandbox needs none. */
  config: ChannelConfig | null;
  clock: Clock;
  /** Base URL the gateway is reachable at (notify and return URLs for upstreams). */
  publicUrl: string;
}

export interface RefundContext extends ConnectorContext {
  refund: Refund;
}

/**
 * What a connector can do. Only the payment methods are declared; everything else is what
 * it implements (`capabilitiesOf`), so a flag can never disagree with the code.
 */
export interface Capabilities {
  methods: readonly Method[];
  /** @deprecated ignored: derived from the methods implemented (capabilitiesOf). */
  query?: boolean;
  /** @deprecated ignored: derived from the methods implemented (capabilitiesOf). */
  refund?: boolean;
  /** @deprecated ignored: derived from the methods implemented (capabilitiesOf). */
  close?: boolean;
  /** @deprecated ignored: inbound notifications are the notify routes' (channels/<provider>/notify-route.ts). */
  notify?: boolean;
}

/** What a connector does, read from what it implements: `{ methods, query: true, refund: true, close: false }`. */
export function capabilitiesOf(connector: Connector): {
  methods: readonly Method[];
  query: boolean;
  refund: boolean;
  queryRefund: boolean;
  close: boolean;
} {
  return {
    methods: connector.capabilities.methods,
    query: typeof connector.query === 'function',
    refund: typeof connector.refund === 'function',
    queryRefund: typeof connector.queryRefund === 'function',
    close: typeof connector.close === 'function',
  };
}

/** One upstream protocol. A connector implements only what the provider has (DESIGN.md). */
export interface Connector {
  readonly name: string;
  /**
   * Answers without network I/O (offline tenders, the sandbox): its pay answer can be
   * written in the create transaction itself instead of a second one.
   */
  readonly inProcess?: boolean;
  readonly capabilities: Capabilities;
  /**
   * Refuses, before anything is written, a charge this channel could never start: a currency
   * it does not take, a parameter its method needs (openid, auth_code). Throws the JuheError
   * `pay` would throw, so a client's mistake leaves no failed charge, no webhook and no used
   * order number. Never talks to the upstream.
   */
  validate?(charge: Charge): void;
  /**
   * Refuses, before it is saved, a channel config this connector could never call with:
   * a required setting or secret missing, a key or certificate that does not parse. Throws
   * the JuheError a call would throw (`channel_not_available`, `channel_certificate_invalid`).
   * Never talks to the upstream. Used by the bulk import of channel configs.
   */
  validateConfig?(config: ChannelConfig): void;
  pay(ctx: ConnectorContext): Promise<PayResult>;
  query?(ctx: ConnectorContext): Promise<ChannelResult>;
  /**
   * Gets again what the payer needs (QR content, prepay id) for an order whose create
   * answer was lost, by repeating the create with the same parameters. Implemented only
   * where the provider documents that repeat as idempotent (WeChat Pay v3: the same
   * out_trade_no and parameters answer the same code_url / prepay_id while unpaid).
   */
  resume?(ctx: ConnectorContext): Promise<PayResult>;
  refund?(ctx: RefundContext): Promise<RefundResult>;
  /** Ask the provider where a pending refund stands (polling worker). */
  queryRefund?(ctx: RefundContext): Promise<RefundResult>;
  /** Close an unpaid order upstream (or reverse a barcode payment in progress). */
  close?(ctx: ConnectorContext): Promise<ChannelResult>;
  /**
   * Downloads and verifies the provider's statement of a day (to a temporary file: a day
   * can be a million lines). Throws `statement_not_ready` before the provider has it and
   * `statement_invalid` when the file fails its hash or summary check.
   */
  statement?(ctx: StatementContext): Promise<Statement>;
  /** Verifies and parses an inbound notification; no I/O on the gateway's tables. */
  parseNotification?(input: NotificationInput): Promise<ParsedNotification>;
  /**
   * How a payer-facing page opened inside the provider's app learns who the payer is
   * (WeChat's openid, Alipay's buyer id): the provider's web authorization.
   */
  payerAuthorization?: PayerAuthorization;
}

/**
 * A provider's silent web authorization (WeChat snsapi_base, Alipay auth_base): the payer's
 * browser is sent to `authorizeUrl`, the provider comes back to `redirectUri` with a one-time
 * code and the `state`, and `payerId` exchanges the code server to server. A null config
 * (none configured) is refused with channel_not_available.
 */
export interface PayerAuthorization {
  authorizeUrl(config: ChannelConfig | null, redirectUri: string, state: string): string;
  payerId(config: ChannelConfig | null, code: string): Promise<string>;
}

// ------------------------------------------------------------------ inbound notifications

/** A notification as it reached `/notify/:provider/:configId`, untouched. */
export interface NotificationInput {
  /**
   * The channel config the URL names, whatever its provider (a parser refuses one it cannot
   * use; for `sandbox`, the test-mode default config of the provider's simulator); 'unknown'
   * when the URL names no config at all (the parser only answers its refusal).
   */
  config: ChannelConfig | 'unknown';
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  /** The body byte for byte: signatures are over it. */
  rawBody: Buffer;
  publicUrl: string;
  now: Date;
}

/** One HTTP answer to the provider. */
export interface NotificationAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Text as is; an object is sent as JSON; undefined sends no body. */
  body?: string | Record<string, unknown>;
}

/** Why a notification changes nothing: the status the provider is answered and a log reason. */
export interface NotificationRefusal {
  status: number;
  /** Kept in the log line, e.g. `bad_signature` or `unknown platform serial ABC`. */
  reason: string;
  /** The log message when it is not the provider's usual refusal message. */
  logMessage?: string;
  details?: Record<string, unknown>;
}

/** How a provider wants to be answered: only `accepted` stops its retries. */
export interface NotificationAcknowledgement {
  accepted: NotificationAnswer;
  refused(refusal: NotificationRefusal): NotificationAnswer;
  /** The log message of a refusal, e.g. 'alipay notify refused'. */
  refusalLogMessage: string;
}

/** A charge as a notification names it: by our id or by the order_sn sent upstream. */
export type NotifiedCharge = { id: string } | { orderSn: string };

/** An amount the stored object must carry; a currency only where the notification names one. */
export interface NotifiedAmount {
  amount: number;
  currency?: string;
}

/** A payment's outcome: applied to the charge it names. */
export interface PaymentNotice {
  kind: 'payment';
  charge: NotifiedCharge;
  amount?: NotifiedAmount;
  /** Values the charge's credential must hold (PayPal's order id): another order's notice is refused. */
  credential?: Record<string, string>;
  /** What happened; 'query' when the notice only says to ask the channel (PayPal's approval: capture). */
  result: ChannelResult | 'query';
  /** A failure of an unpaid charge at or past its expiry is the provider's own timeout: closed, not failed. */
  failureAtExpiryCloses?: boolean;
  /** A refund the same notice reports (Alipay): applied with the payment when it is the charge's. */
  refund?: { id: string; result: RefundResult };
}

/** A refund's outcome: applied to the refund it names, which must be the named charge's. */
export interface RefundNotice {
  kind: 'refund';
  refund: { id: string };
  charge?: NotifiedCharge;
  amount?: NotifiedAmount;
  /** The upstream transaction the refund is of, where the notice names it (UnionPay's origQryId). */
  chargeTransactionNo?: string;
  /** Values the refund's extra must hold where it holds the key (PayPal's refund id). */
  extraIfSet?: Record<string, string>;
  result: RefundResult;
}

/**
 * What `parseNotification` made of a notification: verified and parsed, nothing looked up.
 * `channels` are the charge channels it may settle; `replayKey` is an id to accept once
 * (PayPal's transmission id), seen at `seenAt` (by the clock the parser checked freshness
 * with) and remembered until `expiresAt`.
 */
export type ParsedNotification = { acknowledgement: NotificationAcknowledgement } & (
  | { outcome: 'refused'; refusal: NotificationRefusal }
  | {
      outcome: 'notice';
      channels: readonly Provider[];
      notice: PaymentNotice | RefundNotice;
      replayKey?: { id: string; seenAt: Date; expiresAt: Date };
      /** For the log: the provider's event id or notify id. */
      eventId?: string;
    }
);

/** How core finds the connector of a provider (`src/channels/registry.ts` builds the map). */
export interface ConnectorRegistry {
  resolve(provider: Provider, livemode: boolean): Connector;
}
