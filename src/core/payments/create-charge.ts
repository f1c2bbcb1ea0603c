import type { ChannelConfig, PayResult } from '../../channels/_kit/connector.js';
import { insertChargeRecorded } from '../../db/charge-create.js';
import { orderAttempts } from '../../db/order-attempts.js';
import { type Queryable, isForeignKeyViolation, isUniqueViolation } from '../../db/db.js';
import {
  type StoreOrderDetails,
  type StoreOrderRow,
  ensureSerialSequences,
  isMissingSequence,
} from '../../db/store-orders.js';
import type { Charge, Dialect } from '../../domain/charge.js';
import {
  type Method,
  OFFLINE_PROVIDERS,
  type Provider,
  isMethod,
  isProvider,
} from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { type Currency, isCurrency, isPositiveMinor } from '../../domain/money.js';
import { upstreamConfig } from '../apps/channel-configs.js';
import { channelConfigOf } from '../apps/credential-cache.js';
import type { Core } from '../context.js';
import { newEvent } from '../events/append-event.js';
import { applyChargeResult } from '../channel-results/apply-channel-result.js';
import { serializeCharge } from '../serialize.js';
import { settleUnknownCreate } from './settle-unknown-create.js';
import { hostedPayUrl } from './start-charge.js';

export const DEFAULT_EXPIRY_MS = 60 * 60 * 1000;
/** The unique key of (app, order scope, order number, attempt) in 0001_core.sql. */
const ORDER_ATTEMPT_KEY = 'charges_app_id_order_scope_order_no_attempt_key';

export interface ChargeCreateParams {
  appId: string;
  storeId?: string | null;
  livemode: boolean;
  dialect: Dialect;
  orderNo: string;
  /**
   * maxpay lets an unpaid billNum be billed again: the new bill is the next attempt of
   * the same order. Everywhere else a used order number is `order_no_duplicate`.
   */
  allowRebill?: boolean;
  channel: Provider;
  method: Method;
  amount: number;
  currency: Currency;
  amountOriginal?: number | null;
  amountDiscount?: number;
  amountIgnore?: number;
  subject: string;
  body?: string | null;
  description?: string | null;
  clientIp?: string | null;
  extra?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  expiresAt?: Date;
  returnUrl?: string | null;
  notifyUrl?: string | null;
  /** Pre-assigned id, for dialects whose response must carry it before create returns. */
  id?: string;
  /**
   * Record the charge but start the upstream payment only when the payer opens the hosted
   * pay page (start-charge.ts): for payment links whose payer must be identified first
   * (WeChat JSAPI needs the openid). The credential is the hosted page's URL.
   */
  startLater?: boolean;
  /**
   * A store payment's order book entry (the `store` dialect): written in the charge's own
   * statement, so entry, charge, event and outbox row commit together or not at all and a
   * crash leaves no entry without its charge. Its out_no is the order number; a taken one
   * fails the create like a used order number. Needs `storeId`.
   */
  storeEntry?: StoreEntry;
}

/** The order book fields of a store payment beside the charge's own. */
export interface StoreEntry extends StoreOrderDetails {
  /** The store's merchant: its orders are numbered merchant-wide too (ord_mct_id). */
  merchantId: string;
  pmtTag: string;
}

/**
 * Creates a charge and asks its channel to start the payment.
 * 1. One transaction inserts the pending charge with its `charge.created` event.
 * 2. The connector is called outside any transaction (it may talk to an upstream).
 * 3. Its result is applied as an idempotent transition (apply-channel-result).
 * A crash between 1 and 3 leaves a pending charge that the polling and expiry workers resolve.
 * In-process connectors (cash, diy, sandbox) answer first and everything is one transaction.
 */
export async function createCharge(core: Core, params: ChargeCreateParams): Promise<Charge> {
  return (await createChargeWithEntry(core, params)).charge;
}

