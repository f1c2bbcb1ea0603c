import { parseUnionpayNotification } from './parse-notification.js';
import type {
  ChannelResult,
  Connector,
  ConnectorContext,
  PayResult,
  RefundContext,
  RefundResult,
} from '../_kit/connector.js';
import type { Charge, Refund } from '../../domain/charge.js';
import type { Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { NoAnswer, type UnionpayMerchant, merchantFor, postAcp } from './client.js';
import { frontForm } from './front-form.js';
import { unionpayStatement } from './statement.js';
import {
  ACP_VERSION,
  type AcpFields,
  beijingStamp,
  outcomeOf,
  signRequest,
  verifyFromUnionpay,
} from './protocol.js';
import { failed, pending, succeeded, unknown as unknownResult } from '../_kit/results.js';

/** The connector's surface beyond Connector: refund query, for the polling worker. */
export interface UnionpayConnector extends Connector {
  queryRefund(ctx: RefundContext): Promise<RefundResult>;
}

/** B2C gateway / app consume (bizType 000201); PC channel 07, mobile 08. */
const BIZ_B2C = '000201';
const CHANNEL_PC = '07';
const CHANNEL_MOBILE = '08';

/**
 * UnionPay ACP 5.1.0 (全渠道), hand-written: app payments (appTransReq.do, answers a `tn`
 * for the UnionPay app SDK), web payments (the payer's browser posts a signed form to
 * frontTransReq.do), transaction query (queryTrans.do), refunds (backTransReq.do,
 * txnType 04). Every answer must carry a signPubKeyCert that chains to the configured
 * middle and root certificates and a signature under it; an answer that does not verify,
 * a timeout or a 5xx is `unknown` (resolved by a query), never `failed`.
 *
 * `provider` 'applepay' is Apple Pay through UnionPay's Apple Pay product: the same
 * appTransReq consume, its tn handed to the Apple Pay control (credential also as
 * order_string, which Paymax's apple_pay_app returns).
 *
 * ACP has no close for an unpaid order: an order the payer never submitted simply does not
 * exist upstream, and payTimeout (the charge's expiry) makes UnionPay refuse it after that.
 * `close` here only asks whether the payer already paid, so a cancel of a paid charge is
 * refused and the payment applied (implemented, so capabilitiesOf says close: true).
 */
export function unionpayConnector(
  provider: Extract<Provider, 'unionpay' | 'applepay'> = 'unionpay',
): UnionpayConnector {
  const merchant = (ctx: ConnectorContext) =>
    merchantFor(ctx.config, ctx.charge.livemode, ctx.publicUrl, provider);
  return {
    name: provider,
    parseNotification: parseUnionpayNotification,
    capabilities: {
      methods: provider === 'applepay' ? ['app'] : ['app', 'page', 'wap'],
    },
    validateConfig: (config) => void merchantFor(config, config.livemode, '', provider),
    validate: requireCny,
    pay: (ctx) => pay(ctx, merchant(ctx), provider),
    query: (ctx) => query(ctx, merchant(ctx)),
    close: async (ctx) => {
      const current = await query(ctx, merchant(ctx));
      return current.status === 'succeeded' ? current : pending();
    },
    refund: (ctx) => refund(ctx, merchant(ctx)),
    queryRefund: (ctx) => queryRefund(ctx, merchant(ctx)),
    // Apple Pay's consumes are in the same merchant's UnionPay file: reconciled once, as unionpay.
    ...(provider === 'unionpay' ? { statement: unionpayStatement } : {}),
  };
}

export const notifyUrlOf = (publicUrl: string, m: UnionpayMerchant): string =>
  `${publicUrl.replace(/\/+$/, '')}/notify/unionpay/${m.configId}`;

/** orderId of a charge: its numeric system order number (22 digits, unique per attempt). */
export const orderIdOf = (charge: Charge): string => charge.orderSn;
/** txnTime of a charge's consume: its creation in Beijing time, so a query can name it again. */
export const txnTimeOf = (charge: Charge): string => beijingStamp(charge.createdAt);
/** orderId of a refund: its id without the underscore (re_ + 24 hex -> 26 letters and digits). */
export const refundOrderIdOf = (refund: Refund): string => refund.id.replace('_', '');
/** The refund id an orderId stands for (the inverse of refundOrderIdOf). */
export const refundIdOf = (orderId: string): string | undefined =>
  /^re[0-9a-f]{24}$/.test(orderId) ? `re_${orderId.slice(2)}` : undefined;

const unknown = (why: unknown): ChannelResult =>
  unknownResult(String((why as Error)?.message ?? why).slice(0, 200));

function requireCny(charge: Charge): void {
  if (charge.currency !== 'CNY') {
    throw new JuheError(
      'channel_not_supported',
      'UnionPay ACP consumes here are in CNY (currencyCode 156) only',
      'currency',
    );
  }
}

/** Signs, posts, and verifies the answer; returns the verified fields or why there are none. */
async function call(
  ctx: ConnectorContext,
  m: UnionpayMerchant,
  endpoint: string,
  fields: Record<string, string | undefined>,
): Promise<{ fields: AcpFields } | { unknown: ChannelResult }> {
  const signed = signRequest(
    { version: ACP_VERSION, encoding: 'UTF-8', ...fields },
    m.certId,
    m.privateKeyPem,
  );
  let answer: AcpFields;
  try {
    answer = await postAcp(m, endpoint, signed);
  } catch (error) {
    if (error instanceof NoAnswer) return { unknown: unknown(error) };
    throw error;
  }
  const verified = verifyFromUnionpay(answer, m.trust, ctx.clock.now());
  if (!verified.ok) return { unknown: unknown(`UnionPay answer does not verify: ${verified.reason}`) };
  if (answer.merId !== undefined && answer.merId !== m.merId)
    return { unknown: unknown('merId does not match') };
  return { fields: answer };
}

function consumeFields(
  ctx: ConnectorContext,
  m: UnionpayMerchant,
  channelType: string,
): Record<string, string | undefined> {
  const { charge, publicUrl } = ctx;
  return {
    txnType: '01',
    txnSubType: '01',
    bizType: BIZ_B2C,
    channelType,
    accessType: '0',
    merId: m.merId,
    orderId: orderIdOf(charge),
    txnTime: txnTimeOf(charge),
    txnAmt: String(charge.amount),
    currencyCode: '156',
    backUrl: notifyUrlOf(publicUrl, m),
    // UnionPay refuses the payment after this instant: the charge's expiry is enforced upstream.
    payTimeout: beijingStamp(charge.expiresAt),
  };
}

async function pay(ctx: ConnectorContext, m: UnionpayMerchant, provider: Provider): Promise<PayResult> {
  const { charge } = ctx;
  requireCny(charge);
  if (!Number.isSafeInteger(charge.amount) || charge.amount <= 0) {
    throw new JuheError('invalid_parameter', 'txnAmt must be a positive number of fen', 'amount');
  }
  if ((charge.method === 'page' || charge.method === 'wap') && provider === 'unionpay') {
    // The payer's browser posts this form to UnionPay: nothing is sent from here, and the
    // order exists upstream only once the payer submits it (found by polling or the notice).
    // wap is ACP's mobile web payment: the same front transaction with channelType 08.
    const fields = signRequest(
      {
        version: ACP_VERSION,
        encoding: 'UTF-8',
        ...consumeFields(ctx, m, charge.method === 'wap' ? CHANNEL_MOBILE : CHANNEL_PC),
        frontUrl: charge.returnUrl || ctx.publicUrl,
      },
      m.certId,
      m.privateKeyPem,
    );
    const action = m.baseUrl + 'frontTransReq.do';
    const html = frontForm(action, fields);
    return pending({ polling: true, credential: { html, form: html, action, fields } });
  }
  if (charge.method !== 'app') {
    throw new JuheError('channel_not_supported', `${provider} does not support ${charge.method}`, 'method');
  }
  const answer = await call(ctx, m, 'appTransReq.do', consumeFields(ctx, m, CHANNEL_MOBILE));
  if ('unknown' in answer) return answer.unknown;
  const a = answer.fields;
  if (a.orderId !== orderIdOf(charge)) return unknown('orderId of the answer does not match');
  const outcome = outcomeOf(a.respCode);
  if (outcome === 'unknown') return unknownResult(a.respMsg);
  if (outcome === 'failed' || !a.tn) {
    throw new JuheError('channel_error', `UnionPay ${a.respCode}: ${a.respMsg ?? ''}`, undefined, {
      upstream_code: a.respCode,
    });
  }
  return pending({ polling: true, credential: { tn: a.tn, order_string: a.tn } });
}

/** A queried consume or refund, as a result: respCode of the query, origRespCode of the transaction. */
function queried(a: AcpFields, amount: number): ChannelResult {
  // 34: no such transaction (the payer never submitted it, or the create never arrived).
  if (a.respCode === '34') return pending({ polling: true });
  if (a.respCode !== '00') {
    return unknownResult(`query respCode ${a.respCode}: ${a.respMsg ?? ''}`);
  }
  const outcome = outcomeOf(a.origRespCode);
  if (outcome === 'succeeded') {
    if (a.txnAmt !== String(amount)) {
      return unknownResult('txnAmt does not match');
    }
    return succeeded({ transactionNo: a.queryId, ...maskedAccount(a.accNo) });
  }
  if (outcome === 'unknown') return unknownResult(a.origRespMsg);
  return failed(a.origRespCode || 'FAILED', a.origRespMsg ?? '');
}

const queryFields = (m: UnionpayMerchant, orderId: string, txnTime: string) => ({
  txnType: '00',
  txnSubType: '00',
  bizType: '000000',
  accessType: '0',
  merId: m.merId,
  orderId,
  txnTime,
});

async function query(ctx: ConnectorContext, m: UnionpayMerchant): Promise<ChannelResult> {
  const { charge } = ctx;
  const answer = await call(ctx, m, 'queryTrans.do', queryFields(m, orderIdOf(charge), txnTimeOf(charge)));
  if ('unknown' in answer) return answer.unknown;
  if (answer.fields.respCode === '00' && answer.fields.orderId !== orderIdOf(charge)) {
    return unknown('orderId of the answer does not match');
  }
  return queried(answer.fields, charge.amount);
}

async function refund(ctx: RefundContext, m: UnionpayMerchant): Promise<RefundResult> {
  const { charge, refund: r, publicUrl } = ctx;
  if (!charge.transactionNo) {
    throw new JuheError('channel_error', 'The charge has no UnionPay queryId to refund', 'charge');
  }
  const answer = await call(ctx, m, 'backTransReq.do', {
    txnType: '04',
    txnSubType: '00',
    bizType: BIZ_B2C,
    channelType: CHANNEL_PC,
    accessType: '0',
    merId: m.merId,
    orderId: refundOrderIdOf(r),
    txnTime: beijingStamp(r.createdAt),
    txnAmt: String(r.amount),
    currencyCode: '156',
    origQryId: charge.transactionNo,
    backUrl: notifyUrlOf(publicUrl, m),
  });
  if ('unknown' in answer) return answer.unknown;
  const a = answer.fields;
  if (a.orderId !== refundOrderIdOf(r)) return unknown('orderId of the answer does not match');
  const outcome = outcomeOf(a.respCode);
  // 00 here means accepted: the refund's outcome comes in the notice or by query.
  if (outcome === 'succeeded') return pending({ polling: true, extra: { query_id: a.queryId } });
  if (outcome === 'unknown') return unknownResult(a.respMsg);
  return failed(a.respCode, a.respMsg ?? '');
}

async function queryRefund(ctx: RefundContext, m: UnionpayMerchant): Promise<RefundResult> {
  const { refund: r } = ctx;
  const answer = await call(
    ctx,
    m,
    'queryTrans.do',
    queryFields(m, refundOrderIdOf(r), beijingStamp(r.createdAt)),
  );
  if ('unknown' in answer) return answer.unknown;
  if (answer.fields.respCode === '00' && answer.fields.orderId !== refundOrderIdOf(r)) {
    return unknown('orderId of the answer does not match');
  }
  return queried(answer.fields, r.amount);
}

/** UnionPay's `accNo` when it is the masked card number (6216***********0018), not a ciphertext. */
export function maskedAccount(accNo: unknown): { payerAccount?: string } {
  return typeof accNo === 'string' && /^\d{4,8}\*+\d{4}$/.test(accNo) ? { payerAccount: accNo } : {};
}
