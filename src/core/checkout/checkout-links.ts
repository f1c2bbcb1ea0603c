import { createHmac, randomBytes } from 'node:crypto';
import { toCharge } from '../../db/charges.js';
import {
  type CheckoutLinkRow,
  checkoutChargeRows,
  findCheckoutLink,
  insertCheckoutLink,
} from '../../db/checkout-links.js';
import type { Charge } from '../../domain/charge.js';
import type { Method, Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { type Currency, isCurrency, parseDecimal } from '../../domain/money.js';
import type { Core } from '../context.js';
import { createCharge } from '../payments/create-charge.js';

export type CheckoutLink = Omit<CheckoutLinkRow, 'signingSecretEnc'>;
export type CheckoutMethod = 'wechatpay' | 'alipay' | 'unionpay' | 'paypal';
export type CheckoutScene = 'pc' | 'h5';

/** How each method reaches the payer on a PC and on a phone (no entry: not offered there). */
export const CHECKOUT_METHODS: Record<CheckoutMethod, { currency: Currency; pc: Method; h5?: Method }> = {
  wechatpay: { currency: 'CNY', pc: 'qr', h5: 'h5' },
  alipay: { currency: 'CNY', pc: 'page', h5: 'wap' },
  unionpay: { currency: 'CNY', pc: 'page', h5: 'wap' },
  paypal: { currency: 'USD', pc: 'page', h5: 'page' },
};
const isMethod = (m: string): m is CheckoutMethod => m in CHECKOUT_METHODS;

export interface CheckoutLinkInput {
  appId: string;
  livemode: boolean;
  kind: 'session' | 'link';
  currency: string;
  /** Fixed amount as a decimal string ("12.34"), or bounds for a payer-entered one. */
  amount?: string;
  minAmount?: string;
  maxAmount?: string;
  description: string;
  methods: string[];
  successUrl?: string;
  cancelUrl?: string;
  metadata?: Record<string, string>;
  expiresAt?: Date;
}

/**
 * A hosted checkout session (paid once) or a reusable payment link (paid many times). The
 * answer carries the signing secret once: the merchant verifies the signed result the
 * payer is redirected to with it (signResult).
 */
export async function createCheckoutLink(
  core: Core,
  input: CheckoutLinkInput,
): Promise<{ link: CheckoutLink; signingSecret: string }> {
  if (!isCurrency(input.currency)) throw new JuheError('invalid_currency', undefined, 'currency');
  const currency = input.currency;
  const methods = [...new Set(input.methods)];
  if (methods.length === 0)
    throw new JuheError('invalid_parameter', 'methods must name at least one method', 'methods');
  for (const m of methods) {
    if (!isMethod(m)) throw new JuheError('invalid_parameter', `Unknown method ${m}`, 'methods');
    if (CHECKOUT_METHODS[m].currency !== currency) {
      throw new JuheError('invalid_parameter', `${m} does not take ${currency}`, 'methods');
    }
  }
  let amount: number | null = null;
  let minAmount: number | null = null;
  let maxAmount: number | null = null;
  if (input.amount !== undefined) {
    if (input.minAmount !== undefined || input.maxAmount !== undefined) {
      throw new JuheError(
        'invalid_parameter',
        'Give amount, or min_amount and max_amount, not both',
        'amount',
      );
    }
    amount = parseDecimal(input.amount, currency, 'amount');
    if (amount <= 0) throw new JuheError('invalid_amount', 'amount must be greater than 0', 'amount');
  } else {
    if (input.minAmount === undefined || input.maxAmount === undefined) {
      throw new JuheError('missing_parameter', 'Give amount, or min_amount and max_amount', 'amount');
    }
    minAmount = parseDecimal(input.minAmount, currency, 'min_amount');
    maxAmount = parseDecimal(input.maxAmount, currency, 'max_amount');
    if (minAmount <= 0 || minAmount > maxAmount) {
      throw new JuheError('invalid_amount', 'Need 0 < min_amount <= max_amount', 'min_amount');
    }
  }
  if (input.expiresAt && input.expiresAt.getTime() <= core.clock.now().getTime()) {
    throw new JuheError('invalid_parameter', 'expires_at is in the past', 'expires_at');
  }
  const signingSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const row: CheckoutLinkRow = {
    id: `cs_${core.ids.next('charge').slice(3)}`,
    appId: input.appId,
    livemode: input.livemode,
    kind: input.kind,
    currency,
    amount,
    minAmount,
    maxAmount,
    description: input.description,
    methods,
    successUrl: input.successUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    metadata: input.metadata ?? {},
    signingSecretEnc: core.box.seal(signingSecret),
    expiresAt: input.expiresAt ?? null,
    createdAt: core.clock.now(),
  };
  await insertCheckoutLink(core.db, row);
  const { signingSecretEnc: _sealed, ...link } = row;
  return { link, signingSecret };
}

/** The link an id names (undefined for none or a malformed id). */
export async function findCheckout(core: Core, id: string): Promise<CheckoutLink | undefined> {
  if (!/^cs_[0-9a-f]{24}$/.test(id)) return undefined;
  const row = await findCheckoutLink(core.db, id);
  if (!row) return undefined;
  const { signingSecretEnc: _sealed, ...link } = row;
  return link;
}

export async function checkoutCharges(core: Core, link: CheckoutLink): Promise<Charge[]> {
  return (await checkoutChargeRows(core.db, link.appId, link.id)).map(toCharge);
}

/** Why a link cannot be paid now: expired, or a session already paid; null when it can. */
export async function checkoutClosedReason(
  core: Core,
  link: CheckoutLink,
): Promise<'expired' | 'paid' | null> {
  if (link.kind === 'session' && (await checkoutCharges(core, link)).some((c) => c.status === 'succeeded')) {
    return 'paid';
  }
  if (link.expiresAt && link.expiresAt.getTime() <= core.clock.now().getTime()) return 'expired';
  return null;
}

/**
 * The payer pays the link with a method: the amount is the link's own when fixed (what the
 * payer's browser sends is ignored), else the payer's, checked against the bounds. WeChat
 * with the payer's openid (the page inside WeChat learned it) pays by JSAPI.
 */
export async function payCheckout(
  core: Core,
  link: CheckoutLink,
  p: {
    method: string;
    scene: CheckoutScene;
    amountText?: string;
    clientIp: string | null;
    resultUrl: (chargeId: string) => string;
    /** Inside WeChat: the payer's openid (web authorization); WeChat then pays by JSAPI. */
    openid?: string;
  },
): Promise<Charge> {
  const closed = await checkoutClosedReason(core, link);
  if (closed === 'paid') throw new JuheError('charge_already_paid', 'This checkout is already paid');
  if (closed === 'expired') throw new JuheError('charge_not_payable', 'This payment link has expired');
  if (!isMethod(p.method) || !link.methods.includes(p.method)) {
    throw new JuheError('invalid_parameter', `This link does not take ${p.method}`, 'method');
  }
  const method = p.method === 'wechatpay' && p.openid ? 'jsapi' : CHECKOUT_METHODS[p.method][p.scene];
  if (!method)
    throw new JuheError('channel_not_supported', `${p.method} is not offered on this device`, 'method');
  let amount = link.amount;
  if (amount === null) {
    amount = parseDecimal((p.amountText ?? '').trim(), link.currency as Currency, 'amount');
    if (amount < link.minAmount! || amount > link.maxAmount!) {
      throw new JuheError('invalid_amount', 'The amount is outside what this link accepts', 'amount');
    }
  }
  const id = core.ids.next('charge');
  const charge = await createCharge(core, {
    id,
    appId: link.appId,
    livemode: link.livemode,
    dialect: 'admin',
    orderNo: `${link.id}-${core.ids.secret(6).replace(/[^A-Za-z0-9]/g, '0')}`,
    channel: p.method as Provider,
    method,
    amount,
    currency: link.currency as Currency,
    subject: link.description,
    clientIp: p.clientIp,
    metadata: { ...link.metadata, checkout: link.id },
    returnUrl: p.resultUrl(id),
    ...(method === 'jsapi' ? { extra: { openid: p.openid } } : {}),
  });
  if (charge.status === 'failed') {
    throw new JuheError('channel_error', charge.failureMsg ?? 'The payment channel declined the order');
  }
  return charge;
}

/**
 * The result the payer's browser carries to success_url, signed so the merchant can trust
 * it: signature = hex HMAC-SHA256 with the link's signing secret over the other parameters
 * as `key=value` joined by `&`, keys sorted (docs/checkout.md shows the check).
 */
export async function signResult(
  core: Core,
  link: CheckoutLink,
  charge: Charge,
): Promise<Record<string, string>> {
  const row = await findCheckoutLink(core.db, link.id);
  const secret = core.box.open(row!.signingSecretEnc);
  const params: Record<string, string> = {
    checkout: link.id,
    charge: charge.id,
    status: charge.status,
    amount: String(charge.amount),
    currency: charge.currency,
    timestamp: String(Math.floor(core.clock.now().getTime() / 1000)),
  };
  return { ...params, signature: resultSignature(params, secret) };
}

export function resultSignature(params: Record<string, string>, secret: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}
