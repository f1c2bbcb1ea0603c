import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Credential } from '../../core/apps/credentials.js';
import { appCredentialOf } from '../../core/apps/credential-cache.js';
import type { Core } from '../../core/context.js';
import { createCharge } from '../../core/payments/create-charge.js';
import { listChargeRefunds, retrieveCharge, retrieveRefund } from '../../core/payments/retrieve-charge.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { authenticate, checkRequestSign } from './auth.js';
import { PaymaxError, toPaymaxError } from './errors.js';
import { chargeObject, refundObject } from './objects.js';
import { signSha1WithRsaOffLoop } from './signature.js';
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
 * Success (< 400) is the envelope `{"res_data": "<object JSON>", "sign": base64(SHA1withRSA(
 * res_data, platform private key))}`; errors are bare `{"failure_code", "failure_msg"}`.
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
    const { credential, body } = await signedBody(core, request);
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
    });
    return sendSigned(reply, platformKey, chargeObject(charge, objectOptions(core, credential, [])));
  });

  app.get<{ Params: { id: string } }>('/charges/:id', { schema: { hide: true } }, async (request, reply) => {
    const credential = await authenticate(core, request);
    const platformKey = await platformKeyOf(core, credential);
    const charge = await ownCharge(core, credential, request.params.id);
    const refunds = await listChargeRefunds(core, charge.id);
    return sendSigned(reply, platformKey, chargeObject(charge, objectOptions(core, credential, refunds)));
  });

  app.post<{ Params: { id: string } }>(
    '/charges/:id/refunds',
    { schema: { hide: true } },
    async (request, reply) => {
      const { credential, body } = await signedBody(core, request);
      const platformKey = await platformKeyOf(core, credential);
      const input = parseRefundRequest(body);
      const charge = await ownCharge(core, credential, request.params.id);
      const refund = await createRefund(core, {
        chargeId: charge.id,
        // Paymax allows one refund in progress per charge at a time (MULTI_REFUND_RECORDS).
        oneAtATime: true,
        amount: input.amount,
        description: input.description,
        metadata: input.metadata,
      });
      return sendSigned(reply, platformKey, refundObject(refund, { charge, publicUrl: core.publicUrl }));
    },
  );

  app.get<{ Params: { id: string; refundId: string } }>(
    '/charges/:id/refunds/:refundId',
    { schema: { hide: true } },
    async (request, reply) => {
      const credential = await authenticate(core, request);
      const platformKey = await platformKeyOf(core, credential);
      const charge = await ownCharge(core, credential, request.params.id);
      // An id PostgreSQL cannot even compare (NUL) names no refund; asking would be a 500.
      const refundId = request.params.refundId;
      const refund = isStorableText(refundId) ? await retrieveRefund(core, refundId) : null;
      if (!refund || refund.chargeId !== charge.id) {
        throw new JuheError('refund_not_found', `charge ${charge.id} has no refund ${refundId}`);
      }
      return sendSigned(reply, platformKey, refundObject(refund, { charge, publicUrl: core.publicUrl }));
    },
  );
}

/** Authenticates a POST, checks its sign over the raw bytes, then decodes the JSON. */
async function signedBody(
  core: Core,
  request: FastifyRequest,
): Promise<{ credential: Credential<'paymax'>; body: JsonBody }> {
  const credential = await authenticate(core, request);
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  checkRequestSign(credential, request, raw);
  return { credential, body: parseJsonBody(raw) };
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

async function sendSigned(
  reply: FastifyReply,
  platformKey: string,
  object: Record<string, unknown>,
): Promise<FastifyReply> {
  const resData = JSON.stringify(object);
  const sign = await signSha1WithRsaOffLoop(resData, platformKey);
  return reply
    .status(200)
    .type(JSON_UTF8)
    .send(JSON.stringify({ res_data: resData, sign }));
}
