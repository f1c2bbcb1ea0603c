import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chinaRfc3339 } from '../../domain/china-time.js';
import { rawBody } from '../_kit/raw-body.js';
import { v3Refusal } from './auth.js';
import { refundJson } from './codec.js';
import { BASE_PATH, param, WxError, type WxSim } from './context.js';
import * as repo from './repository.js';
import { encryptResource, nonce, signatureMessage, signSha256Rsa, V3_SCHEME, wallSeconds } from './sign.js';
import { closeOrder, createOrder, createRefund, orderView } from './transitions.js';
import { refundMerchant, wechatpayPartnerRoutes } from './routes-partner.js';

export type V3Answer = { status: number; body?: unknown };
export type V3Handler = (c: { body: any; params: any; query: any }) => Promise<V3Answer>;
export type V3 = (handler: V3Handler) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** An answer signed by the platform key over `timestamp\nnonce\nbody\n`, as the official client verifies it. */
function sendV3(sim: WxSim, reply: FastifyReply, status: number, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const ts = String(wallSeconds());
  const n = nonce(32);
  reply
    .status(status)
    .header('Request-ID', randomUUID())
    .header('Wechatpay-Nonce', n)
    .header('Wechatpay-Timestamp', ts)
    .header('Wechatpay-Serial', sim.keys.platform.serial)
    .header('Wechatpay-Signature-Type', V3_SCHEME)
    .header('Wechatpay-Signature', signSha256Rsa(signatureMessage(ts, n, text), sim.platformKey));
  if (text === '') return reply.send();
  return reply.type('application/json; charset=utf-8').send(text);
}

/**
 * The v3 pipeline around every endpoint: the 5xx fault, authenticate, parse the JSON body,
 * run the transition (a WxError is WeChat's {code, message}), the timeout fault, sign the answer.
 */
export function v3Pipeline(sim: WxSim): V3 {
  return (handler) => async (request, reply) => {
    if (sim.faults.take('error_5xx'))
      return sendV3(sim, reply, 500, { code: 'SYSTEM_ERROR', message: '系统错误' });
    const raw = rawBody(request);
    const refusal = v3Refusal(sim, request, raw);
    if (refusal) return sendV3(sim, reply, 401, { code: 'SIGN_ERROR', message: refusal });
    let body: any = undefined;
    if (request.method !== 'GET') {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendV3(sim, reply, 400, { code: 'PARAM_ERROR', message: '请求体不是合法的JSON' });
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return sendV3(sim, reply, 400, { code: 'PARAM_ERROR', message: '请求体必须是JSON对象' });
      }
    }
    let answer: V3Answer;
    try {
      answer = await handler({ body, params: request.params, query: request.query });
    } catch (error) {
      if (!(error instanceof WxError)) throw error;
      answer = { status: error.status, body: { code: error.code, message: error.message } };
    }
    const slow = sim.faults.take('timeout');
    if (slow) await sim.hold(slow.ms || 30_000);
    return sendV3(sim, reply, answer.status, answer.body);
  };
}

/** The v3 route table: orders, close, refunds, platform certificates. */
export function v3Routes(app: FastifyInstance, sim: WxSim, v3: V3): void {
  const mchid = sim.keys.merchant.mchid;
  const requireMchid = (given: unknown) => {
    param(typeof given === 'string' && given.length > 0, '缺少参数mchid');
    if (given !== mchid) throw new WxError(400, 'MCH_NOT_EXISTS', '商户号不存在');
  };
  const answerOrder = async (order: repo.OrderRow | undefined) => {
    if (!order) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return { status: 200, body: await orderView(sim.ctx.db, order) };
  };

  app.post(
    `${BASE_PATH}/v3/pay/transactions/:kind`,
    v3(async ({ body, params }) => ({ status: 200, body: await createOrder(sim, params.kind, body) })),
  );
  app.get(
    `${BASE_PATH}/v3/pay/transactions/out-trade-no/:no`,
    v3(async ({ params, query }) => {
      requireMchid(query?.mchid);
      return answerOrder(await repo.findOrder(sim.ctx.db, mchid, { outTradeNo: params.no }));
    }),
  );
  app.get(
    `${BASE_PATH}/v3/pay/transactions/id/:tid`,
    v3(async ({ params, query }) => {
      requireMchid(query?.mchid);
      return answerOrder(await repo.findOrder(sim.ctx.db, mchid, { transactionId: params.tid }));
    }),
  );
  app.post(
    `${BASE_PATH}/v3/pay/transactions/out-trade-no/:no/close`,
    v3(async ({ params, body }) => {
      param(typeof body.mchid === 'string', '缺少参数mchid');
      requireMchid(body.mchid);
      await closeOrder(sim, body.mchid, params.no);
      return { status: 204 };
    }),
  );
  app.post(
    `${BASE_PATH}/v3/refund/domestic/refunds`,
    v3(async ({ body }) => ({ status: 200, body: refundJson(await createRefund(sim, body)) })),
  );
  app.get(
    `${BASE_PATH}/v3/refund/domestic/refunds/:no`,
    v3(async ({ params, query }) => {
      const owner = await refundMerchant(sim.ctx.db, mchid, query?.sub_mchid);
      const row = await repo.findRefund(sim.ctx.db, owner, params.no);
      if (!row) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return { status: 200, body: refundJson(row) };
    }),
  );
  // The service provider's API (routes-partner.ts), over the same orders.
  void wechatpayPartnerRoutes(app, {
    ctx: sim.ctx,
    basePath: BASE_PATH,
    spMchid: mchid,
    spAppid: sim.keys.merchant.appid,
    v3,
    createOrder: async (kind, body, partner) => ({
      status: 200,
      body: await createOrder(sim, kind, body, partner),
    }),
    orderJson: async (owner, outTradeNo) => {
      const order = await repo.findOrder(sim.ctx.db, owner, { outTradeNo });
      return order ? orderView(sim.ctx.db, order) : undefined;
    },
    closeOrder: (owner, outTradeNo) => closeOrder(sim, owner, outTradeNo),
  });
  // Platform certificates, encrypted with the API v3 key, as GET /v3/certificates answers.
  app.get(
    `${BASE_PATH}/v3/certificates`,
    v3(async () => {
      const iv = nonce(12);
      const { platform, merchant } = sim.keys;
      const certificate = {
        serial_no: platform.serial,
        effective_time: chinaRfc3339(new Date(Date.now() - 86_400_000)),
        expire_time: chinaRfc3339(new Date(Date.now() + 5 * 365 * 86_400_000)),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          nonce: iv,
          associated_data: 'certificate',
          ciphertext: encryptResource(platform.certificatePem, merchant.apiV3Key, iv, 'certificate'),
        },
      };
      return { status: 200, body: { data: [certificate] } };
    }),
  );
}
