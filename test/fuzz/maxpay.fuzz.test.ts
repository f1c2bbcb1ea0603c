import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSign } from '../../src/dialects/maxpay/auth.js';
import { MAXPAY_CODES } from '../../src/dialects/maxpay/errors.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type MaxpayKeys, genericSandboxes, maxpayKeys, newMaxpayApp } from '../dialects/maxpay-app.js';
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
} from './dialect-fuzz.js';

/**
 * MaxPay (/2.0/maxpay/bill and /records) under fuzz: valid-shaped bills and records queries
 * with perturbed fields, wrong types, odd amounts (1E2, 1.0000000000000001, negative, huge),
 * NUL and lone surrogates, invalid UTF-8, duplicate keys and garbage bodies, authenticated
 * the three ways real clients do (session token, master key, Request-Sign) or wrongly.
 * Every answer is `{code, msg, err?}` with a known code (HTTP 200, or 404 off the routes),
 * never RUN_TIME_ERROR; a refused request changes nothing.
 */
const CODES = new Set<number>(Object.values(MAXPAY_CODES));

const BILL_KEYS = [
  'channel',
  'billNum',
  'totalFee',
  'subject',
  'appid',
  'token',
  'extras',
  'qrPayMode',
  'timestamp',
];

describe.each(engines())('maxpay under fuzz (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let keys: MaxpayKeys;
  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    keys = await maxpayKeys(core, await newMaxpayApp(core), false);
    server = await buildServer({ core });
  }, 300_000);
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  const authHeaders = fc.oneof(
    fc.constantFrom('token', 'master', 'sign', 'sign-master'),
    fc.record({ appId: hostileText, secret: hostileText }),
  );
  let signClock = 0;
  function headersFor(auth: string | { appId: string; secret: string }, choice: BadSign) {
    const h: Record<string, string> = { 'content-type': 'application/json;charset=utf-8;' };
    if (typeof auth !== 'string') {
      // Header values must be bytes a client can send: keep the generated text printable.
      h['X-ML-AppId'] = auth.appId.replace(/[^\x20-\x7e]/g, '?');
      h['X-ML-Session-Token'] = auth.secret.replace(/[^\x20-\x7e]/g, '?');
      return h;
    }
    h['X-ML-AppId'] = keys.appId;
    const master = auth === 'master' || auth === 'sign-master';
    const key = master ? keys.masterKey : keys.sessionToken;
    // A fresh millisecond each time: a sign value is accepted once (replay refusal).
    const correct = auth.startsWith('sign')
      ? requestSign(key, core.clock.now().getTime() + (signClock += 1), master)
      : key;
    const value = chooseSign(correct, choice);
    const header = auth.startsWith('sign')
      ? 'X-ML-Request-Sign'
      : master
        ? 'X-ML-MasterKey'
        : 'X-ML-Session-Token';
    if (value !== undefined) h[header] = value;
    return h;
  }

  const cases = fc.record({
    path: fc.constantFrom('/2.0/maxpay/bill', '/2.0/maxpay/bill', '/2.0/maxpay/records', '/2.0/maxpay/nope'),
    bill: perturbed(
      { channel: 'wx_native', billNum: '', totalFee: 100, subject: 'fuzz', appid: '', token: '' },
      BILL_KEYS,
    ),
    records: perturbed({ billNum: 'x', channel: 'WX', status: 'success', skip: 0, limit: 10 }, [
      'startTime',
      'endTime',
    ]),
    bytes: byteMutation,
    auth: authHeaders,
    sign: signChoice,
  });

  it('never a 5xx, always {code, msg}, nothing written on a refusal', { timeout: FUZZ_TIMEOUT }, async () => {
    const tally = await fuzzRequests(
      core,
      server,
      cases,
      (c): FuzzRequest => {
        const isBill = c.path.endsWith('/bill');
        const fields = { ...(isBill ? c.bill.fields : c.records.fields) };
        if (isBill && fields.billNum === '') fields.billNum = freshOrderNo('mxf');
        if (fields.appid === '') fields.appid = keys.appId;
        if (fields.token === '') fields.token = keys.sessionToken;
        const payload = mutateBytes(JSON.stringify(fields), c.bytes, BILL_KEYS);
        return { method: 'POST', url: c.path, headers: headersFor(c.auth, c.sign), payload };
      },
      (res) => {
        const body = jsonOf(res);
        expect(res.statusCode === 200 || res.statusCode === 404, res.body).toBe(true);
        expect(CODES.has(body.code as number), res.body).toBe(true);
        expect(body.code, res.body).not.toBe(MAXPAY_CODES.RUN_TIME_ERROR);
        expect(typeof body.msg).toBe('string');
        return body.code === 0 ? 'accepted' : 'refused';
      },
    );
    console.log(`maxpay fuzz (${engine}):`, tally);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  });
});
