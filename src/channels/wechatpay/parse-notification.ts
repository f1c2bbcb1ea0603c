import type {
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
  RefundResult,
} from '../_kit/connector.js';
import {
  headerOf,
  notificationParser,
  refusedNotification,
  notifiedMerchant,
} from '../_kit/parse-notification-kit.js';
import { CallbackRejected, openCallback } from './callback.js';
import { merchantFor } from './client.js';
import { parseRfc3339 } from './protocol.js';
import { payerAccountOf } from './payer-account.js';
import { failed, succeeded } from '../_kit/results.js';

/** WeChat Pay stops retrying on a 2xx; a failure carries its {code: 'FAIL', message} shape. */
export const WECHATPAY_ACKNOWLEDGEMENT: NotificationAcknowledgement = {
  accepted: { status: 204 },
  refused: (refusal) => ({
    status: refusal.status,
    body: { code: 'FAIL', message: refusal.status === 500 ? 'internal error' : refusal.reason },
  }),
  refusalLogMessage: 'WeChat Pay callback refused',
};

/**
 * One WeChat Pay v3 callback at /notify/wechatpay/:configId: verified (Wechatpay-* headers,
 * replay window, platform certificate) and decrypted with the API v3 key by openCallback,
 * then read as a payment (TRANSACTION.SUCCESS, by out_trade_no = order_sn) or a refund
 * (REFUND.*, by out_refund_no = the refund id).
 */
export const parseWechatpayNotification = notificationParser(WECHATPAY_ACKNOWLEDGEMENT, parse);

async function parse(input: NotificationInput): Promise<ParsedNotification> {
  const refuse = (status: number, reason: string, logMessage?: string, details?: Record<string, unknown>) =>
    refusedNotification(WECHATPAY_ACKNOWLEDGEMENT, {
      status,
      reason,
      logMessage,
      details,
    } satisfies NotificationRefusal);

  const merchant = notifiedMerchant(input, ['wechatpay'], merchantFor);
  if (!merchant) return refuse(404, 'unknown channel config', 'callback for an unknown WeChat Pay config');

  let callback;
  try {
    callback = openCallback(
      input.rawBody.toString('utf8'),
      {
        timestamp: headerOf(input, 'wechatpay-timestamp'),
        nonce: headerOf(input, 'wechatpay-nonce'),
        signature: headerOf(input, 'wechatpay-signature'),
        serial: headerOf(input, 'wechatpay-serial'),
      },
      merchant.platformCerts,
      merchant.apiV3Key,
    );
  } catch (error) {
    if (!(error instanceof CallbackRejected)) throw error;
    return refuse(error.status, error.message, 'rejected WeChat Pay callback');
  }
  const resource = callback.resource;
  // A service provider's callback names both merchants (sp_mchid, sub_mchid), never `mchid`.
  const partner = merchant.partner;
  if (
    partner
      ? resource.sp_mchid !== partner.spMchid || resource.sub_mchid !== partner.subMchid
      : resource.mchid !== merchant.mchid
  ) {
    return refuse(400, 'mchid does not match', 'WeChat Pay callback for another merchant', {
      mchid: resource.mchid,
      sp_mchid: resource.sp_mchid,
      sub_mchid: resource.sub_mchid,
    });
  }
  const parsed = {
    acknowledgement: WECHATPAY_ACKNOWLEDGEMENT,
    outcome: 'notice',
    channels: ['wechatpay'],
  } as const;

  if (callback.eventType === 'TRANSACTION.SUCCESS') {
    const state = String(resource.trade_state ?? '');
    if (state !== 'SUCCESS' && state !== 'REFUND') {
      return refuse(
        400,
        `trade_state ${state} is not a payment`,
        'WeChat Pay callback does not match the charge',
      );
    }
    return {
      ...parsed,
      eventId: callback.id,
      notice: {
        kind: 'payment',
        charge: { orderSn: String(resource.out_trade_no ?? '') },
        amount: { amount: Number(resource.amount?.total) },
        result: succeeded({
          transactionNo: String(resource.transaction_id),
          paidAt: parseRfc3339(resource.success_time),
          ...payerAccountOf(resource),
        }),
      },
    };
  }

  if (callback.eventType.startsWith('REFUND.')) {
    const status = String(resource.refund_status ?? '');
    const extra = { refund_id: resource.refund_id, user_received_account: resource.user_received_account };
    const result: RefundResult | undefined =
      status === 'SUCCESS'
        ? succeeded({ transactionNo: String(resource.refund_id), extra })
        : status === 'ABNORMAL' || status === 'CLOSED'
          ? failed(status, `WeChat Pay refund ${status}`, { extra })
          : undefined;
    if (!result) return refuse(400, `unexpected refund_status ${status}`);
    return {
      ...parsed,
      eventId: callback.id,
      notice: {
        kind: 'refund',
        refund: { id: String(resource.out_refund_no ?? '') },
        charge: { orderSn: String(resource.out_trade_no ?? '') },
        amount: { amount: Number(resource.amount?.refund) },
        result,
      },
    };
  }

  return refuse(
    400,
    `unhandled event_type ${callback.eventType}`,
    'WeChat Pay callback of an unhandled event type',
  );
}
