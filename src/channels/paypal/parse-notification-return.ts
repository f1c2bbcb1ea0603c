import type { NotificationInput } from '../_kit/connector.js';
import { notifiedMerchant } from '../_kit/parse-notification-kit.js';
import { paypalMerchantFor } from './client.js';

/** The payer's cancel on PayPal's approve page, as the charge's failure. */
export const PAYPAL_PAYER_CANCELLED = {
  failureCode: 'PAYER_CANCELLED',
  failureMessage: 'The payer cancelled on PayPal',
} as const;

/**
 * The payer's browser back from PayPal (`/return/paypal/:configId?order=<order_sn>&token=<PayPal
 * order id>&PayerID=..`, or `.../cancel`): which charge it is about. `token` must be the order
 * PayPal made for it, known only to the payer's browser and us. Undefined when it names
 * nothing usable (no order or token, a config that is not a usable PayPal one).
 */
export function parsePaypalReturn(
  input: Pick<NotificationInput, 'config' | 'query' | 'publicUrl'>,
): { orderSn: string; credential: { paypal_order_id: string }; channels: readonly ['paypal'] } | undefined {
  const { order, token } = input.query;
  if (typeof order !== 'string' || typeof token !== 'string' || !token) return undefined;
  if (!notifiedMerchant(input, ['paypal'], paypalMerchantFor)) return undefined;
  return { orderSn: order, credential: { paypal_order_id: token }, channels: ['paypal'] };
}
