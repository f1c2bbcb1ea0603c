import { isIP } from 'node:net';
import { DEFAULT_EXPIRY_MS } from '../../core/payments/create-charge.js';
import { isJuheError } from '../../domain/errors.js';
import { parseDecimal } from '../../domain/money.js';
import { type PaymaxChannel, paymaxChannel } from './channels.js';
import { illegalArgument } from './errors.js';
import { topLevelNumberLiterals } from './json-literals.js';
import {
  MAX_JSON_NESTING,
  isStorableText,
  nestedDeeperThan,
  unstorableTextAt,
} from '../../domain/storable-text.js';

/**
 * Decoding and validating Paymax request bodies. Everything the document constrains is
 * checked here, before any state changes, and reported as ILLEGAL_ARGUMENT naming the
 * field. Unknown fields are ignored (clients send extras such as `nonce`).
 */

/**
 * A decoded request body: its members, and the literal text of its top-level numbers
 * (json-literals.ts) so amounts are read as the decimal the client wrote.
 */
export interface JsonBody {
  fields: Record<string, unknown>;
  numbers: ReadonlyMap<string, string>;
}

/** Decodes the raw body (already signature-checked) as a UTF-8 JSON object. */
export function parseJsonBody(raw: Buffer | undefined): JsonBody {
  if (!raw || raw.length === 0) throw illegalArgument('the request body is empty; a JSON object is required');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw).replace(/^\uFEFF/, '');
  } catch {
    throw illegalArgument('the request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw illegalArgument('the request body is not valid JSON');
  }
  if (!isPlainObject(value)) throw illegalArgument('the request body must be a JSON object');
  return { fields: value, numbers: topLevelNumberLiterals(text) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length in characters as people count them (code points), so 32 Chinese characters fit in subject. */
function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function requiredString(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (value === undefined || value === null) throw illegalArgument(`${name} is required`);
  if (typeof value !== 'string') throw illegalArgument(`${name} must be a string`);
  if (value.trim() === '') throw illegalArgument(`${name} must not be blank`);
  if (charLength(value) > max) throw illegalArgument(`${name} must be at most ${max} characters`);
  if (!isStorableText(value)) throw unstorable(name);
  return value;
}

function unstorable(name: string) {
  return illegalArgument(`${name} contains a NUL character or an unpaired UTF-16 surrogate`);
}

function optionalString(body: Record<string, unknown>, name: string, max: number): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw illegalArgument(`${name} must be a string`);
  if (charLength(value) > max) throw illegalArgument(`${name} must be at most ${max} characters`);
  if (!isStorableText(value)) throw unstorable(name);
  return value;
}

function optionalMap(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = body[name];
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw illegalArgument(`${name} must be a JSON object`);
  if (nestedDeeperThan(value, MAX_JSON_NESTING)) {
    throw illegalArgument(`${name} must nest at most ${MAX_JSON_NESTING} levels`);
  }
  const bad = unstorableTextAt(value, name);
  if (bad !== undefined) throw unstorable(bad);
  return value;
}

/**
 * A decimal yuan amount, > 0, at most 2 places, exact to the fen. A JSON number is read
 * from its literal text (`literal`), never through a double; a numeric string is accepted
 * too. Zeros past the second place change nothing and are dropped (BigDecimal "2.010").
 */
function amountOf(value: unknown, literal: string | undefined, name: string): number {
  let text: string;
  if (typeof value === 'number') text = literal ?? String(value);
  else if (typeof value === 'string') text = value.trim();
  else throw illegalArgument(`${name} must be a decimal number of yuan, like 2.01`);
  if (text.startsWith('-')) throw illegalArgument(`${name} must be greater than 0`);
  text = text.replace(/(\.\d{2}\d*?)0+$/, '$1');
  let minor: number;
  try {
    minor = parseDecimal(text, 'CNY', name);
  } catch (error) {
    if (isJuheError(error)) throw illegalArgument(error.message);
    throw error;
  }
  if (minor <= 0) throw illegalArgument(`${name} must be greater than 0`);
  return minor;
}

/**
 * The document says "8-20 letters or digits", but the real service accepted more: the
 * document's own example is "paymax-11110002", the official Java SDK example sends
 * `UUID.randomUUID()`, and the captured real webhooks carry 36-character UUID order
 * numbers. Real clients win, so: 8-64 letters, digits, '-' or '_'; nothing else (no
 * spaces, no CJK, no other punctuation).
 */
export const ORDER_NO = /^[A-Za-z0-9_-]{8,64}$/;

export interface PaymaxChargeRequest {
  app: string;
  orderNo: string;
  amount: number;
  subject: string;
  body: string;
  channel: PaymaxChannel;
  clientIp: string;
  description: string | null;
  expiresAt: Date;
  extra: Record<string, unknown>;
  metadata: Record<string, unknown>;
  returnUrl: string | null;
  /** The channel's payer extra (open_id) was left out: the hosted pay page learns the payer. */
  payerLearnedByHostedPage: boolean;
}

/** `app` is checked first and on its own: a request for another app is APP_NOT_EXIST. */
export function appOf(body: Record<string, unknown>): string {
  const app = body.app;
  if (app === undefined || app === null || app === '') throw illegalArgument('app is required');
  if (typeof app !== 'string') throw illegalArgument('app must be a string');
  return app;
}

export function parseChargeRequest({ fields: body, numbers }: JsonBody, now: Date): PaymaxChargeRequest {
  const app = appOf(body);

  const orderNo = body.order_no;
  if (orderNo === undefined || orderNo === null) throw illegalArgument('order_no is required');
  if (typeof orderNo !== 'string') throw illegalArgument('order_no must be a string');
  if (!ORDER_NO.test(orderNo)) throw illegalArgument("order_no must be 8-64 letters, digits, '-' or '_'");

  if (body.amount === undefined || body.amount === null) throw illegalArgument('amount is required');
  const amount = amountOf(body.amount, numbers.get('amount'), 'amount');

  const subject = requiredString(body, 'subject', 32);
  const bodyText = requiredString(body, 'body', 128);

  const channelCode = body.channel;
  if (channelCode === undefined || channelCode === null || channelCode === '') {
    throw illegalArgument('channel is required');
  }
  if (typeof channelCode !== 'string') throw illegalArgument('channel must be a string');
  const channel = paymaxChannel(channelCode);
  if (!channel) throw illegalArgument(`channel ${JSON.stringify(channelCode)} is not a Paymax channel code`);

  const clientIp = requiredString(body, 'client_ip', 64).trim();
  if (isIP(clientIp) === 0) throw illegalArgument('client_ip must be an IPv4 or IPv6 address');

  const description = optionalString(body, 'description', 300);

  const currency = body.currency;
  if (currency !== undefined && currency !== null) {
    if (typeof currency !== 'string' || currency.toLowerCase() !== 'cny') {
      throw illegalArgument('currency must be cny (only Chinese yuan is supported)');
    }
  }

  const extra = optionalMap(body, 'extra');
  const metadata = optionalMap(body, 'metadata');
  for (const key of channel.requiredExtra) {
    const value = extra[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw illegalArgument(`extra.${key} is required for channel ${channel.code}`);
    }
  }
  const returnUrl = channel.returnUrlKey ? returnUrlOf(extra, channel.returnUrlKey) : null;
  const payerLearnedByHostedPage = channel.payerExtra ? !payerGiven(extra, channel.payerExtra) : false;

  return {
    app,
    orderNo,
    amount,
    subject,
    body: bodyText,
    channel,
    clientIp,
    description,
    expiresAt: expiryOf(body.time_expire, channel, now),
    extra,
    metadata,
    returnUrl,
    payerLearnedByHostedPage,
  };
}

/** Whether extra names the payer; absent, null or "" means not (the hosted page asks), anything else must be a string. */
function payerGiven(extra: Record<string, unknown>, key: string): boolean {
  const value = extra[key];
  if (value === undefined || value === null || value === '') return false;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 128) {
    throw illegalArgument(`extra.${key} must be the payer's id (a string of at most 128 characters)`);
  }
  return true;
}

