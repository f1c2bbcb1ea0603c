import type { Charge } from '../../domain/charge.js';
import type {
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
} from '../_kit/connector.js';
import {
  headerOf,
  notificationParser,
  refusedNotification,
  notifiedMerchant,
} from '../_kit/parse-notification-kit.js';
import { merchantFor } from './client.js';
import { orderResult } from './connector.js';
import { fenOf, notifyMessage, parseNotifyAuth, publicKeyOf, rsaVerify, timestampFresh } from './protocol.js';

/** The acknowledgement Lakala's cashier documentation asks for; anything else makes it retry. */
export const NOTIFY_ACK = { code: 'SUCCESS', message: '执行成功' } as const;

export const LAKALA_ACKNOWLEDGEMENT: NotificationAcknowledgement = {
  accepted: { status: 200, body: { ...NOTIFY_ACK } },
  refused: (refusal) => ({
    status: refusal.status,
    body: { code: 'FAIL', message: refusal.status === 500 ? 'internal error' : refusal.reason },
  }),
  refusalLogMessage: 'rejected Lakala notification',
};

/**
 * One Lakala cashier order notification at /notify/lakala/:configId. The Authorization
 * header (`LKLAPI-SHA256withRSA timestamp,nonce_str,signature`, over
 * "timestamp\nnonce\nbody\n") must verify with a platform certificate of the merchant; the
 * order names its charge by out_order_no (the order_sn) and only a final status is applied.
 */
export const parseLakalaNotification = notificationParser(LAKALA_ACKNOWLEDGEMENT, parse);

async function parse(input: NotificationInput): Promise<ParsedNotification> {
  const refuse = (status: number, reason: string, details?: Record<string, unknown>) =>
    refusedNotification(LAKALA_ACKNOWLEDGEMENT, { status, reason, details } satisfies NotificationRefusal);

  const merchant = notifiedMerchant(input, ['lakala'], merchantFor);
  if (!merchant) return refuse(404, 'unknown channel config');

  const raw = input.rawBody.toString('utf8');
  const auth = parseNotifyAuth(headerOf(input, 'authorization'));
  if (!auth) return refuse(401, 'missing or malformed LKLAPI-SHA256withRSA Authorization');
  if (!timestampFresh(auth.timestamp)) return refuse(401, 'timestamp outside the allowed window');
  // Notifications name no serial: any certificate the merchant trusts may have signed it.
  const message = notifyMessage(auth.timestamp, auth.nonce_str, raw);
  const verified = Object.values(merchant.platformCerts).some((cert) =>
    rsaVerify(message, auth.signature, publicKeyOf(cert)),
  );
  if (!verified) return refuse(401, 'signature does not verify');

  let order: Record<string, any>;
  try {
    order = JSON.parse(raw);
  } catch {
    return refuse(400, 'body is not JSON');
  }
  if (!order || typeof order !== 'object' || Array.isArray(order))
    return refuse(400, 'body is not an object');
  if (order.merchant_no !== merchant.merchantNo) {
    return refuse(400, 'merchant_no does not match', { merchant_no: order.merchant_no });
  }
  const outOrderNo = String(order.out_order_no ?? '');
  const amount = fenOf(order.total_amount) ?? Number.NaN;
  // orderResult checks an order against a charge; core checks the stored charge (order_sn,
  // amount), so here the order stands for itself and only its status is read.
  const result = orderResult({ orderSn: outOrderNo, amount } as Charge, order);
  if (result.status !== 'succeeded' && result.status !== 'failed') {
    return refuse(400, result.failureMessage ?? `order_status ${order.order_status} is not final`, {
      out_order_no: outOrderNo,
    });
  }
  return {
    acknowledgement: LAKALA_ACKNOWLEDGEMENT,
    outcome: 'notice',
    channels: ['lakala'],
    notice: {
      kind: 'payment',
      charge: { orderSn: outOrderNo },
      // The amount is the charge's only once paid; a failed order's amount is not checked.
      ...(result.status === 'succeeded' ? { amount: { amount } } : {}),
      result,
    },
  };
}
