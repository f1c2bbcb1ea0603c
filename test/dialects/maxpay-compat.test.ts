/**
 * MaxPay requests the audit against maxpay-rest-api.md found mishandled: the document's
 * own `records` example (`channel: 'ali'`), and input that JSON allows but PostgreSQL
 * cannot store, which must be PARAM_INVALID (HTTP 200, nothing changed), never RUN_TIME_ERROR.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import {
  type MaxpayAnswer as Answer,
  type MaxpayKeys,
  genericSandboxes,
  maxpayKeys,
  newMaxpayApp,
  postRaw,
} from './maxpay-app.js';
import { rowCounts } from './row-counts.js';

describe.each(engines())('maxpay compatibility gaps (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let port: number;
  let keys: MaxpayKeys;

  /** POST the exact JSON text given, as the PHP client does (trailing-semicolon content type). */
  function post(path: string, payload: string): Promise<Answer> {
    return postRaw(port, path, payload, {
      'Content-Type': 'application/json;charset=utf-8;',
      'X-ML-AppId': keys.appId,
      'X-ML-MasterKey': keys.masterKey,
    });
  }
  const bill = (params: Record<string, unknown>) => post('/2.0/maxpay/bill', JSON.stringify(params));
  const records = (params: Record<string, unknown>) => post('/2.0/maxpay/records', JSON.stringify(params));

  const counts = () => rowCounts(core, ['charges', 'events']);

  async function refusedAsParamInvalid(send: () => Promise<Answer>, err: RegExp): Promise<void> {
    const before = await counts();
    const answer = await send();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 5, msg: 'PARAM_INVALID', err: expect.stringMatching(err) });
    expect(await counts()).toEqual(before);
  }

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    keys = await maxpayKeys(core, await newMaxpayApp(core), false);
    ({ server, port } = await startGateway(core));
  });

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const good = { channel: 'wx_native', billNum: 'TXT-1', totalFee: 1, subject: 'book' };

  it.each([
    ['subject with NUL', { ...good, subject: 'bo\u0000ok' }, /subject/],
    ['subject with an unpaired surrogate', { ...good, subject: 'book\ud800' }, /subject/],
    ['an extras value with NUL', { ...good, extras: { note: { line: 'a\u0000' } } }, /extras\.note\.line/],
    ['an extras key with an unpaired surrogate', { ...good, extras: { '\udc00': 1 } }, /extras/],
    ['openid with NUL', { ...good, channel: 'wx_jsapi', openid: 'o\u0000' }, /openid/],
    [
      'returnUrl with NUL',
      { ...good, channel: 'ali_web', returnUrl: 'http://maxleap.cn/returnUrl?x=\u0000' },
      /returnUrl/,
    ],
  ])('bill: %s -> PARAM_INVALID, nothing created', async (_name, body, err) => {
    await refusedAsParamInvalid(() => bill(body), err);
  });

  it('bill: extras nested deeper than 64 levels -> PARAM_INVALID; 64 levels are stored', async () => {
    const nested = (depth: number) => '['.repeat(depth - 1) + ']'.repeat(depth - 1);
    const withExtras = (billNum: string, depth: number) =>
      `{"channel":"wx_native","billNum":"${billNum}","totalFee":1,"subject":"s","extras":{"a":${nested(depth)}}}`;
    // 4000 levels overflowed PGlite's jsonb parser; 200000 overflowed JSON.stringify here.
    for (const depth of [65, 4000, 200_000]) {
      await refusedAsParamInvalid(
        () => post('/2.0/maxpay/bill', withExtras(`DEEP-${depth}`, depth)),
        /extras/,
      );
    }
    const stored = await post('/2.0/maxpay/bill', withExtras('DEEP-64', 64));
    expect(stored.body).toMatchObject({ code: 0, msg: 'OK' });
  });

  it('records: unstorable billNum and out-of-range times -> PARAM_INVALID', async () => {
    await refusedAsParamInvalid(() => records({ billNum: 'TXT\u0000' }), /billNum/);
    // The largest JavaScript date; PostgreSQL cannot read its six-digit year.
    await refusedAsParamInvalid(() => records({ startTime: 8.64e15 }), /startTime/);
    await refusedAsParamInvalid(() => records({ endTime: 8.64e15 }), /endTime/);
    const latest = await records({ startTime: 0, endTime: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });
    expect(latest.body).toMatchObject({ code: 0, msg: 'OK' });
  });

  it("records: the document's example channel 'ali' lists every Alipay bill (and 'wx', 'un' likewise)", async () => {
    const billed: Record<string, string> = {};
    for (const [channel, extra] of [
      ['ali_app', {}],
      ['ali_web', { returnUrl: 'http://maxleap.cn/returnUrl' }],
      ['ali_qrcode', { returnUrl: 'http://maxleap.cn/returnUrl' }],
      ['wx_native', {}],
      ['wx_app', {}],
      ['un_app', {}],
    ] as const) {
      core.clock.advance(1000);
      const answer = await bill({
        channel,
        billNum: `BY-${channel}`,
        totalFee: 9900,
        subject: '图书',
        ...extra,
      });
      expect(answer.body.code, JSON.stringify(answer.body)).toBe(0);
      billed[channel] = answer.body.id;
    }
    const listed = async (channel: string) =>
      ((await records({ channel, order: 'createdTime' })).body.results as any[])
        .filter((r) => r.billNum.startsWith('BY-'))
        .map((r) => [r.channel, r.id]);
    expect(await listed('ali')).toEqual([
      ['ali_app', billed.ali_app],
      ['ali_web', billed.ali_web],
      ['ali_qrcode', billed.ali_qrcode],
    ]);
    expect(await listed('wx')).toEqual([
      ['wx_native', billed.wx_native],
      ['wx_app', billed.wx_app],
    ]);
    expect(await listed('un')).toEqual([['un_app', billed.un_app]]);
    // A concrete channel still narrows to that channel alone.
    expect(await listed('ali_web')).toEqual([['ali_web', billed.ali_web]]);
    // A bill needs a concrete channel: 'ali' names no payment method.
    const before = await counts();
    const answer = await bill({ ...good, billNum: 'BY-ali', channel: 'ali' });
    expect(answer.body).toMatchObject({ code: 3, msg: 'CHANNEL_INVALID' });
    expect(await counts()).toEqual(before);
  });
});