/** createCharge, also answering the store order book entry it wrote (`storeEntry`). */
export async function createChargeWithEntry(
  core: Core,
  params: ChargeCreateParams,
): Promise<{ charge: Charge; storeOrder: StoreOrderRow | null }> {
  validate(params);
  if (params.storeEntry && !params.storeId) throw new Error('a store entry needs its store');
  const connector = core.connectors.resolve(params.channel, params.livemode);
  if (!connector.capabilities.methods.includes(params.method)) {
    throw new JuheError(
      'channel_not_supported',
      `${params.channel} does not support ${params.method}`,
      'channel',
    );
  }
  const config = await channelConfigFor(core, params);
  const now = core.clock.now();
  const charge: Charge = {
    id: params.id ?? core.ids.next('charge'),
    appId: params.appId,
    storeId: params.storeId ?? null,
    livemode: params.livemode,
    dialect: params.dialect,
    orderNo: params.orderNo,
    attempt: 1,
    orderSn: core.ids.orderSn(now),
    channel: params.channel,
    method: params.method,
    amount: params.amount,
    amountOriginal: params.amountOriginal ?? null,
    amountDiscount: params.amountDiscount ?? 0,
    amountIgnore: params.amountIgnore ?? 0,
    amountRefunded: 0,
    currency: params.currency,
    subject: params.subject,
    body: params.body ?? null,
    description: params.description ?? null,
    clientIp: params.clientIp ?? null,
    extra: params.extra ?? {},
    metadata: params.metadata ?? {},
    credential: null,
    status: 'pending',
    transactionNo: null,
    failureCode: null,
    failureMsg: null,
    returnUrl: params.returnUrl ?? null,
    notifyUrl: params.notifyUrl ?? null,
    createdAt: now,
    updatedAt: now,
    expiresAt: params.expiresAt ?? new Date(now.getTime() + DEFAULT_EXPIRY_MS),
    paidAt: null,
    closedAt: null,
  };
  // A client's mistake (a currency or a parameter the channel's method cannot take) is
  // refused before anything is written: no failed charge, no webhooks, no used order number.
  // A payment started later by the hosted page gets what it lacks (the openid) there.
  if (!params.startLater) connector.validate?.(charge);
  const orderScope = orderScopeOf(params);
  const context = () => ({ charge, config, clock: core.clock, publicUrl: core.publicUrl });

  // In-process connectors answer before anything is written, so one transaction records
  // the charge and its outcome; remote ones are called between two transactions.
  const early: PayResult | undefined = params.startLater
    ? { status: 'pending', credential: { pay_url: hostedPayUrl(core.publicUrl, charge.id) } }
    : connector.inProcess
      ? await connector.pay(context())
      : undefined;
  if (early?.credential) charge.credential = early.credential;

  let created: Charge = charge;
  const settlesAtOnce =
    early && early.status !== 'unknown' && (early.status !== 'pending' || early.payerActing);
  let storeOrder: StoreOrderRow | null = null;
  const record = async (q: Queryable) => {
    const event = newEvent(core, {
      appId: charge.appId,
      livemode: charge.livemode,
      type: 'charge.created',
      objectType: 'charge',
      objectId: charge.id,
      data: serializeCharge(charge),
    });
    const entry = params.storeEntry && {
      ...params.storeEntry,
      storeId: charge.storeId!,
      outNo: charge.orderNo,
      chargeId: charge.id,
      createdAt: now,
    };
    const serials = await insertChargeRecorded(q, { charge, orderScope, event, storeEntry: entry });
    if (entry && serials) {
      const { merchantId: _merchant, ...written } = entry;
      storeOrder = {
        ...written,
        scrId: written.scrId ?? null,
        scrTrueName: written.scrTrueName ?? null,
        tmlNo: written.tmlNo ?? null,
        ordType: 1,
        refundId: null,
        ordNo: null,
        ...serials,
      };
    }
  };
  // A re-billable order is usually billed once: try it as the first attempt in one
  // statement, and take the locking re-bill path only when an earlier attempt exists.
  let rebill = false;
  let serialsReady = false;
  // The system order number is random within its second; on the rare collision, draw again.
  for (let draw = 1; ; draw++) {
    try {
      if (!rebill && !settlesAtOnce) {
        // The common case is one atomic statement: charge, event and outbox row together.
        await record(core.db);
      } else {
        await core.db.tx(async (q) => {
          if (params.allowRebill) charge.attempt = await nextAttempt(q, charge, orderScope);
          await record(q);
          if (settlesAtOnce) created = (await applyChargeResult(core, charge.id, early!, q)).charge;
        });
      }
      break;
    } catch (error) {
      if (params.storeEntry && isMissingSequence(error) && !serialsReady) {
        // The store's (or its merchant's) first order: nothing was written; number it and go again.
        await ensureSerialSequences(core.db, params.storeEntry.merchantId, params.storeId!);
        serialsReady = true;
        continue;
      }
      if (isUniqueViolation(error, 'charges_order_sn_key') && draw < 5) {
        charge.orderSn = core.ids.orderSn(now);
        continue;
      }
      if (params.allowRebill && !rebill && isUniqueViolation(error, ORDER_ATTEMPT_KEY)) {
        rebill = true;
        continue;
      }
      if (isUniqueViolation(error)) {
        throw new JuheError(
          'order_no_duplicate',
          `Order number ${params.orderNo} was already used`,
          'order_no',
        );
      }
      if (isForeignKeyViolation(error)) {
        throw new JuheError(
          params.storeId ? 'store_not_found' : 'app_not_found',
          undefined,
          params.storeId ? 'store' : 'app',
        );
      }
      throw error;
    }
  }
  if (early) return { charge: created, storeOrder };

  let result;
  try {
    result = await connector.pay(context());
  } catch (error) {
    // A definite rejection (bad parameters upstream) fails the charge; anything else
    // (timeout, reset) is unknown and must be resolved by a query, never assumed failed.
    if (error instanceof JuheError) {
      await applyChargeResult(core, charge.id, {
        status: 'failed',
        failureCode: error.code,
        failureMessage: error.message,
      });
      throw error;
    }
    core.log.warn(
      { err: error, charge: charge.id },
      'channel pay call failed; charge left pending for polling',
    );
    result = { status: 'unknown' as const, needsPolling: true };
  }
  const applied = await applyChargeResult(core, charge.id, result);
  if (result.status === 'unknown') {
    // Asked within the request's budget; throws channel_error if it stays unknown.
    return { charge: await settleUnknownCreate(core, connector, applied.charge, config), storeOrder };
  }
  return { charge: applied.charge, storeOrder };
}

