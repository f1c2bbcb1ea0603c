import type { ChannelResult } from './connector.js';

/*
 * The only ways a connector says how a payment or refund stands, so every connector words
 * the four outcomes alike (and `unknown` always asks for a query: it never becomes failed
 * without one).
 */

/** Paid (or refunded) upstream: `succeeded({ transactionNo: '2026...', paidAt })`. */
export function succeeded(details: Pick<ChannelResult, 'transactionNo' | 'paidAt'> = {}): ChannelResult {
  return { status: 'succeeded', ...details };
}

/** A definite refusal or end upstream: `failed('trade_closed', 'Closed upstream')`. */
export function failed(failureCode: string | undefined, failureMessage?: string): ChannelResult {
  return {
    status: 'failed',
    ...(failureCode !== undefined ? { failureCode } : {}),
    ...(failureMessage !== undefined ? { failureMessage } : {}),
  };
}

/**
 * Not decided yet: `pending()` waits for a notification; `pending({ polling: true })` also
 * has the polling worker ask; `payerActing` is a barcode payer confirming on their phone.
 */
export function pending(
  options: { polling?: boolean; payerActing?: boolean; transactionNo?: string } = {},
): ChannelResult {
  return {
    status: 'pending',
    ...(options.payerActing ? { payerActing: true } : {}),
    ...(options.polling ? { needsPolling: true } : {}),
    ...(options.transactionNo !== undefined ? { transactionNo: options.transactionNo } : {}),
  };
}

/** No trustworthy answer (timeout, 5xx, unverifiable): only a query can tell. `unknown('timeout')`. */
export function unknown(reason?: string, code?: string): ChannelResult {
  return {
    status: 'unknown',
    needsPolling: true,
    ...(code !== undefined ? { failureCode: code } : {}),
    ...(reason !== undefined ? { failureMessage: reason } : {}),
  };
}
