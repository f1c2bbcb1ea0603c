import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Credential } from '../../core/apps/credentials.js';
import { appCredentialOf } from '../../core/apps/credential-cache.js';
import type { Core } from '../../core/context.js';
import { createCharge } from '../../core/payments/create-charge.js';
import { listChargeRefunds, retrieveCharge, retrieveRefund } from '../../core/payments/retrieve-charge.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { type PaymaxCaller, authenticateRequest, claimBodySignedRequest } from './auth.js';
import { PaymaxError, toPaymaxError } from './errors.js';
import { chargeObject, refundObject } from './objects.js';
import { signSha1WithRsaOffLoop } from './signature.js';
import {
  ANSWER_HEADER_NAMES,
  PHP_MARKERS,
  SIGN_LINE_CONFUSABLE,
  answerMessage,
  newNonce,
} from './signed-headers.js';
import { isStorableText } from '../../domain/storable-text.js';
import { type JsonBody, appOf, parseChargeRequest, parseJsonBody, parseRefundRequest } from './validation.js';

/**
 * The Paymax merchant API (2016 version):
 *   POST /v1/charges                               create a charge
 *   GET  /v1/charges/{id}                          retrieve it
 *   POST /v1/charges/{id}/refunds                  refund part or all of it
 *   GET  /v1/charges/{id}/refunds/{refund_id}      retrieve a refund
 * served both at /v1/... and at /merchant-api/v1/..., so a client whose base URL is the
 * real service's `https://www.paymax.cc/merchant-api` works by changing only the host.
 *
 * Each request is answered in its own signature scheme (auth.ts): success (< 400) is, for the
 * 2016 document's scheme, the envelope `{"res_data": "<object JSON>", "sign": base64(SHA1withRSA(
 * res_data, platform private key))}`; for the July-2016 scheme, the bare object signed in the
 * `nonce`, `timestamp`, `Authorization` and `sign` response headers (signed-headers.ts).
 * Errors are bare `{"failure_code", "failure_msg"}` in both, unsigned (no SDK verifies them).
 */
export const PAYMAX_PREFIXES = ['/v1', '/merchant-api/v1'] as const;

const JSON_UTF8 = 'application/json;charset=UTF-8';

export async function paymaxRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  for (const prefix of PAYMAX_PREFIXES) {
    await app.register(paymaxScope, { prefix, core: opts.core });
  }
}

async function paymaxScope(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  // The signature covers the raw bytes, so the body is kept as bytes whatever the client
  // calls its content type ("application/json", "application/json; charset=UTF-8", none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // The PHP SDK mistakes any answer header line holding "nonce", "timestamp", "Authorization"
  // or "sign" for one of the four signed ones: a July-2016 answer carries no other such line
  // (a client-chosen x-request-id such as "sign-1" included).
  app.addHook('onSend', async (_request, reply) => {
    if (reply.raw.getHeader('sign') === undefined) return;
    const signed = new Set<string>(ANSWER_HEADER_NAMES.map((name) => name.toLowerCase()));
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (signed.has(name) || !PHP_MARKERS.test(`${name}: ${String(value)}`)) continue;
      reply.removeHeader(name);
      reply.raw.removeHeader(name);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const mapped = toPaymaxError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'paymax request failed');
    return reply.status(mapped.status).type(JSON_UTF8).send(JSON.stringify(mapped.toJSON()));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type(JSON_UTF8)
      .send(
        JSON.stringify(
          new PaymaxError(404, 'ILLEGAL_ARGUMENT', `no such API: ${request.method} ${request.url}`).toJSON(),
        ),
      ),
  );

  app.post('/charges', { schema: { hide: true } }, async (request, reply) => {
    const { caller, body } = await signedBody(core, request);
    const { credential } = caller;
    const platformKey = await platformKeyOf(core, credential);
    const app = appOf(body.fields);
    if (app !== credential.publicId) {
      throw new JuheError('app_not_found', `app ${app} does not belong to this secret key`);
    }
    const input = parseChargeRequest(body, core.clock.now());
    const charge = await createCharge(core, {
      appId: credential.appId,
      livemode: credential.livemode,
      dialect: 'paymax',
      orderNo: input.orderNo,
      channel: input.channel.provider,
      method: input.channel.method,
      amount: input.amount,
      currency: 'CNY',
      subject: input.subject,
      body: input.body,
      description: input.description,
      clientIp: input.clientIp,
      extra: input.extra,
      metadata: input.metadata,
      expiresAt: input.expiresAt,
      returnUrl: input.returnUrl,
      // wechat_wap without open_id: the hosted pay page learns the payer's openid (WeChat web
      // authorization) and starts the JSAPI payment there; the credential is that page's URL.
      startLater: input.payerLearnedByHostedPage,
    });
    return answer(
      core,
      reply,
      caller,
      platformKey,
      chargeObject(charge, objectOptions(core, credential, [])),
    );
  });

  app.get<{ Params: { id: string } }>('/charges/:id', { schema: { hide: true } }, async (request, reply) => {
    const caller = await authenticateRequest(core, request, { bodySigned: false });
    const { credential } = caller;
    const platformKey = await platformKeyOf(core, credential);
    const charge = await ownCharge(core, credential, request.params.id);
    const refunds = await listChargeRefunds(core, charge.id);
    return answer(
      core,
      reply,
      caller,
      platformKey,
      chargeObject(charge, objectOptions(core, credential, refunds)),
    );
  });

  app.post<{ Params: { id: string } }>(
    '/charges/:id/refunds',
    { schema: { hide: true } },
    async (request, reply) => {
      const { caller, body } = await signedBody(core, request);
      const { credential } = caller;
      const platformKey = await platformKeyOf(core, credential);
      const input = parseRefundRequest(body);
      const charge = await ownCharge(core, credential, request.params.id);
      const release =
        caller.scheme === 'body-2016' ? await claimBodySignedRequest(core, caller, request) : undefined;
      let refund: Refund;
      try {
        refund = await createRefund(core, {
          chargeId: charge.id,
          // Paymax allows one refund in progress per charge at a time (MULTI_REFUND_RECORDS).
          oneAtATime: true,
          amount: input.amount,
          description: input.description,
          metadata: input.metadata,
        });
      } catch (error) {
        // Refused (or failed before a refund existed): the same request sent again is a retry.
        await release?.();
        throw error;
      }
      return answer(
        core,
        reply,
        caller,
        platformKey,
        refundObject(refund, { charge, publicUrl: core.publicUrl }),
      );
    },
  );

  app.get<{ Params: { id: string; refundId: string } }>(
    '/charges/:id/refunds/:refundId',
    { schema: { hide: true } },
    async (request, reply) => {
      const caller = await authenticateRequest(core, request, { bodySigned: false });
      const { credential } = caller;
      const platformKey = await platformKeyOf(core, credential);
      const charge = await ownCharge(core, credential, request.params.id);
      // An id PostgreSQL cannot even compare (NUL) names no refund; asking would be a 500.
      const refundId = request.params.refundId;
      const refund = isStorableText(refundId) ? await retrieveRefund(core, refundId) : null;
      if (!refund || refund.chargeId !== charge.id) {
        throw new JuheError('refund_not_found', `charge ${charge.id} has no refund ${refundId}`);
      }
      return answer(
        core,
        reply,
        caller,
        platformKey,
        refundObject(refund, { charge, publicUrl: core.publicUrl }),
      );
    },
  );
}

