import type { Clock } from '../../domain/clock.js';
import type { ChannelConfig } from './connector.js';

/**
 * One line of a provider's daily statement, in the gateway's terms: a payment or a refund
 * the provider settled that day, amounts in minor units. `outTradeNo` is what the
 * connector sent as the merchant order number (the charge's order_sn or id, per provider),
 * `outRefundNo` what it sent for a refund (the refund id).
 */
export interface StatementRow {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  transactionNo: string;
  outRefundNo?: string;
  /** A payment's amount paid, or a refund's amount refunded. */
  amount: number;
  /** The provider's fee on this line: positive when charged, negative when handed back on a refund. */
  fee: number;
  at: Date;
}

/**
 * What the provider's record of the merchant's account says of the day (WeChat Pay's
 * fund-flow bill): the money credited and debited, in minor units. The reconciliation
 * records it on the run and checks it against the statement's own totals.
 */
export interface SettlementSummary {
  /** Names the record: `wechatpay:fundflowbill:2026-12-06:<sha1>`. */
  source: string;
  /** Payments credited (gross). */
  gross: number;
  /** Refunds debited. */
  refunds: number;
  /** Fees debited, less fees handed back on refunds. */
  fees: number;
  /** Everything credited (payments, fees handed back). */
  income: number;
  /** Everything debited (refunds, fees). */
  expense: number;
  /** income - expense: what the day added to the account. */
  net: number;
}

/** A statement fetched and verified: its rows are read from a local copy, line by line. */
export interface Statement {
  /** Names the file: `wechatpay:tradebill:2026-12-06:<sha1>`; kept on every charge it settles. */
  id: string;
  /**
   * What the rows' outTradeNo holds: the charge's order_sn (the default) or, for a connector
   * that sends the charge id as the merchant order number (Alipay), the charge id, which the
   * reconciliation maps to the order_sn it matches on.
   */
  outTradeNoIs?: 'order_sn' | 'charge_id';
  rows(): AsyncIterable<StatementRow>;
  /** How much of the local copy `rows()` has read so far, 0 to 1, when the statement can tell (a progress bar). */
  progress?(): number;
  /** The provider's settlement record of the same day, when it keeps one apart from the statement. */
  settlement?(): Promise<SettlementSummary>;
  /** Removes the local copy. */
  dispose(): Promise<void>;
}

/** A charge or refund of the gateway's books for the day, as its upstream knows it. */
export interface BookEntry {
  kind: 'payment' | 'refund';
  /** The charge's order_sn: what the connector sent as the merchant order number. */
  outTradeNo: string;
  /** A refund's id. */
  outRefundNo?: string;
}

export interface StatementContext {
  config: ChannelConfig | null;
  /** The business day, YYYY-MM-DD in Asia/Shanghai. */
  date: string;
  clock: Clock;
  /**
   * The gateway's charges and refunds created that day in the run's scope, for a provider
   * that publishes no statement file: its connector builds the day's statement by querying
   * the upstream about each of them ("reconciles by query", e.g. Lakala). Such a statement
   * cannot list what the upstream took that the books never saw.
   */
  books?: () => AsyncIterable<BookEntry>;
}
