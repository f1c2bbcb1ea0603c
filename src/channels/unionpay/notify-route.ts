import type { FastifyInstance, FastifyReply } from 'fastify';
import { type NotifyOwner, notifyOwner, ownedChargeByOrderSn, ownsCharge } from '../_kit/notify-owner.js';
import type { Provider } from '../../domain/channels.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult, applyRefundResult } from '../../core/notify/apply-channel-result.js';
import { findCharge, findRefund } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { type UnionpayMerchant, merchantFor } from './client.js';
import { orderIdOf, refundIdOf, refundOrderIdOf } from './connector.js';
import { type AcpFields, formDecode, outcomeOf, verifyFromUnionpay } from './protocol.js';

/**
 * UnionPay back notifications (backUrl) at /notify/unionpay/:configId (`sandbox` for the
 * simulator's default merchant), for unionpay and applepay charges and their refunds:
 * a form POST whose signPubKeyCert must chain to the configured certificates and whose
 * signature must verify under it. HTTP 200 `ok` only after the transition committed (or
 * was already held); anything else gets a non-200 (UnionPay retries) and changes nothing.
 */
export async function unionpayNotifyRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const fail = (reply: FastifyReply, status: number) => reply.status(status).type('text/plain').send('fail');
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) core.log.error({ err: error }, 'unionpay notify failed');
    else core.log.warn({ err: error }, 'unionpay notify refused');
    return fail(reply, status);
  });

  app.post('/notify/unionpay/:configId', { schema: { hide: true } }, async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const log = core.log.child({ channel: 'unionpay', configId, requestId: request.id });
    const raw = typeof request.body === 'string' ? request.body : '';
    const owner = await ownerOf(core, configId);
    if (!owner) {
      log.warn('notice for an unknown UnionPay config');
      return fail(reply, 404);
    }
    const fields = formDecode(raw);
    const verified = verifyFromUnionpay(fields, owner.merchant.trust, core.clock.now());
    if (!verified.ok) {
      log.warn({ reason: verified.reason, orderId: fields.orderId }, 'rejected UnionPay notice');
      return fail(reply, 400);
    }
    if (fields.merId !== owner.merchant.merId) {
      log.warn({ merId: fields.merId }, 'UnionPay notice for another merchant');
      return fail(reply, 400);
    }
    const outcome = outcomeOf(fields.respCode);
    if (outcome === 'unknown') {
      // Still processing upstream: not applied, so not acknowledged; the query settles it.
      log.info(
        { orderId: fields.orderId, respCode: fields.respCode },
        'UnionPay notice of a pending outcome',
      );
      return fail(reply, 409);
    }
    if (fields.txnType === '01') return consumeNotice(core, owner, fields, outcome, log, reply, fail);
    if (fields.txnType === '04') return refundNotice(core, owner, fields, outcome, log, reply, fail);
    log.warn({ txnType: fields.txnType }, 'UnionPay notice of an unhandled txnType');
    return fail(reply, 400);
  });
}

type Log = Core['log'];
type Fail = (reply: FastifyReply, status: number) => FastifyReply;
const ok = (reply: FastifyReply) => reply.status(200).type('text/plain').send('ok');

async function consumeNotice(
  core: Core,
  owner: Owner,
  fields: AcpFields,
  outcome: 'succeeded' | 'failed',
  log: Log,
  reply: FastifyReply,
  fail: Fail,
) {
  const charge = await chargeOf(core, owner, fields.orderId ?? '');
  if (!charge) {
    log.warn({ orderId: fields.orderId }, 'UnionPay notice for an unknown charge');
    return fail(reply, 404);
  }
  if (fields.txnAmt !== String(charge.amount) || fields.currencyCode !== '156') {
    log.error(
      { charge: charge.id, txnAmt: fields.txnAmt },
      'UnionPay notice amount does not match the charge',
    );
    return fail(reply, 400);
  }
  const result =
    outcome === 'succeeded'
      ? { status: 'succeeded' as const, transactionNo: fields.queryId }
      : { status: 'failed' as const, failureCode: fields.respCode, failureMessage: fields.respMsg ?? '' };
  const applied = await applyChargeResult(core, charge.id, result);
  log.info(
    { charge: charge.id, applied: applied.applied, queryId: fields.queryId },
    'UnionPay consume notice',
  );
  return ok(reply);
}

async function refundNotice(
  core: Core,
  owner: Owner,
  fields: AcpFields,
  outcome: 'succeeded' | 'failed',
  log: Log,
  reply: FastifyReply,
  fail: Fail,
) {
  const refundId = refundIdOf(fields.orderId ?? '');
  const refund = refundId ? await findRefund(core.db, refundId) : undefined;
  const charge = refund ? await findCharge(core.db, refund.chargeId) : undefined;
  if (!refund || !charge || !belongs(owner, charge) || refundOrderIdOf(refund) !== fields.orderId) {
    log.warn({ orderId: fields.orderId }, 'UnionPay notice for an unknown refund');
    return fail(reply, 404);
  }
  if (
    fields.txnAmt !== String(refund.amount) ||
    (fields.origQryId && fields.origQryId !== charge.transactionNo)
  ) {
    log.error({ refund: refund.id }, 'UnionPay refund notice does not match the refund');
    return fail(reply, 400);
  }
  const result =
    outcome === 'succeeded'
      ? { status: 'succeeded' as const, transactionNo: fields.queryId, extra: { query_id: fields.queryId } }
      : { status: 'failed' as const, failureCode: fields.respCode, failureMessage: fields.respMsg ?? '' };
  const applied = await applyRefundResult(core, refund.id, result);
  log.info({ refund: refund.id, applied: applied.applied }, 'UnionPay refund notice');
  return ok(reply);
}

type Owner = NotifyOwner<UnionpayMerchant>;
/** Apple Pay goes through UnionPay's gateway: one notify route serves both. */
const PROVIDERS: readonly Provider[] = ['unionpay', 'applepay'];
const ownerOf = (core: Core, configId: string) =>
  notifyOwner(core, configId, PROVIDERS, (config, livemode, publicUrl) =>
    merchantFor(config, livemode, publicUrl, config?.provider ?? 'unionpay'),
  );
const belongs = (owner: Owner, charge: Charge) => ownsCharge(owner, PROVIDERS, charge);

async function chargeOf(core: Core, owner: Owner, orderId: string): Promise<Charge | undefined> {
  if (!/^\d{8,40}$/.test(orderId)) return undefined;
  const charge = await ownedChargeByOrderSn(core, owner, PROVIDERS, orderId);
  return charge && orderIdOf(charge) === orderId ? charge : undefined;
}