/** Authenticates a POST in its scheme (the sign covers the raw bytes), then decodes the JSON. */
async function signedBody(
  core: Core,
  request: FastifyRequest,
): Promise<{ caller: PaymaxCaller; body: JsonBody }> {
  const caller = await authenticateRequest(core, request, { bodySigned: true });
  return { caller, body: parseJsonBody(caller.raw) };
}

/** A charge of the credential's app and mode; anyone else's is "no such order". */
async function ownCharge(core: Core, credential: Credential<'paymax'>, id: string): Promise<Charge> {
  // An id PostgreSQL cannot even compare (NUL, "/v1/charges/ch_%00") names no charge.
  const charge = isStorableText(id) ? await retrieveCharge(core, id) : null;
  if (!charge || charge.appId !== credential.appId || charge.livemode !== credential.livemode) {
    throw new JuheError('charge_not_found', `no charge ${id}`);
  }
  return charge;
}

function objectOptions(core: Core, credential: Credential<'paymax'>, refunds: Refund[]) {
  return { appKey: credential.publicId, refunds, publicUrl: core.publicUrl };
}

/**
 * The app's platform private key, which signs every answer. Loaded before anything changes,
 * so an app without one (revoked, never issued) fails with nothing created.
 */
async function platformKeyOf(core: Core, credential: Credential<'paymax'>): Promise<string> {
  const platform = await appCredentialOf(core, credential.appId, 'platform', credential.livemode);
  if (!platform) throw new JuheError('internal_error', `app ${credential.appId} has no platform signing key`);
  return platform.secrets.privateKeyPem;
}

/** A success answer in the caller's scheme, signed with the app's platform key. */
async function answer(
  core: Core,
  reply: FastifyReply,
  caller: PaymaxCaller,
  platformKey: string,
  object: Record<string, unknown>,
): Promise<FastifyReply> {
  const json = JSON.stringify(object);
  if (caller.scheme === 'body-2016') {
    const sign = await signSha1WithRsaOffLoop(json, platformKey);
    return reply
      .status(200)
      .type(JSON_UTF8)
      .send(JSON.stringify({ res_data: json, sign }));
  }
  const timestamp = String(core.clock.now().getTime());
  let nonce: string;
  let sign: string;
  do {
    nonce = newNonce();
    sign = await signSha1WithRsaOffLoop(answerMessage(nonce, timestamp, caller.secretKey, json), platformKey);
  } while (SIGN_LINE_CONFUSABLE.test(sign));
  // Set on the raw response: fastify lowercases the names it is given, node writes these as set.
  const [nonceName, timestampName, authorizationName, signName] = ANSWER_HEADER_NAMES;
  reply.raw.setHeader(nonceName, nonce);
  reply.raw.setHeader(timestampName, timestamp);
  reply.raw.setHeader(authorizationName, caller.secretKey);
  reply.raw.setHeader(signName, sign);
  return reply.status(200).type(JSON_UTF8).send(json);
}
