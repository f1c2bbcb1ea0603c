import type {
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
} from '../_kit/connector.js';
import { notificationParser, refusedNotification, notifiedMerchant } from '../_kit/parse-notification-kit.js';
import { merchantFor } from './client.js';
import { maskedAccount, refundIdOf } from './connector.js';
import { formDecode, outcomeOf, verifyFromUnionpay } from './protocol.js';
import { failed, succeeded } from '../_kit/results.js';

/** UnionPay stops retrying on HTTP 200; any other status makes it send the notice again. */
export const UNIONPAY_ACKNOWLEDGEMENT: NotificationAcknowledgement = {
  accepted: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' },
  refused: (refusal) => ({ status: refusal.status, headers: { 'content-type': 'text/plain' }, body: 'fail' }),
  refusalLogMessage: 'rejected UnionPay notice',
};

/** Apple Pay goes through UnionPay's gateway: one parser serves both providers' configs. */
const PROVIDERS = ['unionpay', 'applepay'] as const;

/**
 * One UnionPay back notification (backUrl) at /notify/unionpay/:configId: a form whose
 * signPubKeyCert must chain to the configured certificates and whose signature must verify
 * under it. A consume (txnType 01) names the charge by orderId (its order_sn), a refund
 * (txnType 04) the refund by orderId (its id without the underscore).
 */
export const parseUnionpayNotification = notificationParser(UNIONPAY_ACKNOWLEDGEMENT, parse);

async function parse(input: NotificationInput): Promise<ParsedNotification> {
  const refuse = (status: number, reason: string, logMessage?: string, details?: Record<string, unknown>) =>
    refusedNotification(UNIONPAY_ACKNOWLEDGEMENT, {
      status,
      reason,
      logMessage,
      details,
    } satisfies NotificationRefusal);

  const merchant = notifiedMerchant(input, PROVIDERS, (config) =>
    merchantFor(config, config.livemode, input.publicUrl, config.provider),
  );
  if (!merchant) return refuse(404, 'unknown channel config', 'notice for an unknown UnionPay config');

  const fields = formDecode(input.rawBody.toString('utf8'));
  const verified = verifyFromUnionpay(fields, merchant.trust, input.now);
  if (!verified.ok) return refuse(400, verified.reason, undefined, { orderId: fields.orderId });
  if (fields.merId !== merchant.merId) {
    return refuse(400, 'merId does not match', 'UnionPay notice for another merchant', {
      merId: fields.merId,
    });
  }
  const outcome = outcomeOf(fields.respCode);
  if (outcome === 'unknown') {
    // Still processing upstream: not applied, so not acknowledged; the query settles it.
    return refuse(409, 'pending outcome', 'UnionPay notice of a pending outcome', {
      orderId: fields.orderId,
      respCode: fields.respCode,
    });
  }
  const parsed = {
    acknowledgement: UNIONPAY_ACKNOWLEDGEMENT,
    outcome: 'notice',
    channels: PROVIDERS,
  } as const;
  const failure = failed(fields.respCode, fields.respMsg ?? '');
  const amount = { amount: fenOf(fields.txnAmt) };

  if (fields.txnType === '01') {
    const orderId = fields.orderId ?? '';
    return {
      ...parsed,
      eventId: fields.queryId,
      notice: {
        kind: 'payment',
        // Anything but digits names no charge of ours (an order_sn is all digits).
        charge: { orderSn: /^\d{8,40}$/.test(orderId) ? orderId : '' },
        amount: {
          ...amount,
          currency: fields.currencyCode === '156' ? 'CNY' : `ISO-4217:${fields.currencyCode}`,
        },
        result:
          outcome === 'succeeded'
            ? succeeded({ transactionNo: fields.queryId, ...maskedAccount(fields.accNo) })
            : failure,
      },
    };
  }
  if (fields.txnType === '04') {
    return {
      ...parsed,
      eventId: fields.queryId,
      notice: {
        kind: 'refund',
        refund: { id: refundIdOf(fields.orderId ?? '') ?? '' },
        amount,
        ...(fields.origQryId ? { chargeTransactionNo: fields.origQryId } : {}),
        result:
          outcome === 'succeeded'
            ? succeeded({ transactionNo: fields.queryId, extra: { query_id: fields.queryId } })
            : failure,
      },
    };
  }
  return refuse(400, `unhandled txnType ${fields.txnType}`, 'UnionPay notice of an unhandled txnType');
}

/** txnAmt is fen in plain digits ("1000"); anything else is NaN (never matches). */
const fenOf = (text: string | undefined): number =>
  text !== undefined && /^(0|[1-9]\d{0,15})$/.test(text) ? Number(text) : Number.NaN;
