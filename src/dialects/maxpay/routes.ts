import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import { type ChargeCreateParams, createCharge } from '../../core/payments/create-charge.js';
import { listChargePage } from '../../core/payments/retrieve-charge.js';
import { JuheError } from '../../domain/errors.js';
import { authenticate } from './auth.js';
import { billProviderMethod } from './channels.js';
import { topLevelNumberLiterals } from '../paymax/json-literals.js';
import {
  billChannelData,
  bodyText,
  chargeExtra,
  decodeBill,
  decodeRecordsQuery,
  parseJsonBody,
  toRecord,
} from './codec.js';
import { MAXPAY_CODES, maxpayErrorBody, toMaxpayError } from './errors.js';

export const MAXPAY_PREFIX = '/2.0/maxpay';

/**
 * The MaxPay merchant API: POST /2.0/maxpay/bill and POST /2.0/maxpay/records.
 * Own scope, own rules:
 * - every body is read as text and parsed here, whatever its Content-Type
 *   (`application/json;charset=utf-8;` with the trailing semicolon, FACTS.md), after
 *   authentication, so bad JSON is a MaxPay PARAM_INVALID and never a fastify 400;
 * - every answer, success or business error, is HTTP 200 `{code, msg, err, ...}`.
 */
export async function maxpayRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      // Bytes, decoded strictly in the handler (codec.ts bodyText): invalid UTF-8 is refused.
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

      scope.setErrorHandler((error, request, reply) => {
        const { body, internal } = toMaxpayError(error);
        if (internal) request.log.error({ err: error }, 'maxpay request failed');
        return reply.status(200).send(body);
      });
      scope.setNotFoundHandler((request, reply) =>
        reply
          .status(404)
          .send(maxpayErrorBody('PARAM_INVALID', `No route ${request.method} ${request.url.split('?')[0]}`)),
      );

      scope.post('/bill', { schema: { hide: true } }, (request, reply) => bill(core, request, reply));
      scope.post('/records', { schema: { hide: true } }, (request, reply) => records(core, request, reply));
    },
    { prefix: MAXPAY_PREFIX },
  );
}

async function bill(core: Core, request: FastifyRequest, reply: FastifyReply) {
  const { credential } = await authenticate(core, request.headers);
  const text = bodyText(request.body);
  const body = parseJsonBody(text);
  const input = decodeBill(body, text === undefined ? new Map() : topLevelNumberLiterals(text));
  const { provider, method } = billProviderMethod(input.channel, input.qrPayMode);
  const now = core.clock.now();
  const charge = await createBill(core, {
    appId: credential.appId,
    livemode: credential.livemode,
    dialect: 'maxpay',
    orderNo: input.billNum,
    allowRebill: true,
    channel: provider,
    method,
    amount: input.totalFee,
    currency: 'CNY',
    subject: input.subject,
    clientIp: request.ip,
    metadata: input.extras,
    extra: chargeExtra(input),
    returnUrl: input.returnUrl ?? null,
    expiresAt:
      input.billTimeoutS !== undefined ? new Date(now.getTime() + input.billTimeoutS * 1000) : undefined,
  }).catch((error: unknown) => {
    // The bill exists though its channel's answer stayed unknown (the poller settles it): name it.
    if (error instanceof JuheError && error.details?.outcome === 'unknown')
      return String(error.details.chargeId);
    throw error;
  });
  if (typeof charge === 'string') {
    return reply.send({
      ...maxpayErrorBody('CHANNEL_ERROR', 'The channel did not answer in time'),
      id: charge,
    });
  }
  // The bill exists from here on: whatever goes wrong below, the answer carries its id.
  if (charge.status === 'failed') {
    return reply.send({
      ...maxpayErrorBody('CHANNEL_ERROR', charge.failureMsg ?? charge.failureCode ?? 'The channel declined'),
      id: charge.id,
    });
  }
  let data: Record<string, string>;
  try {
    data = billChannelData(input.channel, charge);
  } catch (error) {
    if (!(error instanceof JuheError)) throw error;
    return reply.send({ ...toMaxpayError(error).body, id: charge.id });
  }
  return reply.send({ code: MAXPAY_CODES.OK, msg: 'OK', err: '', id: charge.id, ...data });
}

/**
 * Two bills for one new billNum at the same moment (a double-clicked pay button) both read
 * "no attempt yet" and race for attempt 1; the loser's insert fails on the unique key and
 * nothing of it remains, so it simply numbers again. A paid billNum (details.chargeId) is final.
 */
const REBILL_TRIES = 5;

async function createBill(core: Core, params: ChargeCreateParams) {
  for (let tries = 1; ; tries++) {
    try {
      return await createCharge(core, params);
    } catch (error) {
      const lostRace =
        error instanceof JuheError && error.code === 'order_no_duplicate' && !error.details?.chargeId;
      if (!lostRace || tries >= REBILL_TRIES) throw error;
    }
  }
}

async function records(core: Core, request: FastifyRequest, reply: FastifyReply) {
  const { credential } = await authenticate(core, request.headers);
  const query = decodeRecordsQuery(parseJsonBody(bodyText(request.body)));
  const page = await listChargePage(core, {
    ...query,
    appId: credential.appId,
    livemode: credential.livemode,
    dialect: 'maxpay',
  });
  return reply.send({ code: MAXPAY_CODES.OK, msg: 'OK', err: '', results: page.data.map(toRecord) });
}
