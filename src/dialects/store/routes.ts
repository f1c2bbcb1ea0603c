import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { storeOpenKey } from '../../core/stores/open-key.js';
import { buildJumpUrl } from './notification.js';
import { authenticate } from './auth.js';
import { encryptData, sign } from './codec.js';
import { type Endpoint, StoreError, type StoreLang, fromCore, storeLang } from './errors.js';
import { requestFields } from './form.js';
import type { StoreHandler } from './handler.js';
import { order } from './handlers/order.js';
import { paycancel } from './handlers/paycancel.js';
import { paylist } from './handlers/paylist.js';
import { payorder } from './handlers/payorder.js';
import { payrefund } from './handlers/payrefund.js';
import { orderDetail, paystatus } from './handlers/query.js';

const ENDPOINTS: Record<Endpoint, StoreHandler> = {
  paylist,
  order,
  'order/view': orderDetail,
  payorder,
  paystatus,
  paycancel,
  payrefund,
};

/**
 * The envelope of every answer: `{errcode, msg, timestamp, data, sign}`. `data` is the
 * encrypted JSON; `sign` covers the top-level fields plus open_key (document 2.5), so it
 * is present whenever the store is known, errors included. Without a store (errcodes 8
 * and 3002) there is no key to sign or encrypt with.
 */
export function envelope(
  store: StoreWithKey | null,
  errcode: number,
  msg: string,
  now: Date,
  data?: unknown,
): Record<string, unknown> {
  const body: Record<string, unknown> = { errcode, msg, timestamp: Math.floor(now.getTime() / 1000) };
  if (!store) return body;
  if (data !== undefined) body.data = encryptData(JSON.stringify(data), store.openKey);
  body.sign = sign(body as Record<string, string | number>, store.openKey);
  return body;
}

export const STORE_PREFIX = '/mct1';

/**
 * The answer to a request fastify refuses before routing (a broken percent-encoding in
 * the path): no endpoint can be named, so it is the not-found envelope, HTTP 200 like
 * every store error a client must be able to read. (No core clock here: the server's.)
 */
export function storeBrokenRequest(detail: string): Record<string, unknown> {
  const mapped = new StoreError('unknown_endpoint', detail);
  return envelope(null, mapped.errcode, mapped.message, new Date());
}

/**
 * The `store` merchant API (/mct1/...): form-encoded POST (GET with a query string also
 * works: the document's paystatus example is a GET) of open_id, timestamp, data, sign.
 * Business errors are HTTP 200 with a non-zero errcode, as the document's clients expect.
 * An encapsulated scope: its body parser and error shapes touch no other route.
 */
export async function storeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

      // Failures before a handler runs (framing, size) and our own: never a 5xx for bad input.
      // A content type fastify cannot even parse (`foo`, `;;;`) is, like text/plain, a body
      // without the form fields: errcode 8 with HTTP 200, the status every store client
      // reads an errcode from, instead of a bare 415 the POS shows as a network failure.
      scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
        const status =
          error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        if (status >= 500) request.log.error({ err: error }, 'store dialect: unhandled error');
        const mapped =
          status === 413
            ? new StoreError('body_too_large')
            : status >= 500
              ? new StoreError('server_error')
              : new StoreError('open_id_missing', '请求格式错误，请以application/x-www-form-urlencoded提交');
        const lang = storeLang((request.query as Record<string, unknown> | undefined)?.lang);
        return reply
          .status(status === 415 ? 200 : status)
          .send(envelope(null, mapped.errcode, mapped.messageIn(lang), core.clock.now()));
      });
      scope.setNotFoundHandler((request, reply) => {
        const mapped = new StoreError('unknown_endpoint', `${request.method} ${request.url.split('?')[0]}`);
        const lang = storeLang((request.query as Record<string, unknown> | undefined)?.lang);
        return reply
          .status(404)
          .send(envelope(null, mapped.errcode, mapped.messageIn(lang), core.clock.now()));
      });

      // Document 4.8.2: the payer of a jump_url order comes back here from the channel or the
      // pay page, and goes on to the merchant's jump_url with signed parameters.
      scope.get('/jump/:chargeId', { schema: { hide: true } }, async (request, reply) => {
        const { chargeId } = request.params as { chargeId: string };
        const charge = /^ch_[0-9a-f]{24}$/.test(chargeId) ? await retrieveCharge(core, chargeId) : undefined;
        const openKey =
          charge?.dialect === 'store' && charge.storeId ? await storeOpenKey(core, charge.storeId) : null;
        const target =
          charge && openKey
            ? buildJumpUrl(charge, openKey, { now: core.clock.now(), randStr: core.ids.secret(24) })
            : null;
        if (!target) {
          const mapped = new StoreError('order_not_found', chargeId.slice(0, 64));
          return reply.status(404).send(envelope(null, mapped.errcode, mapped.message, core.clock.now()));
        }
        return reply.header('cache-control', 'no-store').redirect(target, 302);
      });

      for (const [name, handler] of Object.entries(ENDPOINTS) as [Endpoint, StoreHandler][]) {
        const run = (request: FastifyRequest, reply: FastifyReply) =>
          handle(core, name, handler, request, reply);
        for (const url of [`/${name}`, `/${name}/`]) {
          scope.route({ method: ['POST', 'GET'], url, schema: { hide: true }, handler: run });
        }
      }
    },
    { prefix: STORE_PREFIX },
  );
}

async function handle(
  core: Core,
  endpoint: Endpoint,
  handler: StoreHandler,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  let store: StoreWithKey | null = null;
  // `lang` is a posted field (signed with the rest) or, for clients that put every
  // parameter into `data`, a field of data; known before auth so even 8/3002/5 are in it.
  let lang: StoreLang = 'zh';
  try {
    const fields = requestFields(
      request.query,
      Buffer.isBuffer(request.body) ? request.body : undefined,
      request.headers['content-type'],
    );
    lang = storeLang(fields.lang);
    const auth = await authenticate(core, fields, (s) => (store = s));
    if (fields.lang === undefined) lang = storeLang(auth.data.lang);
    const result = await handler({
      core,
      store: auth.store,
      data: auth.data,
      literals: auth.literals,
      clientIp: request.ip ?? null,
    });
    const msg = lang === 'en' ? (result.msgEn ?? result.msg ?? 'ok') : (result.msg ?? 'ok');
    return reply.send(envelope(auth.store, 0, msg, core.clock.now(), result.data));
  } catch (error) {
    const mapped = error instanceof StoreError ? error : fromCore(error, endpoint);
    if (!mapped) throw error;
    return reply.send(envelope(store, mapped.errcode, mapped.messageIn(lang), core.clock.now()));
  }
}
