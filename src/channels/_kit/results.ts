import type { ChannelResult, PayResult, RefundResult } from './connector.js';

/*
 * The only ways a connector says how a payment or refund stands, so every connector words
 * the four outcomes alike (and `unknown` always asks for a query: it never becomes failed
 * without one). A key is set only when its value is given: no keys holding `undefined`.
 *
 * `credential` (what the payer's client needs) makes a PayResult; `extra` (upstream extras
 * kept on a refund) makes a RefundResult; a result carries one or the other, never both.
 */

type Extra = RefundResult['extra'];
type Credential = PayResult['credential'];

/** What `succeeded` carries besides its status. */
export interface SucceededDetails {
  transactionNo?: string;
  paidAt?: Date;
  payerAccount?: string;
}

/** What `pending` carries besides its status. */
export interface PendingOptions {
  /** The polling worker asks too (sets `needsPolling`). */
  polling?: boolean;
  /** A barcode payer confirming on their phone. */
  payerActing?: boolean;
  transactionNo?: string;
  /** Why it is still pending, as the upstream said it (kept as `failureMessage`). */
  failureMessage?: string;
}

/** Copies only the keys whose value is given. */
function given<T extends object>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    if (fields[key] !== undefined) out[key] = fields[key];
  }
  return out;
}

/**
 * Paid (or refunded) upstream: `succeeded({ transactionNo: '2026...', paidAt, payerAccount })`;
 * a refund's upstream extras ride along as `succeeded({ transactionNo, extra })`.
 */
export function succeeded(details: SucceededDetails & { extra: Extra }): RefundResult;
export function succeeded(details?: SucceededDetails): ChannelResult;
export function succeeded(details: SucceededDetails & { extra?: Extra } = {}): RefundResult {
  return {
    status: 'succeeded',
    ...given({
      transactionNo: details.transactionNo,
      paidAt: details.paidAt,
      payerAccount: details.payerAccount,
      extra: details.extra,
    }),
  };
}

/** A definite refusal or end upstream: `failed('trade_closed', 'Closed upstream', { extra })`. */
export function failed(
  failureCode: string | undefined,
  failureMessage: string | undefined,
  options: { extra: Extra },
): RefundResult;
export function failed(failureCode: string | undefined, failureMessage?: string): ChannelResult;
export function failed(
  failureCode: string | undefined,
  failureMessage?: string,
  options: { extra?: Extra } = {},
): RefundResult {
  return { status: 'failed', ...given({ failureCode, failureMessage, extra: options.extra }) };
}

/**
 * Not decided yet: `pending()` waits for a notification; `pending({ polling: true })` also
 * has the polling worker ask; `payerActing` is a barcode payer confirming on their phone.
 * A created payment hands the payer's client its `credential`; a refund keeps its `extra`.
 */
export function pending(options: PendingOptions & { credential: Credential }): PayResult;
export function pending(options: PendingOptions & { extra: Extra }): RefundResult;
export function pending(options?: PendingOptions): ChannelResult;
export function pending(
  options: PendingOptions & { credential?: Credential; extra?: Extra } = {},
): PayResult & RefundResult {
  return {
    status: 'pending',
    ...given({
      payerActing: options.payerActing,
      needsPolling: options.polling,
      transactionNo: options.transactionNo,
      failureMessage: options.failureMessage,
      credential: options.credential,
      extra: options.extra,
    }),
  };
}

/**
 * No trustworthy answer (timeout, 5xx, unverifiable): only a query can tell.
 * `unknown('timeout')`, `unknown(message, subCode)`, `unknown(reason, undefined, { extra })`.
 */
export function unknown(
  reason: string | undefined,
  code: string | undefined,
  options: { extra: Extra },
): RefundResult;
export function unknown(reason?: string, code?: string): ChannelResult;
export function unknown(reason?: string, code?: string, options: { extra?: Extra } = {}): RefundResult {
  return {
    status: 'unknown',
    needsPolling: true,
    ...given({ failureCode: code, failureMessage: reason, extra: options.extra }),
  };
}
