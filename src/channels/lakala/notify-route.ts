import type { FastifyInstance, FastifyReply } from 'fastify';
import { type NotifyOwner, notifyOwner, ownedChargeByOrderSn } from '../_kit/notify-owner.js';
import type { Provider } from '../../domain/channels.js';
import type { Core } from '../../core/context.js';
import { applyChargeResult } from '../../core/notify/apply-channel-result.js';
import type { Charge } from '../../domain/charge.js';
import { type Merchant, merchantFor } from './client.js';
import { orderResult, outOrderNoOf } from './connector.js';
import { notifyMessage, parseNotifyAuth, publicKeyOf, rsaVerify, timestampFresh } from './protocol.js';

/** The acknowledgement Lakala's cashier documentation asks for; anything else makes it retry. */
export const NOTIFY_ACK = { code: 'SUCCESS', message: '执行成功' } as const;

/**
 * Inbound Lakala cashier order notifications at /notify/lakala/:configId (`sandbox` for
 * the simulator's default merchant in test mode). The Authorization header
 * (`LKLAPI-SHA256withRSA timestamp,nonce_str,signature`, over "timestamp\nnonce\nbody\n")
 * is verified with the platform certificate, the order is matched to its charge and
 * amount, applied as one idempotent transition, and only then acknowledged with
 * {"code":"SUCCESS","message":"执行成功"}. Anything else answers {code: 'FAIL', message}
 * with a 4xx/5xx, changes nothing and is logged.
 */
export async function lakalaNotifyRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const fail = (reply: FastifyReply, status: number, message: string) =>
    reply.status(status).send({ code: 'FAIL', message });
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return fail(reply, status, (error as Error).message);
    core.log.error({ err: error, requestId: request.id }, 'lakala notification failed');
    return fail(reply, 500, 'internal error');
  });

  app.post('/notify/lakala/:configId', { schema: { hide: true } }, async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const raw = typeof request.body === 'string' ? request.body : '';
    const log = core.log.child({ channel: 'lakala', configId, requestId: request.id });
    const refuse = (status: number, reason: string, details: Record<string, unknown> = {}) => {
      log.warn({ reason, ...details }, 'rejected Lakala notification');
      return fail(reply, status, reason);
    };

    const owner = await ownerOf(core, configId);
    if (!owner) return refuse(404, 'unknown channel config');
    const header = request.headers.authorization;
    const auth = parseNotifyAuth(Array.isArray(header) ? header[0] : header);
    if (!auth) return refuse(401, 'missing or malformed LKLAPI-SHA256withRSA Authorization');
    if (!timestampFresh(auth.timestamp)) return refuse(401, 'timestamp outside the allowed window');
    // Notifications name no serial: any certificate the merchant trusts may have signed it.
    const message = notifyMessage(auth.timestamp, auth.nonce_str, raw);
    const verified = Object.values(owner.merchant.platformCerts).some((cert) =>
      rsaVerify(message, auth.signature, publicKeyOf(cert)),
    );
    if (!verified) return refuse(401, 'signature does not verify');

    let order: Record<string, any>;
    try {
      order = JSON.parse(raw);
    } catch {
      return refuse(400, 'body is not JSON');
    }
    if (!order || typeof order !== 'object' || Array.isArray(order))
      return refuse(400, 'body is not an object');
    if (order.merchant_no !== owner.merchant.merchantNo) {
      return refuse(400, 'merchant_no does not match', { merchant_no: order.merchant_no });
    }
    const charge = await chargeOf(core, owner, String(order.out_order_no ?? ''));
    if (!charge) return refuse(404, 'unknown out_order_no', { out_order_no: order.out_order_no });
    const result = orderResult(charge, order);
    if (result.status !== 'succeeded' && result.status !== 'failed') {
      return refuse(400, result.failureMessage ?? `order_status ${order.order_status} is not final`, {
        charge: charge.id,
      });
    }
    const applied = await applyChargeResult(core, charge.id, result);
    log.info(
      { charge: charge.id, applied: applied.applied, status: result.status },
      'Lakala order notification',
    );
    return reply.status(200).send(NOTIFY_ACK);
  });
}

type Owner = NotifyOwner<Merchant>;
const PROVIDERS: readonly Provider[] = ['lakala'];
const ownerOf = (core: Core, configId: string) => notifyOwner(core, configId, PROVIDERS, merchantFor);

async function chargeOf(core: Core, owner: Owner, outOrderNo: string): Promise<Charge | undefined> {
  const charge = await ownedChargeByOrderSn(core, owner, PROVIDERS, outOrderNo);
  return charge && outOrderNoOf(charge) === outOrderNo ? charge : undefined;
}
