/**
 * MaxPay as real clients and attackers use it beyond the REST document (FACTS.md second
 * reading, issue 15): the other document version's channel names, totalFee written as
 * `1E2` or `1.0000000000000001`, bytes that are not UTF-8, a captured X-ML-Request-Sign
 * replayed (to this node or another one on the same database), and broken paths.
 */
import { createHash } from 'node:crypto';
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

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const JSON_TYPE = { 'Content-Type': 'application/json;charset=utf-8;' };

describe.each(engines())('maxpay real clients (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let other: FastifyInstance;
  let port: number;
  let otherPort: number;
  let keys: MaxpayKeys;

  const master = () => ({ ...JSON_TYPE, 'X-ML-AppId': keys.appId, 'X-ML-MasterKey': keys.masterKey });
  const post = (
    path: string,
    payload: string | Buffer,
    headers: Record<string, string> = master(),
    to = port,
  ): Promise<Answer> => postRaw(to, path, payload, headers);
  const bill = (params: Record<string, unknown>) => post('/2.0/maxpay/bill', JSON.stringify(params));
  const counts = () => rowCounts(core, ['charges', 'events']);

  async function refused(send: () => Promise<Answer>, code: number, msg: string, err: RegExp) {
    const before = await counts();
    const answer = await send();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code, msg, err: expect.stringMatching(err) });
    expect(await counts()).toEqual(before);
  }

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    keys = await maxpayKeys(core, await newMaxpayApp(core), false);
    ({ server, port } = await startGateway(core));
    // A second gateway process on the same database: replays are refused across nodes.
    ({ server: other, port: otherPort } = await startGateway(core));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await other?.close();
    await core?.drop();
  });

  it('accepts the other document version’s channel names and lists bills under them', async () => {
    const wap = await bill({
      channel: 'ali_wap',
      billNum: 'CH-WAP',
      totalFee: 1,
      subject: 'wap',
      returnUrl: 'https://shop.example/back',
    });
    expect(wap.body).toMatchObject({ code: 0, msg: 'OK', err: '' });
    expect(wap.body.ali_wap).toEqual(expect.stringMatching(/^https?:\/\//));
    const app = await bill({ channel: 'unipay_app', billNum: 'CH-UAPP', totalFee: 2, subject: 'app' });
    expect(app.body).toMatchObject({ code: 0, tn: expect.any(String) });
    const web = await bill({
      channel: 'unipay_web',
      billNum: 'CH-UWEB',
      totalFee: 3,
      subject: 'web',
      returnUrl: 'https://shop.example/back',
    });
    expect(web.body).toMatchObject({ code: 0, html: expect.stringContaining('<form') });
    await refused(
      () => bill({ channel: 'unipay_web', billNum: 'CH-UWEB2', totalFee: 3, subject: 'web' }),
      4,
      'MISS_PARAM',
      /returnUrl/,
    );

    const listed = await post('/2.0/maxpay/records', JSON.stringify({ billNum: 'CH-UAPP' }));
    expect(listed.body.results.map((r: any) => [r.billNum, r.channel])).toEqual([['CH-UAPP', 'unipay_app']]);
    const [pair] = await core.db.query<{ channel: string; method: string }>(
      "SELECT channel, method FROM charges WHERE order_no = 'CH-WAP'",
    );
    expect(pair).toEqual({ channel: 'alipay', method: 'wap' });
  });

  it('refuses totalFee written as 1E2, 1.0000000000000001 or 100.0 (PARAM_INVALID), nothing written', async () => {
    for (const literal of ['1E2', '1e2', '1.0000000000000001', '100.0', '0.99999999999999999']) {
      await refused(
        () =>
          post(
            '/2.0/maxpay/bill',
            `{"channel":"wx_native","billNum":"FEE-1","totalFee":${literal},"subject":"fee"}`,
          ),
        5,
        'PARAM_INVALID',
        /totalFee must be a positive integer/,
      );
    }
    const fine = await post(
      '/2.0/maxpay/bill',
      '{"channel":"wx_native","billNum":"FEE-1","totalFee":100,"subject":"fee"}',
    );
    expect(fine.body.code).toBe(0);
  });

  it('refuses a body that is not UTF-8 instead of replacing bytes with U+FFFD', async () => {
    const head = Buffer.from('{"channel":"wx_native","billNum":"UTF-1","totalFee":1,"subject":"');
    const tail = Buffer.from('"}');
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe4, 0xb8]]) {
      await refused(
        () => post('/2.0/maxpay/bill', Buffer.concat([head, Buffer.from(bad), tail])),
        5,
        'PARAM_INVALID',
        /not valid UTF-8/,
      );
    }
    const chinese = await post('/2.0/maxpay/bill', Buffer.concat([head, Buffer.from('图书'), tail]));
    expect(chinese.body.code).toBe(0);
    const [row] = await core.db.query<{ subject: string }>(
      "SELECT subject FROM charges WHERE order_no = 'UTF-1'",
    );
    expect(row!.subject).toBe('图书');
  });

  it('accepts an X-ML-Request-Sign once: a replay, with any body, to any node, is APP_INVALID', async () => {
    const ts = core.clock.now().getTime();
    const captured = {
      ...JSON_TYPE,
      'X-ML-AppId': keys.appId,
      'X-ML-Request-Sign': `${md5(`${ts}${keys.sessionToken}`)},${ts}`,
    };
    const first = await post(
      '/2.0/maxpay/bill',
      JSON.stringify({ channel: 'wx_native', billNum: 'SIGN-1', totalFee: 1, subject: 'a' }),
      captured,
    );
    expect(first.body.code).toBe(0);
    const replays: [string, string, number][] = [
      [
        '/2.0/maxpay/bill',
        JSON.stringify({ channel: 'wx_native', billNum: 'SIGN-2', totalFee: 1, subject: 'b' }),
        port,
      ],
      [
        '/2.0/maxpay/bill',
        JSON.stringify({ channel: 'wx_native', billNum: 'SIGN-3', totalFee: 1, subject: 'c' }),
        otherPort,
      ],
      ['/2.0/maxpay/records', '{}', otherPort],
    ];
    for (const [path, body, to] of replays) {
      await refused(() => post(path, body, captured, to), 1, 'APP_INVALID', /already used/);
    }
    // Hex case does not make a new sign.
    await refused(
      () =>
        post('/2.0/maxpay/records', '{}', {
          ...captured,
          'X-ML-Request-Sign': `${md5(`${ts}${keys.sessionToken}`).toUpperCase()},${ts}`,
        }),
      1,
      'APP_INVALID',
      /already used/,
    );
    // A fresh sign (a later millisecond) is a new request.
    const next = ts + 1;
    const fresh = await post('/2.0/maxpay/records', '{}', {
      ...captured,
      'X-ML-Request-Sign': `${md5(`${next}${keys.sessionToken}`)},${next}`,
    });
    expect(fresh.body.code).toBe(0);
    const [stored] = await core.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM signed_request_keys WHERE scope LIKE 'maxpay:%'",
    );
    expect(stored!.n).toBe(2);
  });

  it('answers a broken path under its prefix in its own shape', async () => {
    const answer = await post('/2.0/maxpay/%ZZ', '{}');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 5, msg: 'PARAM_INVALID', err: expect.any(String) });
  });
});

