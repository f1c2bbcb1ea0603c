import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { handleAlipayNotify } from './notify.js';

/**
 * POST /notify/alipay/:configId: Alipay's asynchronous notifications. The answer is the
 * literal `success` only after the transition committed (or was already held); anything
 * else (`fail`) makes Alipay retry on its schedule. Its own scope: a form parser that
 * keeps the raw body, and plain-text errors instead of the JSON error shape.
 */
export async function alipayNotifyRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'alipay notify failed');
    else core.log.warn({ err: error }, 'alipay notify refused');
    return reply.status(status).type('text/plain').send('fail');
  });
  app.post('/notify/alipay/:configId', { schema: { hide: true } }, async (request, reply) => {
    const { configId } = request.params as { configId: string };
    const body = typeof request.body === 'string' ? request.body : '';
    const outcome = await handleAlipayNotify(core, configId, body);
    return reply
      .status(outcome.status)
      .type('text/plain')
      .send(outcome.ok ? 'success' : 'fail');
  });
}