function returnUrlOf(extra: Record<string, unknown>, key: string): string | null {
  const value = extra[key];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw illegalArgument(`extra.${key} must be a string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw illegalArgument(`extra.${key} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw illegalArgument(`extra.${key} must be an absolute http(s) URL`);
  }
  return value;
}

/**
 * time_expire: 13-digit epoch ms in the future; default 1 hour. WeChat official-account
 * orders are limited to 3 minutes by the channel: a later (or absent) time_expire is
 * shortened to now + 3 min, which the returned Charge shows.
 */
function expiryOf(value: unknown, channel: PaymaxChannel, now: Date): Date {
  const cap = channel.maxExpiryMs ?? Number.POSITIVE_INFINITY;
  if (value === undefined || value === null) {
    return new Date(now.getTime() + Math.min(DEFAULT_EXPIRY_MS, cap));
  }
  const ms = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1e12 || ms >= 1e13) {
    throw illegalArgument('time_expire must be a 13-digit Unix timestamp in milliseconds');
  }
  if (ms <= now.getTime()) throw illegalArgument('time_expire must be in the future');
  return new Date(Math.min(ms, now.getTime() + cap));
}

export interface PaymaxRefundRequest {
  /** Minor units; undefined means everything still refundable. */
  amount?: number;
  description: string;
  metadata: Record<string, unknown>;
}

export function parseRefundRequest({ fields: body, numbers }: JsonBody): PaymaxRefundRequest {
  const amount =
    body.amount === undefined || body.amount === null
      ? undefined
      : amountOf(body.amount, numbers.get('amount'), 'amount');
  const description = requiredString(body, 'description', 300);
  const metadata = optionalMap(body, 'metadata');
  return { amount, description, metadata };
}
