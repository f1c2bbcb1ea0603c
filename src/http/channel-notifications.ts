import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  Connector,
  NotificationAnswer,
  NotificationInput,
  NotificationRefusal,
} from '../channels/_kit/connector.js';
import {
  type NotificationOutcome,
  applyChannelNotification,
} from '../core/channel-notifications/apply-channel-notification.js';
import {
  notificationConfigFor,
  notificationOwner,
} from '../core/channel-notifications/notification-config.js';
import type { Core } from '../core/context.js';
import { isProvider } from '../domain/channels.js';

/** PayPal's events are the largest; anything bigger is no provider's notification. */
const BODY_LIMIT = 256 * 1024;

/**
 * POST /notify/:provider/:configId: every upstream notification (Alipay notify, WeChat Pay
 * callback, UnionPay backUrl, Lakala notify, PayPal webhook). The config is looked up, the
 * provider's connector verifies and parses (parseNotification, no I/O on our tables), one
 * core use case applies it as one idempotent transition, and only once that committed is
 * the provider answered the way that stops its retries. Everything refused is logged and
 * answered in the provider's own failure shape, so it retries and nothing changed.
 * Its own scope: the raw body for any content type (signatures are over the bytes).
 */
export async function channelNotificationRoutes(
  app: FastifyInstance,
  { core }: { core: Core },
): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  // Before the handler (a body over the limit): no provider known to answer for.
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    core.log[status >= 500 ? 'error' : 'warn']({ err: error, requestId: request.id }, 'notification refused');
    return reply.status(status).type('text/plain').send('fail');
  });

  app.post('/notify/:provider/:configId', { schema: { hide: true } }, async (request, reply) => {
    const { provider, configId } = request.params as { provider: string; configId: string };
    const connector = notifiedConnector(core, provider);
    if (!connector?.parseNotification) {
      core.log.warn({ provider, configId, requestId: request.id }, 'notification for an unknown provider');
      return reply
        .status(404)
        .send({ error: { code: 'not_found', message: `No notifications for provider ${provider}` } });
    }
    const log = core.log.child({ channel: provider, configId, requestId: request.id });
    const config = isProvider(provider) ? await notificationConfigFor(core, provider, configId) : 'unknown';
    const parsed = await connector.parseNotification(inputOf(request, config, core));
    const { acknowledgement } = parsed;
    const refuse = (refusal: NotificationRefusal) => {
      const { status, reason, logMessage, details } = refusal;
      log[status >= 500 ? 'error' : 'warn'](
        { reason, ...details },
        logMessage ?? acknowledgement.refusalLogMessage,
      );
      return answer(reply, acknowledgement.refused(refusal));
    };
    if (parsed.outcome === 'refused') return refuse(parsed.refusal);
    // A parser never accepts for a URL that names no config; refused here should one try.
    if (config === 'unknown') return refuse({ status: 404, reason: 'unknown channel config' });

    let outcome: NotificationOutcome;
    try {
      outcome = await applyChannelNotification(core, notificationOwner(config), parsed);
    } catch (err) {
      // Not committed (or not known to be): not acknowledged, so the provider sends it again.
      return refuse({ status: 500, reason: 'internal error', details: { err } });
    }
    if (outcome.outcome === 'refused') return refuse(outcome.refusal);
    log.info(
      { charge: outcome.chargeId, refund: outcome.refundId, applied: outcome.applied, event: parsed.eventId },
      'channel notification applied',
    );
    return answer(reply, acknowledgement.accepted);
  });
}

/** The provider's own connector (the one that speaks its protocol in either mode), if any. */
function notifiedConnector(core: Core, provider: string): Connector | undefined {
  if (!isProvider(provider)) return undefined;
  try {
    return core.connectors.resolve(provider, true);
  } catch {
    return undefined; // no live connector: the provider sends no notifications here
  }
}

function inputOf(
  request: FastifyRequest,
  config: NotificationInput['config'],
  core: Core,
): NotificationInput {
  return {
    config,
    method: request.method,
    headers: request.headers,
    query: (request.query ?? {}) as Record<string, string | undefined>,
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    publicUrl: core.publicUrl,
    now: core.clock.now(),
  };
}

function answer(reply: FastifyReply, { status, headers, body }: NotificationAnswer): FastifyReply {
  reply.status(status);
  if (headers) reply.headers(headers);
  return body === undefined ? reply.send() : reply.send(body);
}
