import type { Charge } from '../../domain/charge.js';
import { formatMinor, parseDecimal } from '../../domain/money.js';
import type {
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
} from '../_kit/connector.js';
import { notificationParser, refusedNotification, usableConfig } from '../_kit/parse-notification-kit.js';
import { ALIPAY_GATEWAY, alipaySdk, tradeResult } from './connector.js';
import { pending, succeeded } from '../_kit/results.js';

/**
 * Alipay wants the literal `success` once the notice is held; anything else (`fail`, any
 * status) makes it retry on its schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h). A refusal is a
 * 400 whatever the reason (an unknown trade too), an error a 500.
 */
export const ALIPAY_ACKNOWLEDGEMENT: NotificationAcknowledgement = {
  accepted: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'success' },
  refused: (refusal) => ({
    status: refusal.status >= 500 ? refusal.status : 400,
    headers: { 'content-type': 'text/plain' },
    body: 'fail',
  }),
  refusalLogMessage: 'alipay notify refused',
};

const REQUIRED = [
  'sign',
  'app_id',
  'notify_id',
  'out_trade_no',
  'trade_no',
  'trade_status',
  'total_amount',
] as const;

/** tradeResult reads the charge only for WAIT_BUYER_PAY, which is answered before it is called. */
const NO_CHARGE = {} as Charge;

/**
 * One Alipay asynchronous notification (trade_status_sync) at /notify/alipay/:configId.
 * Verified with the SDK's checkNotifySignV2 (RSA2 over the raw values, sign and sign_type
 * excluded) against the config's Alipay public key (the simulator's default app for
 * `sandbox`); it names the charge by out_trade_no (the charge id) and its amount, and a
 * refund by out_biz_no (the refund id) when it reports one.
 */
export const parseAlipayNotification = notificationParser(ALIPAY_ACKNOWLEDGEMENT, parse);

async function parse(input: NotificationInput): Promise<ParsedNotification> {
  const refuse = (reason: string, details: Record<string, unknown> = {}, status = 400) =>
    refusedNotification(ALIPAY_ACKNOWLEDGEMENT, { status, reason, details } satisfies NotificationRefusal);

  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(input.rawBody.toString('utf8'))) {
    if (key in form) return refuse('duplicate_field', { field: key });
    form[key] = value;
  }
  const missing = REQUIRED.filter((k) => !form[k]);
  if (missing.length) return refuse('malformed', { missing });

  // Which Alipay app (and keys) this URL belongs to.
  const usable = usableConfig(input, ['alipay']);
  if (!usable) return refuse('unknown_config');
  const { settings, secrets } = usable.config;
  const keys = {
    appId: String(settings.app_id ?? ''),
    privateKey: secrets.private_key ?? '',
    alipayPublicKey: secrets.alipay_public_key ?? '',
    gateway: typeof settings.gateway_url === 'string' ? settings.gateway_url : ALIPAY_GATEWAY,
  };
  if (!keys.appId || !keys.privateKey || !keys.alipayPublicKey) return refuse('incomplete_config');

  let verified: boolean;
  try {
    verified = alipaySdk({ ...keys, timeoutMs: 5000 }).checkNotifySignV2(form);
  } catch {
    verified = false;
  }
  if (!verified)
    return refuse('bad_signature', { notify_id: form.notify_id, out_trade_no: form.out_trade_no });
  if (form.app_id !== keys.appId) return refuse('app_mismatch', { app_id: form.app_id });

  const result = form.trade_status === 'WAIT_BUYER_PAY' ? pending() : tradeResult(form, NO_CHARGE);
  if (result.status === 'unknown')
    return refuse('unexpected_trade_status', { trade_status: form.trade_status });
  const reportsRefund = Boolean(form.out_biz_no && form.refund_fee);
  return {
    acknowledgement: ALIPAY_ACKNOWLEDGEMENT,
    outcome: 'notice',
    channels: ['alipay'],
    eventId: form.notify_id,
    notice: {
      kind: 'payment',
      charge: { id: form.out_trade_no },
      amount: { amount: yuanToFen(form.total_amount), currency: 'CNY' },
      result,
      // Alipay closes an unpaid trade at time_expire, which is our expiry: closed, not failed.
      failureAtExpiryCloses: true,
      ...(reportsRefund
        ? { refund: { id: form.out_biz_no, result: succeeded({ transactionNo: form.trade_no }) } }
        : {}),
    },
  };
}

/** "10.00" -> 1000; anything not written exactly as Alipay writes amounts is NaN (never matches). */
function yuanToFen(text: string): number {
  try {
    const fen = parseDecimal(text, 'CNY');
    return formatMinor(fen, 'CNY') === text ? fen : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
