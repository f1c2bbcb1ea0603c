import { createSign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { newNonce, requestMessage, signedTarget } from '../../src/dialects/paymax/signed-headers.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { newPaymaxApp } from '../dialects/paymax-app.js';
import {
  type BadSign,
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
 * Paymax (/v1 and /merchant-api/v1) under fuzz, in both signature schemes: the 2016
 * document's (`sign` = SHA1withRSA over the raw body) and the July-2016 SDKs' (`nonce`,
 * `timestamp` and `sign` over method, path, query, nonce, timestamp, key and body). Charge
 * and refund bodies with perturbed fields (amounts as floats with too many decimals,
 * negative, huge, strings; wrong types; NUL; lone surrogates; duplicate keys; invalid
 * UTF-8), correctly signed with the app's merchant key, so the fuzz reaches validation and
 * the handlers; or signed wrongly. Every answer is `{failure_code, failure_msg}` with a 4xx,
 * or `{res_data, sign}` below 400; never a 5xx; a refused request changes nothing.
 */
const CHARGE_KEYS = [
  'order_no',
  'amount',
  'subject',
  'body',
  'channel',
  'app',
  'client_ip',
  'currency',
  'extra',
  'metadata',
  'description',
  'time_expire',
];

describe.each(engines())('paymax under fuzz (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let keys: IssuedCredentials['paymax'];
  const paid: string[] = [];
  beforeAll(async () => {
    const sandbox = sandboxConnector();
    core = await testCore(engine, {
      connectors: connectorRegistry({
        alipay: sandbox,
        wechatpay: sandbox,
        applepay: sandbox,
        lakala: sandbox,
      }),
    });
    keys = (await newPaymaxApp(core, false)).credentials.paymax;
    server = await buildServer({ core });
    // Paid charges to refund, so refund requests reach the refund use case.
    for (let i = 0; i < 3; i++) {
      const raw = JSON.stringify({ ...chargeBase(), order_no: freshOrderNo('pmxpaid'), amount: 1000 });
      const res = await server.inject({
        method: 'POST',
        url: '/v1/charges',
        headers: documentHeaders(raw, 'correct'),
        payload: raw,
      });
      expect(res.statusCode, res.body).toBe(200);
      const id = JSON.parse(JSON.parse(res.body).res_data).id as string;
      await applyChargeResult(core, id, { status: 'succeeded', transactionNo: `TX${id}` });
      paid.push(id);
    }
  }, 300_000);
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  function chargeBase(): Record<string, unknown> {
    return {
      order_no: '',
      amount: 1.0,
      subject: 'fuzz',
      body: 'fuzz',
      channel: 'wechat_csb',
      app: keys.app,
      client_ip: '127.0.0.1',
      currency: 'CNY',
    };
  }
  const rsa = (bytes: Buffer) =>
    createSign('RSA-SHA1').update(bytes).sign(keys.merchantPrivateKeyPem!, 'base64');

  function documentHeaders(raw: string | Buffer, choice: BadSign): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', authorization: keys.secretKey };
    const sign = chooseSign(rsa(Buffer.from(raw)), choice);
    if (sign !== undefined) h.sign = sign;
    return h;
  }

  function july2016Headers(
    method: string,
    url: string,
    raw: Buffer,
    choice: BadSign,
    stale: boolean,
  ): Record<string, string> {
    const nonce = newNonce();
    const timestamp = String(core.clock.now().getTime() - (stale ? 3_600_000 : 0));
    const message = requestMessage({
      method,
      ...signedTarget(url),
      nonce,
      timestamp,
      authorization: keys.secretKey,
      body: raw,
    });
    const h: Record<string, string> = {
      'content-type': 'application/json;charset=utf-8',
      authorization: keys.secretKey,
      nonce,
      timestamp,
      'X-Paymax-Client-User-Agent': '{"lang":"Node.js","publisher":"Paymax","sdk-version":"1.0.0"}',
    };
    const sign = chooseSign(rsa(message), choice);
    if (sign !== undefined) h.sign = sign;
    return h;
  }

  const cases = fc.record({
    target: fc.constantFrom('charge', 'charge', 'refund', 'retrieve', 'retrieve-refund'),
    prefix: fc.constantFrom('/v1', '/merchant-api/v1'),
    scheme: fc.constantFrom('document', 'july2016'),
    stale: fc.constantFrom(false, false, false, false, true),
    charge: perturbed(
      {
        order_no: '',
        amount: 1.0,
        subject: 'fuzz',
        body: 'fuzz',
        channel: 'wechat_csb',
        app: '',
        client_ip: '127.0.0.1',
        currency: 'CNY',
      },
      CHARGE_KEYS,
    ),
    refund: perturbed({ amount: 0.01, description: 'fuzz', metadata: { k: 'v' } }, ['extra']),
    which: fc.nat({ max: 3 }),
    id: hostileText,
    query: fc.option(hostileText, { nil: undefined, freq: 4 }),
    bytes: byteMutation,
    sign: signChoice,
    secret: fc.option(hostileText, { nil: undefined, freq: 10 }),
  });

  it(
    'never a 5xx, always {failure_code, failure_msg} or a signed {res_data, sign}, nothing written on a refusal',
    { timeout: FUZZ_TIMEOUT },
    async () => {
      const tally = await fuzzRequests(
        core,
        server,
        cases,
        (c): FuzzRequest => {
          // Ids: a paid charge, or a generated one (NUL, surrogates, path tricks).
          const chargeId = c.which < paid.length ? paid[c.which]! : urlEncode(c.id);
          const query = c.query === undefined ? '' : `?q=${urlEncode(c.query)}`;
          let method: 'GET' | 'POST' = 'POST';
          let path: string;
          let raw: Buffer = Buffer.alloc(0);
          if (c.target === 'charge') {
            const fields = { ...c.charge.fields };
            if (fields.order_no === '') fields.order_no = freshOrderNo('pmf');
            if (fields.app === '') fields.app = keys.app;
            raw = mutateBytes(JSON.stringify(fields), c.bytes, CHARGE_KEYS);
            path = `${c.prefix}/charges${query}`;
          } else if (c.target === 'refund') {
            raw = mutateBytes(JSON.stringify(c.refund.fields), c.bytes, ['amount']);
            path = `${c.prefix}/charges/${chargeId}/refunds${query}`;
          } else {
            method = 'GET';
            path = `${c.prefix}/charges/${chargeId}${c.target === 'retrieve-refund' ? `/refunds/${urlEncode(c.id)}` : ''}${query}`;
          }
          const headers =
            c.scheme === 'document'
              ? documentHeaders(raw, c.sign)
              : july2016Headers(method, path, raw, c.sign, c.stale);
          if (c.secret !== undefined) headers.authorization = c.secret.replace(/[^\x20-\x7e]/g, '?');
          return { method, url: path, headers, ...(method === 'POST' ? { payload: raw } : {}) };
        },
        (res, req) => {
          const body = jsonOf(res);
          if (res.statusCode >= 400) {
            expect(Object.keys(body).sort(), res.body).toEqual(['failure_code', 'failure_msg']);
            expect(typeof body.failure_code).toBe('string');
            expect(typeof body.failure_msg).toBe('string');
            return 'refused';
          }
          if (req.headers.nonce !== undefined) {
            // The July-2016 scheme answers the bare object, signed in its headers.
            expect(typeof res.headers.sign, JSON.stringify(res.headers)).toBe('string');
            expect(typeof body.id, res.body).toBe('string');
          } else {
            expect(Object.keys(body).sort(), res.body).toEqual(['res_data', 'sign']);
          }
          return 'accepted';
        },
      );
      console.log(`paymax fuzz (${engine}):`, tally);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.accepted).toBeGreaterThan(0);
    },
  );
});