/**
 * showUrl and qrPayMode through the real Alipay connector to the Alipay simulator: what
 * the payer's browser carries to Alipay is the signed request in the bill's URL, and the
 * simulator (verifying it as Alipay does) accepts it.
 */
describe.each(engines())('maxpay Alipay page options reach Alipay (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let port: number;
  let keys: MaxpayKeys;

  beforeAll(async () => {
    core = await testCore(engine);
    keys = await maxpayKeys(core, await newMaxpayApp(core), false);
    const gateway = await startGateway(core);
    ({ server, port } = gateway);
    core.publicUrl = gateway.base;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const bill = (params: Record<string, unknown>) =>
    postRaw(port, '/2.0/maxpay/bill', JSON.stringify(params), {
      ...JSON_TYPE,
      'X-ML-AppId': keys.appId,
      'X-ML-MasterKey': keys.masterKey,
    });

  /** The Alipay request a bill URL carries, and the simulator's answer to opening it. */
  async function alipayRequest(url: string) {
    const parsed = new URL(url);
    const opened = await fetch(url, { redirect: 'manual' });
    return {
      method: parsed.searchParams.get('method'),
      biz: JSON.parse(parsed.searchParams.get('biz_content') ?? '{}') as Record<string, unknown>,
      returnUrl: parsed.searchParams.get('return_url'),
      simulatorStatus: opened.status,
      location: opened.headers.get('location'),
    };
  }

  it('ali_qrcode with qrPayMode is page pay with qr_pay_mode; ali_wap showUrl is wap quit_url', async () => {
    const qr = await bill({
      channel: 'ali_qrcode',
      billNum: 'QRM-1',
      totalFee: 1,
      subject: 'qr',
      returnUrl: 'https://shop.example/back',
      qrPayMode: 4,
    });
    expect(qr.body).toMatchObject({ code: 0, url: expect.stringContaining('/sandbox/alipay/gateway.do') });
    const sent = await alipayRequest(qr.body.url);
    expect(sent).toMatchObject({
      method: 'alipay.trade.page.pay',
      biz: { product_code: 'FAST_INSTANT_TRADE_PAY', qr_pay_mode: '4', total_amount: '0.01' },
      returnUrl: 'https://shop.example/back',
      // Verified and recorded: the simulator sends the payer on to its cashier.
      simulatorStatus: 302,
      location: expect.stringContaining('/sandbox/alipay/'),
    });
    const listed = await postRaw(port, '/2.0/maxpay/records', '{"billNum":"QRM-1"}', {
      ...JSON_TYPE,
      'X-ML-AppId': keys.appId,
      'X-ML-MasterKey': keys.masterKey,
    });
    expect(listed.body.results.map((r: any) => r.channel)).toEqual(['ali_qrcode']);

    const wap = await bill({
      channel: 'ali_wap',
      billNum: 'WAP-1',
      totalFee: 2,
      subject: 'wap',
      returnUrl: 'https://shop.example/back',
      showUrl: 'https://shop.example/item/9',
    });
    const wapSent = await alipayRequest(wap.body.ali_wap);
    expect(wapSent).toMatchObject({
      method: 'alipay.trade.wap.pay',
      biz: { product_code: 'QUICK_WAP_WAY', quit_url: 'https://shop.example/item/9' },
      simulatorStatus: 302,
    });
  });
});
