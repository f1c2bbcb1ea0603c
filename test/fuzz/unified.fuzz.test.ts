import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { PAY_SIGNED_FIELDS, unifiedSign } from '../../src/dialects/unified/sign.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { genericSandboxes } from '../dialects/maxpay-app.js';
import {
  FUZZ_TIMEOUT,
  type FuzzRequest,
  byteMutation,
  chooseSign,
  freshOrderNo,
  fuzzRequests,
  hostileText,
  jsonOf,
  mutateBytes,
  perturbed,
  signChoice,
  urlEncode,
} from './dialect-fuzz.js';

/**
 * The unified platform (/pay/api/...) under fuzz: the cashier page's pay calls (PC and H5)
 * with the merchant's signed entry parameters perturbed (money as floats, negative, huge,
 * 1E2, values moved between fields, NUL, lone surrogates, invalid UTF-8, duplicate keys)
 * and signed over what was sent, so the fuzz reaches validation and the handlers; or
 * signed wrongly; the private query with generated keys and signs; the pay-type list with
 * generated domain codes. Every answer is `{errcode, errormsg, obj}` (errcode a string,
 * never the internal "99999"), never a 5xx; a refused request changes nothing.
 */
describe.each(engines())('unified under fuzz (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let keys: IssuedCredentials['unified'];
  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    keys = (await seedApp(core)).credentials.unified;
    server = await buildServer({ core });
  }, 300_000);
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  const entry = () => {
    const dto: Record<string, unknown> = {};
    for (const f of PAY_SIGNED_FIELDS) dto[f] = '';
    return Object.assign(dto, {
      domainCode: '',
      requestChannel: '1',
      money: '1',
      info: 'fuzz',
      requestKey: '',
      currencyType: 'CNY',
      pageUrl: 'http://shop.example/done',
      bgUrl: 'http://shop.example/notify',
    });
  };

  const cases = fc.record({
    route: fc.constantFrom('pc', 'pc', 'h5', 'query', 'queryInfo', 'pay-types'),
    dto: perturbed(entry(), ['payTypeCode', 'sign', 'rate', 'payTypeCodeIn']),
    payType: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('Wechat', 'Alipay', 'Unionpay') },
      { weight: 1, arbitrary: hostileText },
    ),
    bytes: byteMutation,
    sign: signChoice,
    requestKey: fc.option(hostileText, { nil: undefined, freq: 3 }),
    scene: fc.oneof(fc.constantFrom('PC', 'H5', 'WX'), hostileText),
  });

  it(
    'never a 5xx, always {errcode, errormsg, obj}, nothing written on a refusal',
    { timeout: FUZZ_TIMEOUT },
    async () => {
      const tally = await fuzzRequests(
        core,
        server,
        cases,
        (c): FuzzRequest => {
          const json = { 'content-type': 'application/json;charset=utf-8' };
          if (c.route === 'pc' || c.route === 'h5') {
            const dto = { ...c.dto.fields };
            if (dto.domainCode === '') dto.domainCode = keys.domainCode;
            if (dto.requestKey === '') dto.requestKey = freshOrderNo('unf');
            // Signed over what is sent (stringified as the page sends it), then the payer's choice.
            const signed = unifiedSign(
              PAY_SIGNED_FIELDS.map((f) => (dto[f] === undefined || dto[f] === null ? '' : String(dto[f]))),
              keys.domainSecret,
            );
            const sign = chooseSign(signed, c.sign);
            if (sign !== undefined) dto.sign = sign;
            dto.payTypeCode = c.payType;
            const payload = mutateBytes(JSON.stringify(dto), c.bytes, [...PAY_SIGNED_FIELDS]);
            return { method: 'POST', url: `/pay/api/${c.route}/pay`, headers: json, payload };
          }
          if (c.route === 'pay-types') {
            const code = c.requestKey ?? keys.domainCode;
            return {
              method: 'GET',
              url: `/pay/api/pc/pay-types?domainCode=${urlEncode(code)}&paySceneName=${urlEncode(c.scene)}`,
              headers: json,
            };
          }
          const requestKey = c.requestKey ?? freshOrderNo('unq');
          const sign = chooseSign(unifiedSign([keys.domainCode, requestKey], keys.domainSecret), c.sign);
          const query = `domainCode=${urlEncode(keys.domainCode)}&requestKey=${urlEncode(requestKey)}${sign === undefined ? '' : `&sign=${urlEncode(sign)}`}`;
          return { method: 'GET', url: `/pay/api/private/pay/${c.route}?${query}`, headers: json };
        },
        (res) => {
          const body = jsonOf(res);
          expect(Object.keys(body).sort(), res.body).toEqual(['errcode', 'errormsg', 'obj']);
          expect(typeof body.errcode, res.body).toBe('string');
          expect(body.errcode, res.body).not.toBe('99999');
          return body.errcode === '0' ? 'accepted' : 'refused';
        },
      );
      console.log(`unified fuzz (${engine}):`, tally);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.accepted).toBeGreaterThan(0);
    },
  );
});
