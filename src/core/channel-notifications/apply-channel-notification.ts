import type {
  NotificationRefusal,
  NotifiedAmount,
  NotifiedCharge,
  ParsedNotification,
  PaymentNotice,
  RefundNotice,
} from '../../channels/_kit/connector.js';
import { findCharge, findRefund } from '../../db/charges.js';
import type { Queryable } from '../../db/db.js';
import { findChargeByOrderSn } from '../../db/notified-charges.js';
import { claimReplayKey } from '../../db/notification-replay-keys.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { isChargeUnpaid } from '../../domain/status.js';
import type { Core } from '../context.js';
import { applyChargeResult, applyRefundResult } from '../channel-results/apply-channel-result.js';
import { endUnpaidCharge } from '../payments/cancel-charge.js';
import { syncChargeFromChannel } from '../payments/sync-from-channel.js';

/**
 * Whose notifications a URL carries: the app and mode of the config it names (app null for
 * the simulator's default merchant, which speaks for every test-mode app).
 */
export interface NotificationOwner {
  appId: string | null;
  livemode: boolean;
}

export type ParsedNotice = Extract<ParsedNotification, { outcome: 'notice' }>;

export type NotificationOutcome =
  | { outcome: 'accepted'; applied: boolean; chargeId: string; refundId?: string }
  | { outcome: 'refused'; refusal: NotificationRefusal };

const refused = (status: number, reason: string, details?: Record<string, unknown>): NotificationOutcome => ({
  outcome: 'refused',
  refusal: { status, reason, details },
});

/** What every refusal for an object the owner does not have says: the same for absent and foreign. */
const UNKNOWN = (details: Record<string, unknown>) => refused(404, 'unknown_trade', details);
const REPLAYED = refused(409, 'replay: this notification was already received');

/**
 * Applies one verified, parsed upstream notification: the object it names must be one of the
 * owner's (app, mode and the parser's channels) with the amount it says, then its result is
 * one idempotent transition through applyChargeResult / applyRefundResult, with the replay
 * key (if any) claimed in the same transaction. Only an `accepted` outcome, returned after
 * the commit, may be acknowledged to the provider; anything that throws was not applied.
 */
export async function applyChannelNotification(
  core: Core,
  owner: NotificationOwner,
  parsed: ParsedNotice,
): Promise<NotificationOutcome> {
  const owns = (charge: Charge) =>
    parsed.channels.includes(charge.channel) &&
    charge.livemode === owner.livemode &&
    (owner.appId === null || charge.appId === owner.appId);
  const { notice } = parsed;
  return notice.kind === 'payment'
    ? applyPaymentNotice(core, parsed, notice, owns)
    : applyRefundNotice(core, parsed, notice, owns);
}

