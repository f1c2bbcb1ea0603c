import type { Charge, Refund } from '../../domain/charge.js';
import type { Method, Provider } from '../../domain/channels.js';
import type { Clock } from '../../domain/clock.js';

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
  pay(ctx: ConnectorContext): Promise<PayResult>;
  query?(ctx: ConnectorContext): Promise<ChannelResult>;
  refund?(ctx: RefundContext): Promise<RefundResult>;
  /** Ask the provider where a pending refund stands (polling worker). */
  queryRefund?(ctx: RefundContext): Promise<RefundResult>;
  /** Close an unpaid order upstream (or reverse a barcode payment in progress). */
  close?(ctx: ConnectorContext): Promise<ChannelResult>;
}
