import type { FastifyInstance, FastifyReply } from 'fastify';
import { type NotifyOwner, notifyOwner, ownedChargeByOrderSn } from '../_kit/notify-owner.js';
import type { Provider } from '../../domain/channels.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult, applyRefundResult } from '../../core/notify/apply-channel-result.js';
import { findRefund } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { type Merchant, merchantFor } from './client.js';
import { CallbackRejected, openCallback } from './callback.js';
import { outTradeNoOf, transactionResult } from './connector.js';

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Inbound WeChat Pay v3 callbacks at /notify/wechatpay/:configId (`sandbox` for the
 * simulator's default merchant in test mode). Verified, decrypted, applied as one
 * idempotent transition, and only then acknowledged with 204; anything else answers
 * WeChat's failure shape {code: 'FAIL', message} so WeChat retries, and changes nothing.
 */
export async function wechatpayNotifyRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const fail = (reply: FastifyReply, status: number, message: string) =>
    reply.status(status).send({ code: 'FAIL', message });
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return fail(reply, status, (error as Error).message);
    request.log.error({ err: error }, 'wechatpay callback failed');
    core.log.error({ err: error }, 'wechatpay callback failed');
    return fail(reply, 500, 'internal error');
  });

  app.post('/notify/wechatpay/:configId', async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const raw = typeof request.body === 'string' ? request.body : '';
    const log = core.log.child({ channel: 'wechatpay', configId, requestId: request.id });

    const owner = await merchantOf(core, configId);
    if (!owner) {
      log.warn('callback for an unknown WeChat Pay config');
      return fail(reply, 404, 'unknown channel config');
    }
    let callback;
    try {
      callback = openCallback(
        raw,
        {
          timestamp: header(request.headers['wechatpay-timestamp']),
          nonce: header(request.headers['wechatpay-nonce']),
          signature: header(request.headers['wechatpay-signature']),
          serial: header(request.headers['wechatpay-serial']),
        },
        owner.merchant.platformCerts,
        owner.merchant.apiV3Key,
      );
    } catch (error) {
      if (!(error instanceof CallbackRejected)) throw error;
      log.warn({ reason: error.message }, 'rejected WeChat Pay callback');
      return fail(reply, error.status, error.message);
    }
    const resource = callback.resource;
    if (resource.mchid !== owner.merchant.mchid) {
      log.warn({ mchid: resource.mchid }, 'WeChat Pay callback for another merchant');
      return fail(reply, 400, 'mchid does not match');
    }

    if (callback.eventType === 'TRANSACTION.SUCCESS') {
      const charge = await chargeOf(core, owner, String(resource.out_trade_no ?? ''));
      if (!charge) {
        log.warn({ out_trade_no: resource.out_trade_no }, 'WeChat Pay callback for an unknown charge');
        return fail(reply, 404, 'unknown out_trade_no');
      }
      const result = transactionResult(charge, resource);
      if (result.status !== 'succeeded') {
        log.error(
          { charge: charge.id, reason: result.failureMessage },
          'WeChat Pay callback does not match the charge',
        );
        return fail(reply, 400, result.failureMessage ?? 'transaction does not match');
      }
      const applied = await applyChargeResult(core, charge.id, result);
      log.info(
        { charge: charge.id, applied: applied.applied, event: callback.id },
        'WeChat Pay payment callback',
      );
      return reply.status(204).send();
    }

    if (callback.eventType.startsWith('REFUND.')) {
      const refund = await findRefund(core.db, String(resource.out_refund_no ?? ''));
      const charge = refund ? await chargeOf(core, owner, String(resource.out_trade_no ?? '')) : undefined;
      if (!refund || !charge || refund.chargeId !== charge.id) {
        log.warn(
          { out_refund_no: resource.out_refund_no },
          'WeChat Pay refund callback for an unknown refund',
        );
        return fail(reply, 404, 'unknown out_refund_no');
      }
      if (Number(resource.amount?.refund) !== refund.amount) {
        log.error({ refund: refund.id }, 'WeChat Pay refund callback amount does not match');
        return fail(reply, 400, 'refund amount does not match');
      }
      const status = String(resource.refund_status ?? '');
      const extra = { refund_id: resource.refund_id, user_received_account: resource.user_received_account };
      const result =
        status === 'SUCCESS'
          ? { status: 'succeeded' as const, transactionNo: String(resource.refund_id), extra }
          : status === 'ABNORMAL' || status === 'CLOSED'
            ? {
                status: 'failed' as const,
                failureCode: status,
                failureMessage: `WeChat Pay refund ${status}`,
                extra,
              }
            : undefined;
      if (!result) return fail(reply, 400, `unexpected refund_status ${status}`);
      const applied = await applyRefundResult(core, refund.id, result);
      log.info(
        { refund: refund.id, applied: applied.applied, event: callback.id },
        'WeChat Pay refund callback',
      );
      return reply.status(204).send();
    }

    log.warn({ eventType: callback.eventType }, 'WeChat Pay callback of an unhandled event type');
    return fail(reply, 400, `unhandled event_type ${callback.eventType}`);
  });
}

type Owner = NotifyOwner<Merchant>;
const PROVIDERS: readonly Provider[] = ['wechatpay'];
const merchantOf = (core: Core, configId: string) => notifyOwner(core, configId, PROVIDERS, merchantFor);

async function chargeOf(core: Core, owner: Owner, outTradeNo: string): Promise<Charge | undefined> {
  const charge = await ownedChargeByOrderSn(core, owner, PROVIDERS, outTradeNo);
  return charge && outTradeNoOf(charge) === outTradeNo ? charge : undefined;
}
