import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import { OPENID_COOKIE, openidCallback, openidRedirect, pay, payTypes, wechatQuery } from './cashier.js';
import { cashierPageHtml } from './cashier-page.js';
import { pickLang } from './cashier-text.js';
import { pageCsp, pageNonce } from './page-csp.js';
import { readCookie } from '../../domain/cookies.js';
import { toUnifiedError } from './errors.js';
import { readParams } from './params.js';
import { CASHIER_PAGES } from './entry-url.js';
import type { PayScene } from './pay-types.js';
import { wechatQrImage } from './qr-image.js';
import { query, queryInfo } from './query.js';

/**
 * The `unified` dialect: the hosted-cashier platform keyed by domainCode. The document's
 * relative `pay/api/...` URLs are resolved against the site root, so everything lives
 * under /pay/api. Its own scope owns parsers and the `{errcode, errormsg, obj}` errors.
 */
export const UNIFIED_API_PREFIX = '/pay/api';

export async function unifiedRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  await app.register(cashierApi, { prefix: UNIFIED_API_PREFIX, core: opts.core });
  // The document's entry URLs (pay.html#/?..., mpay.html#/?...): the cashier pages.
  for (const [scene, path] of Object.entries(CASHIER_PAGES) as [PayScene, string][]) {
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      const nonce = pageNonce();
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', pageCsp(nonce))
        .header('content-language', pickLang(request.headers['accept-language']))
        .header('vary', 'Accept-Language')
        .send(cashierPageHtml(scene, pickLang(request.headers['accept-language']), nonce));
    });
  }
}

async function cashierApi(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  // Forms (and text/plain, as some server-side clients label them) are read as a form, or
  // as JSON when the text is a JSON object; the pages themselves post JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = String(body).trim();
      if (text.startsWith('{')) {
        try {
          done(null, JSON.parse(text));
        } catch (error) {
          done(Object.assign(error as Error, { statusCode: 400 }), undefined);
        }
        return;
      }
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );
  app.setErrorHandler((error, request, reply) => {
    const mapped = toUnifiedError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'unified dialect error');
    return reply.status(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ errcode: '20004', errormsg: `接口不存在: ${request.method} ${request.url}`, obj: null }),
  );

  const fromQuery = (request: FastifyRequest) => readParams(request.query);
  // POST bodies are JSON (the pages) or forms; a bodiless POST may carry a query string.
  const fromBody = (request: FastifyRequest) =>
    readParams(request.body === undefined || request.body === null ? request.query : request.body);

  const hidden = { schema: { hide: true } };

  app.get('/pc/pay-types', hidden, async (request) => payTypes(core, fromQuery(request)));
  // The H5 page's twin of the same list.
  app.get('/h5/pay-types', hidden, async (request) =>
    payTypes(core, { paySceneName: 'h5', ...fromQuery(request) }),
  );
  app.post('/pc/pay', hidden, async (request) => pay(core, 'pc', fromBody(request), request.ip));
  app.post('/h5/pay', hidden, async (request) => pay(core, 'h5', fromBody(request), request.ip));
  app.get('/pc/wechatQuery', hidden, async (request) => wechatQuery(core, fromQuery(request)));
  // The PC page's picture of the QR content pc/pay answered.
  app.get('/pc/qrcode', hidden, async (request, reply) =>
    reply
      .type('image/svg+xml')
      .header('cache-control', 'no-store')
      .send(await wechatQrImage(core, fromQuery(request))),
  );
  app.get('/h5/openid', hidden, async (request: FastifyRequest, reply: FastifyReply) => {
    const start = await openidRedirect(core, fromQuery(request), `${request.protocol}://${request.host}`);
    return reply
      .header('set-cookie', start.cookie)
      .header('cache-control', 'no-store')
      .redirect(start.target, 302);
  });
  app.get('/h5/openid/callback', hidden, async (request: FastifyRequest, reply: FastifyReply) => {
    const target = await openidCallback(
      core,
      request.query as Record<string, unknown>,
      readCookie(request.headers.cookie, OPENID_COOKIE),
      `${request.protocol}://${request.host}`,
    );
    return reply
      .header('set-cookie', `${OPENID_COOKIE}=; Path=/pay/api/h5/openid; HttpOnly; SameSite=Lax; Max-Age=0`)
      .redirect(target, 302);
  });
  for (const method of ['GET', 'POST'] as const) {
    const read = method === 'GET' ? fromQuery : fromBody;
    app.route({ method, url: '/private/pay/query', ...hidden, handler: async (r) => query(core, read(r)) });
    app.route({
      method,
      url: '/private/pay/queryInfo',
      ...hidden,
      handler: async (r) => queryInfo(core, read(r)),
    });
  }
}
