import type { FastifyReply, FastifyRequest } from 'fastify';
import { rawBody } from '../_kit/raw-body.js';
import { CODES, LklError } from './codec.js';
import type { LakalaParts } from './parts.js';
import {
  answerHeaders,
  lakalaTime,
  parseLakalaTime,
  parseRequestAuth,
  privateKeyOf,
  publicKeyOf,
  requestSigned,
  timestampFresh,
} from './wire.js';

export type Handler = (reqData: Record<string, any>) => Promise<{ code: string; msg: string; data: unknown }>;

/**
 * The gateway in front of every API: the 5xx fault, the LKLAPI-SHA256withRSA Authorization
 * (appid, serial, fresh timestamp, nonce, signature over the exact body), the envelope
 * {req_time, version 3.0, req_data}, then the handler; every answer signed (Lklapi-* headers).
 */
export function lakalaApi(p: LakalaParts, hold: (ms: number) => Promise<void>) {
  const { ctx, keys, faults } = p;
  const merchantKey = publicKeyOf(keys.merchant.certificatePem);
  const platformKey = privateKeyOf(keys.platform.privateKeyPem);

  const send = (reply: FastifyReply, httpStatus: number, code: string, msg: string, data: unknown) => {
    const text = JSON.stringify({ code, msg, resp_time: lakalaTime(ctx.clock.now()), resp_data: data });
    reply
      .status(httpStatus)
      .headers(answerHeaders(keys.merchant.appid, keys.platform.serial, text, platformKey));
    return reply.type('application/json; charset=utf-8').send(text);
  };

  /** Why the request is not the merchant's, or undefined when it is. */
  const refusal = (req: FastifyRequest, raw: string): LklError | undefined => {
    const header = req.headers.authorization;
    const auth = parseRequestAuth(Array.isArray(header) ? header[0] : header);
    if (!auth) return new LklError(CODES.auth, 401, 'Authorization不合法');
    if (auth.appid !== keys.merchant.appid) return new LklError(CODES.auth, 401, 'appid不存在');
    if (auth.serial_no !== keys.merchant.serialNo) return new LklError(CODES.auth, 401, '证书序列号不存在');
    if (!timestampFresh(auth.timestamp)) return new LklError(CODES.auth, 401, '时间戳已过期');
    if (!/^[A-Za-z0-9]{1,32}$/.test(auth.nonce_str)) return new LklError(CODES.auth, 401, 'nonce_str不合法');
    if (!requestSigned(auth, raw, merchantKey)) return new LklError(CODES.auth, 401);
    return undefined;
  };

  return (handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (faults.take('error_5xx')) return send(reply, 500, CODES.system[0], CODES.system[1], null);
    const raw = rawBody(req);
    const refuse = (e: LklError) => send(reply, e.httpStatus, e.code[0], e.message, null);
    const unsigned = refusal(req, raw);
    if (unsigned) return refuse(unsigned);
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(new LklError(CODES.malformed, 400, '请求体不是合法的JSON'));
    }
    if (
      !body ||
      typeof body !== 'object' ||
      !parseLakalaTime(body.req_time) ||
      body.version !== '3.0' ||
      !body.req_data ||
      typeof body.req_data !== 'object' ||
      Array.isArray(body.req_data)
    ) {
      return refuse(new LklError(CODES.malformed, 400, 'req_time/version/req_data不合法'));
    }
    let answer: Awaited<ReturnType<Handler>>;
    try {
      answer = await handler(body.req_data);
    } catch (error) {
      if (!(error instanceof LklError)) throw error;
      return refuse(error);
    }
    const slow = faults.take('timeout');
    if (slow) await hold(slow.ms || 30_000);
    return send(reply, 200, answer.code, answer.msg, answer.data);
  };
}
