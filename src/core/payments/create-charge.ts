import type { ChannelConfig, PayResult } from '../../channels/_kit/connector.js';
import { insertCharge, toCharge } from '../../db/charges.js';
import { type Queryable, isForeignKeyViolation, isUniqueViolation } from '../../db/db.js';
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
import { eventCtes } from '../events/append-event.js';
import { applyChargeResult } from '../notify/apply-channel-result.js';
import { serializeCharge } from '../serialize.js';
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
   * A dialect's own row written in the same atomic statement as the charge (e.g. the
   * store's order book entry): `sql(n)` is an `INSERT ... RETURNING *` whose parameters
   * start at $n; `inserted` receives the row. A conflict on its unique keys fails the
   * create like a used order number.
   */
  alsoInsert?: {
    sql: (firstParam: number) => string;
    params: unknown[];
    inserted: (row: Record<string, unknown>) => void;
  };
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
  validate(params);
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
  const record = async (q: Queryable) => {
    const createdEvent = eventCtes(
      core,
      {
        appId: charge.appId,
        livemode: charge.livemode,
        type: 'charge.created',
        objectType: 'charge',
        objectId: charge.id,
        data: serializeCharge(charge),
      },
      36,
    );
    const also = params.alsoInsert;
    const firstAlso = 36 + createdEvent.params.length;
    const rows = await insertCharge(
      q,
      charge,
      orderScope,
      also
        ? {
            ctes: `${createdEvent.ctes}, also_row AS (${also.sql(firstAlso)})`,
            params: [...createdEvent.params, ...also.params],
            returning: 'also_row',
          }
        : createdEvent,
    );
    if (also && rows[0]) also.inserted(rows[0]);
  };
  // A re-billable order is usually billed once: try it as the first attempt in one
  // statement, and take the locking re-bill path only when an earlier attempt exists.
  let rebill = false;
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
  if (early) return created;

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
  return applied.charge;
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
async function nextAttempt(
  q: Parameters<typeof insertCharge>[0],
  charge: Charge,
  orderScope: string,
): Promise<number> {
  const rows = await q.query(
    `SELECT * FROM charges WHERE app_id = $1 AND order_scope = $2 AND order_no = $3 ORDER BY attempt DESC FOR UPDATE`,
    [charge.appId, orderScope, charge.orderNo],
  );
  const attempts = rows.map(toCharge);
  const paid = attempts.find((a) => a.status === 'succeeded');
  if (paid) {
    throw new JuheError('order_no_duplicate', `Order ${charge.orderNo} is already paid`, 'order_no', {
      chargeId: paid.id,
    });
  }
  return (attempts[0]?.attempt ?? 0) + 1;
}