async function applyPaymentNotice(
  core: Core,
  parsed: ParsedNotice,
  notice: PaymentNotice,
  owns: (charge: Charge) => boolean,
): Promise<NotificationOutcome> {
  const charge = await chargeNamed(core.db, notice.charge);
  if (!charge || !owns(charge) || !holds(charge.credential, notice.credential, false)) {
    return UNKNOWN({ charge: notice.charge });
  }
  if (notice.amount && !sameAmount(notice.amount, charge)) {
    return refused(400, 'amount_mismatch', { charge: charge.id, amount: notice.amount.amount });
  }
  const { result } = notice;
  const accepted = (applied: boolean, refundId?: string): NotificationOutcome => ({
    outcome: 'accepted',
    applied,
    chargeId: charge.id,
    ...(refundId ? { refundId } : {}),
  });

  if (result === 'query') {
    // The notice only says something happened upstream (PayPal's approval): the channel is
    // asked (and captures), and a replay is refused before it gets that far.
    if (!(await claimOnce(core.db, parsed))) return REPLAYED;
    if (!isChargeUnpaid(charge.status)) return accepted(false);
    const asked = await syncChargeFromChannel(core, charge.id);
    if (asked.status === 'unknown')
      return refused(503, 'capture outcome unknown; retry', { charge: charge.id });
    return accepted((await findCharge(core.db, charge.id))?.status !== charge.status);
  }
  if (
    notice.failureAtExpiryCloses &&
    result.status === 'failed' &&
    isChargeUnpaid(charge.status) &&
    charge.expiresAt <= core.clock.now()
  ) {
    // The provider closed the unpaid order at its expiry, which is ours: closed (not failed),
    // through the same use case the expiry worker runs.
    if (!(await claimOnce(core.db, parsed))) return REPLAYED;
    const closed = await endUnpaidCharge(core, charge.id, 'closed');
    return accepted(closed.status !== charge.status);
  }

  const refund = notice.refund ? await findRefund(core.db, notice.refund.id) : undefined;
  if (notice.refund && refund?.chargeId !== charge.id) {
    core.log.info(
      { charge: charge.id, refund: notice.refund.id },
      'refund notice for a refund not made here',
    );
  }
  const ownRefund = refund?.chargeId === charge.id ? refund : undefined;
  const applied = await core.db.tx(async (q) => {
    if (!(await claimOnce(q, parsed))) return undefined;
    const paid = await applyChargeResult(core, charge.id, result, q);
    const refunded =
      ownRefund && notice.refund
        ? await applyRefundResult(core, ownRefund.id, notice.refund.result, q)
        : undefined;
    return paid.applied || Boolean(refunded?.applied);
  });
  if (applied === undefined) return REPLAYED;
  return accepted(applied, ownRefund?.id);
}

async function applyRefundNotice(
  core: Core,
  parsed: ParsedNotice,
  notice: RefundNotice,
  owns: (charge: Charge) => boolean,
): Promise<NotificationOutcome> {
  const refund = notice.refund.id ? await findRefund(core.db, notice.refund.id) : undefined;
  const charge = refund && (await chargeNamed(core.db, notice.charge ?? { id: refund.chargeId }));
  if (
    !refund ||
    !charge ||
    !owns(charge) ||
    refund.chargeId !== charge.id ||
    !holds(refund.extra, notice.extraIfSet, true)
  ) {
    return UNKNOWN({ refund: notice.refund.id });
  }
  if (notice.amount && !sameAmount(notice.amount, refund)) {
    return refused(400, 'amount_mismatch', { refund: refund.id, amount: notice.amount.amount });
  }
  if (notice.chargeTransactionNo !== undefined && notice.chargeTransactionNo !== charge.transactionNo) {
    return refused(400, 'transaction_mismatch', { refund: refund.id });
  }
  const applied = await core.db.tx(async (q) => {
    if (!(await claimOnce(q, parsed))) return undefined;
    return (await applyRefundResult(core, refund.id, notice.result, q)).applied;
  });
  if (applied === undefined) return REPLAYED;
  return { outcome: 'accepted', applied, chargeId: charge.id, refundId: refund.id };
}

function chargeNamed(q: Queryable, named: NotifiedCharge): Promise<Charge | undefined> {
  return 'id' in named ? findCharge(q, named.id) : findChargeByOrderSn(q, named.orderSn);
}

function sameAmount(notified: NotifiedAmount, stored: Pick<Charge | Refund, 'amount' | 'currency'>): boolean {
  return (
    notified.amount === stored.amount &&
    (notified.currency === undefined || notified.currency === stored.currency)
  );
}

/**
 * Whether `stored` holds every value `expected` names. `ifSet`: a key `stored` does not have
 * is no contradiction (a refund whose upstream id is not known yet).
 */
function holds(
  stored: Record<string, unknown> | null | undefined,
  expected: Record<string, string> | undefined,
  ifSet: boolean,
): boolean {
  if (!expected) return true;
  return Object.entries(expected).every(([key, value]) => {
    const held = stored?.[key];
    return ifSet && typeof held !== 'string' ? true : held === value;
  });
}

/** Claims the notice's replay key where it has one: false for a replay. */
function claimOnce(q: Queryable, parsed: ParsedNotice): Promise<boolean> {
  const key = parsed.replayKey;
  return key ? claimReplayKey(q, key.id, key.seenAt, key.expiresAt) : Promise.resolve(true);
}