/**
 * The namespace a merchant order number is unique in: per app (per store for `store`),
 * and separately per mode, so a paid test order never blocks the same number live.
 */
export function orderScopeOf(p: { livemode: boolean; storeId?: string | null }): string {
  return `${p.livemode ? 'live' : 'test'}:${p.storeId ? `store:${p.storeId}` : 'app'}`;
}

function validate(p: ChargeCreateParams): void {
  if (!isProvider(p.channel))
    throw new JuheError('invalid_parameter', `Unknown channel ${p.channel}`, 'channel');
  if (!isMethod(p.method)) throw new JuheError('invalid_parameter', `Unknown method ${p.method}`, 'method');
  if (!isPositiveMinor(p.amount))
    throw new JuheError('invalid_amount', 'amount must be a positive integer', 'amount');
  if (!isCurrency(p.currency))
    throw new JuheError('invalid_currency', `Unsupported currency ${p.currency}`, 'currency');
  if (!p.orderNo) throw new JuheError('missing_parameter', 'order_no is required', 'order_no');
  if (!p.subject) throw new JuheError('missing_parameter', 'subject is required', 'subject');
  for (const [name, value] of [
    ['amount_original', p.amountOriginal],
    ['amount_discount', p.amountDiscount],
    ['amount_ignore', p.amountIgnore],
  ] as const) {
    if (value !== undefined && value !== null && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new JuheError('invalid_amount', `${name} must be a non-negative integer`, name);
    }
  }
}

async function channelConfigFor(core: Core, p: ChargeCreateParams): Promise<ChannelConfig | null> {
  if (OFFLINE_PROVIDERS.includes(p.channel)) return null;
  const config = await channelConfigOf(core, p.appId, p.livemode, p.channel);
  if (config && !config.enabled) {
    throw new JuheError('channel_not_available', `${p.channel} is disabled for this app`, 'channel');
  }
  if (!config && p.livemode) {
    throw new JuheError('channel_not_available', `${p.channel} is not configured for this app`, 'channel');
  }
  return upstreamConfig(config);
}

/** Re-billing: refuse once any attempt of the order is paid; else the next attempt number. */
async function nextAttempt(q: Queryable, charge: Charge, orderScope: string): Promise<number> {
  const attempts = await orderAttempts(q, { appId: charge.appId, orderScope, orderNo: charge.orderNo }, true);
  const paid = attempts.find((a) => a.status === 'succeeded');
  if (paid) {
    throw new JuheError('order_no_duplicate', `Order ${charge.orderNo} is already paid`, 'order_no', {
      chargeId: paid.id,
    });
  }
  return (attempts[0]?.attempt ?? 0) + 1;
}
