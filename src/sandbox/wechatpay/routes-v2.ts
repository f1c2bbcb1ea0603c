import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rawBody } from '../_kit/raw-body.js';
import { v2Check } from './auth.js';
import { parseV2Xml, type V2Fields, v2Xml } from './codec.js';
import { BASE_PATH, type WxSim } from './context.js';
import { nonce, v2Sign } from './sign.js';
import { micropay, orderquery, reverse } from './transitions-v2.js';

type V2Handler = (sim: WxSim, fields: Record<string, string>) => Promise<V2Fields>;

/**
 * The v2 (XML) pipeline: the 5xx fault, parse the XML, verify merchant and sign, run the
 * transition, answer signed with the request's sign type (return_code FAIL for refusals).
 */
function v2(sim: WxSim, handler: V2Handler) {
  const { merchant } = sim.keys;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const xml = (status: number, fields: V2Fields) =>
      reply.status(status).type('text/xml; charset=utf-8').send(v2Xml(fields));
    if (sim.faults.take('error_5xx')) return xml(500, { return_code: 'FAIL', return_msg: 'SYSTEMERROR' });
    const fields = parseV2Xml(rawBody(request));
    if (!fields) return xml(200, { return_code: 'FAIL', return_msg: 'XML格式错误' });
    const check = v2Check(sim.keys, fields);
    if ('refusal' in check) return xml(200, { return_code: 'FAIL', return_msg: check.refusal });
    const result = await handler(sim, fields);
    const answer: Record<string, string> = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: merchant.appid,
      mch_id: merchant.mchid,
      nonce_str: nonce(32),
    };
    for (const [k, v] of Object.entries(result)) if (v !== undefined && v !== '') answer[k] = String(v);
    answer.sign = v2Sign(answer, merchant.apiV2Key, check.signType);
    const slow = sim.faults.take('timeout');
    if (slow) await sim.hold(slow.ms || 30_000);
    return xml(200, answer);
  };
}

/** The v2 route table: micropay, orderquery, reverse. */
export function v2Routes(app: FastifyInstance, sim: WxSim): void {
  app.post(`${BASE_PATH}/pay/micropay`, v2(sim, micropay));
  app.post(`${BASE_PATH}/pay/orderquery`, v2(sim, orderquery));
  app.post(`${BASE_PATH}/secapi/pay/reverse`, v2(sim, reverse));
}
