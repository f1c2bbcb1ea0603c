/**
 * A MaxPay client written from the REST document and FACTS.md, against a real listening
 * server: node:http (fetch refuses the `Connection: keep-alive;` real clients send), JSON
 * bodies carrying the PHP client's extra `appid` and `token`, every auth variant.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, PayResult } from '../../src/channels/_kit/connector.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge } from '../../src/db/charges.js';
import { METHODS } from '../../src/domain/channels.js';
import { JuheError } from '../../src/domain/errors.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import {
  type MaxpayAnswer as Answer,
  type MaxpayKeys as Keys,
  genericSandboxes,
  maxpayKeys,
  newMaxpayApp,
  postRaw,
} from './maxpay-app.js';
import { rowCounts } from './row-counts.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

const REAL_CLIENT_HEADERS = {
  'Content-Type': 'application/json;charset=utf-8;',
  Connection: 'keep-alive;',
};

/**
 * The sandbox by default; a test can make every upstream answer like a real connector will
 * (rich credentials), decline, fail definitively, or time out.
 */
type Upstream = (charge: Parameters<Connector['pay']>[0]['charge']) => Promise<PayResult>;

function switchableConnectors() {
  // Pinned to the generic sandbox (the channel conformance suites cover the simulators;
  // rich credentials are scripted below).
  const sandbox = genericSandboxes();
  let upstream: Upstream | null = null;
  const connector: Connector = {
    name: 'scripted',
    capabilities: { methods: METHODS, query: false, refund: false, close: false, notify: false },
    pay: ({ charge }) => upstream!(charge),
  };
  return {
    registry: {
      resolve: (provider: Parameters<typeof sandbox.resolve>[0], livemode: boolean) =>
        upstream ? connector : sandbox.resolve(provider, livemode),
    },
    use(next: Upstream | null) {
      upstream = next;
    },
  };
}

describe.each(engines())('maxpay dialect over HTTP (%s)', (engine) => {
  let core: TestCore;
  const upstream = switchableConnectors();
  let server: FastifyInstance;
  let port: number;
  const agent = new http.Agent({ keepAlive: true });
  let appId: string;
  let keys: Keys;
  let liveKeys: Keys;

  /** POST like the real clients: raw JSON text (or the exact string given) and their headers. */
  function post(path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return postRaw(port, path, payload, { ...REAL_CLIENT_HEADERS, ...headers }, agent);
  }

  const session = (k: Keys) => ({ 'X-ML-AppId': k.appId, 'X-ML-Session-Token': k.sessionToken });
  const master = (k: Keys) => ({ 'X-ML-AppId': k.appId, 'X-ML-MasterKey': k.masterKey });
  const signed = (k: Keys, key: string, ts = core.clock.now().getTime(), suffix = '') => ({
    'X-ML-AppId': k.appId,
    'X-ML-Request-Sign': `${md5(`${ts}${key}`)},${ts}${suffix}`,
  });
  /** What the PHP client sends: its whole parameter array, appid and token included. */
  const php = (k: Keys, params: Record<string, unknown>) => ({
    ...params,
    appid: k.appId,
    token: k.sessionToken,
  });
  const bill = (params: Record<string, unknown>, headers: Record<string, string> = session(keys)) =>
    post('/2.0/maxpay/bill', php(keys, params), headers);
  const records = (params: Record<string, unknown>, headers: Record<string, string> = master(keys)) =>
    post('/2.0/maxpay/records', params, headers);

  const counts = () => rowCounts(core, ['charges', 'events']);

  /** Sends a bad request and proves it changed nothing. */
  async function refused(
    send: () => Promise<Answer>,
    code: number,
    msg: string,
    err?: RegExp,
  ): Promise<Answer> {
    const before = await counts();
    const answer = await send();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code, msg });
    expect(typeof answer.body.err).toBe('string');
    expect(answer.body.err.length).toBeGreaterThan(0);
    if (err) expect(answer.body.err).toMatch(err);
    expect(answer.body.id).toBeUndefined();
    expect(await counts()).toEqual(before);
    return answer;
  }

  beforeAll(async () => {
    core = await testCore(engine, { connectors: upstream.registry });
    appId = await newMaxpayApp(core);
    keys = await maxpayKeys(core, appId, false);
    liveKeys = await maxpayKeys(core, appId, true);
    ({ server, port } = await startGateway(core));
  });

  afterAll(async () => {
    agent.destroy();
    await server?.close();
    await core?.drop();
  });

  describe('bill', () => {
    const url = (id: string) => `${core.publicUrl}/sandbox/pay/${id}`;

    it('ali_app answers the order string under the key ali_app', async () => {
      const answer = await bill({
        channel: 'ali_app',
        billNum: 'A-APP-1',
        totalFee: 1,
        subject: '图书-支付战争',
      });
      expect(answer.status).toBe(200);
      const id = answer.body.id;
      expect(id).toMatch(/^ch_[0-9a-f]{24}$/);
      expect(answer.body).toEqual({
        code: 0,
        msg: 'OK',
        err: '',
        id,
        ali_app: `sandbox_order=${id}&amount=1`,
      });
      const charge = (await findCharge(core.db, id))!;
      expect(charge).toMatchObject({
        appId,
        livemode: false,
        dialect: 'maxpay',
        orderNo: 'A-APP-1',
        attempt: 1,
        channel: 'alipay',
        method: 'app',
        amount: 1,
        currency: 'CNY',
        subject: '图书-支付战争',
        metadata: {},
        extra: {},
        status: 'pending',
        returnUrl: null,
      });
      // no billTimeout: the core's default lifetime of one hour
      expect(charge.expiresAt.getTime() - charge.createdAt.getTime()).toBe(3600_000);
    });

    it('ali_web answers the payment page URL under the key ali_web, keeping extras and showUrl', async () => {
      const answer = await bill({
        channel: 'ali_web',
        billNum: 'A-WEB-1',
        totalFee: 9900,
        subject: 'book',
        returnUrl: 'https://shop.test/return',
        showUrl: 'https://shop.test/item/9',
        extras: { '1': '2', cart: { items: 3 } },
        billTimeout: 600,
      });
      const id = answer.body.id;
      expect(answer.body).toEqual({ code: 0, msg: 'OK', err: '', id, ali_web: url(id) });
      const charge = (await findCharge(core.db, id))!;
      expect(charge).toMatchObject({
        channel: 'alipay',
        method: 'page',
        amount: 9900,
        metadata: { '1': '2', cart: { items: 3 } },
        extra: { show_url: 'https://shop.test/item/9' },
        returnUrl: 'https://shop.test/return',
        expiresAt: new Date(core.clock.now().getTime() + 600_000),
      });
    });

    it('ali_qrcode answers the QR/iframe URL under url', async () => {
      const answer = await bill({
        channel: 'ali_qrcode',
        billNum: 'A-QR-1',
        totalFee: 2,
        subject: 'book',
        returnUrl: 'https://shop.test/return',
        qrPayMode: '4',
      });
      const id = answer.body.id;
      expect(answer.body).toEqual({ code: 0, msg: 'OK', err: '', id, url: url(id) });
      // With qrPayMode it is page pay whose QR code the merchant embeds (qr_pay_mode).
      expect(await findCharge(core.db, id)).toMatchObject({
        channel: 'alipay',
        method: 'page',
        extra: { qr_pay_mode: '4', maxpay_channel: 'ali_qrcode' },
      });
    });

    it('wx_native answers codeUrl and prepayid', async () => {
      const answer = await bill({ channel: 'wx_native', billNum: 'W-NAT-1', totalFee: 3, subject: 'book' });
      const id = answer.body.id;
      expect(answer.body).toEqual({ code: 0, msg: 'OK', err: '', id, codeUrl: url(id), prepayid: id });
      expect(await findCharge(core.db, id)).toMatchObject({ channel: 'wechatpay', method: 'qr' });
    });

    it('wx_app answers appid, partnerid, prepayid, package, noncestr, timestamp, sign as strings', async () => {
      const answer = await bill({ channel: 'wx_app', billNum: 'W-APP-1', totalFee: 4, subject: 'book' });
      const id = answer.body.id;
      const fields = {
        appid: 'sandbox',
        noncestr: md5(`nonce:${id}`),
        package: 'Sign=WXPay',
        partnerid: 'sandbox',
        prepayid: id,
        timestamp: String(Math.floor(core.clock.now().getTime() / 1000)),
      };
      const signText = Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
      expect(answer.body).toEqual({
        code: 0,
        msg: 'OK',
        err: '',
        id,
        ...fields,
        sign: md5(`${signText}&key=sandbox`).toUpperCase(),
      });
      expect(await findCharge(core.db, id)).toMatchObject({ channel: 'wechatpay', method: 'app' });
    });

    it('wx_jsapi answers the getBrandWCPayRequest parameters and keeps the openid', async () => {
      const answer = await bill({
        channel: 'wx_jsapi',
        billNum: 'W-JS-1',
        totalFee: 5,
        subject: 'book',
        openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      });
      const id = answer.body.id;
      expect(answer.body).toMatchObject({
        code: 0,
        msg: 'OK',
        err: '',
        id,
        appId: 'sandbox',
        timeStamp: String(Math.floor(core.clock.now().getTime() / 1000)),
        nonceStr: md5(`nonce:${id}`),
        package: `prepay_id=${id}`,
        signType: 'MD5',
      });
      expect(answer.body.paySign).toMatch(/^[0-9A-F]{32}$/);
      expect(Object.keys(answer.body).sort()).toEqual(
        [
          'appId',
          'code',
          'err',
          'id',
          'msg',
          'nonceStr',
          'package',
          'paySign',
          'signType',
          'timeStamp',
        ].sort(),
      );
      expect(await findCharge(core.db, id)).toMatchObject({
        channel: 'wechatpay',
        method: 'jsapi',
        extra: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      });
    });

    it('un_app answers tn', async () => {
      const answer = await bill({ channel: 'un_app', billNum: 'U-APP-1', totalFee: 6, subject: 'book' });
      const id = answer.body.id;
      expect(answer.body).toEqual({ code: 0, msg: 'OK', err: '', id, tn: `sandbox_order=${id}&amount=6` });
      expect(await findCharge(core.db, id)).toMatchObject({ channel: 'unionpay', method: 'app' });
    });

    it('un_web answers an auto-submitting html form', async () => {
      const answer = await bill({
        channel: 'un_web',
        billNum: 'U-WEB-1',
        totalFee: 7,
        subject: 'book',
        returnUrl: 'https://shop.test/return',
      });
      const id = answer.body.id;
      expect(answer.body).toEqual({
        code: 0,
        msg: 'OK',
        err: '',
        id,
        html:
          `<form id="maxpay_un_web" action="${url(id)}" method="get"></form>` +
          '<script>document.getElementById("maxpay_un_web").submit();</script>',
      });
      expect(await findCharge(core.db, id)).toMatchObject({ channel: 'unionpay', method: 'page' });
    });

    it('accepts the plain documented Content-Type, and a body with null for unset keys', async () => {
      const answer = await post(
        '/2.0/maxpay/bill',
        {
          channel: 'ali_app',
          billNum: 'PLAIN-1',
          totalFee: 1,
          subject: 's',
          returnUrl: null,
          extras: null,
          openid: null,
        },
        { ...session(keys), 'Content-Type': 'application/json', Connection: 'keep-alive' },
      );
      expect(answer.body).toMatchObject({ code: 0, msg: 'OK' });
    });

    it('bills an unpaid billNum again (each bill its own id), refuses it once paid', async () => {
      core.clock.advance(1000);
      const first = await bill({ channel: 'wx_native', billNum: 'RE-1', totalFee: 100, subject: 'book' });
      core.clock.advance(1000);
      const second = await bill({
        channel: 'ali_qrcode',
        billNum: 'RE-1',
        totalFee: 100,
        subject: 'book',
        returnUrl: 'https://shop.test/r',
      });
      expect(first.body.code).toBe(0);
      expect(second.body.code).toBe(0);
      expect(second.body.id).not.toBe(first.body.id);
      expect((await findCharge(core.db, first.body.id))!.attempt).toBe(1);
      expect((await findCharge(core.db, second.body.id))!.attempt).toBe(2);

      let listed = await records({ billNum: 'RE-1' });
      expect(listed.body.results.map((r: any) => [r.id, r.channel, r.status])).toEqual([
        [second.body.id, 'ali_qrcode', 'created'],
        [first.body.id, 'wx_native', 'created'],
      ]);

      await applyChargeResult(core, second.body.id, { status: 'succeeded', transactionNo: '2026030122001' });
      listed = await records({ billNum: 'RE-1' });
      expect(listed.body.results.map((r: any) => r.status)).toEqual(['success', 'created']);

      const answer = await refused(
        () => bill({ channel: 'wx_native', billNum: 'RE-1', totalFee: 100, subject: 'book' }),
        5,
        'PARAM_INVALID',
        /already paid/,
      );
      expect(answer.body).toEqual({ code: 5, msg: 'PARAM_INVALID', err: 'Order RE-1 is already paid' });
    });

    it('numbers concurrent bills of one new billNum instead of refusing one', async () => {
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() => bill({ channel: 'wx_native', billNum: 'RACE-1', totalFee: 1, subject: 's' })),
      );
      expect(answers.map((a) => a.body.code)).toEqual([0, 0, 0, 0]);
      const attempts = await Promise.all(
        answers.map(async (a) => (await findCharge(core.db, a.body.id))!.attempt),
      );
      expect(attempts.sort()).toEqual([1, 2, 3, 4]);
    });

    it('answers PAY_FACTOR_NOT_SET in live mode when the channel is not configured', async () => {
      await refused(
        () =>
          post(
            '/2.0/maxpay/bill',
            php(liveKeys, { channel: 'wx_native', billNum: 'LIVE-1', totalFee: 1, subject: 'book' }),
            session(liveKeys),
          ),
        2,
        'PAY_FACTOR_NOT_SET',
      );
    });
  });

  describe('bad input: the documented code, HTTP 200, nothing changed', () => {
    const good = { channel: 'wx_native', billNum: 'NEG-1', totalFee: 1, subject: 'book' };

    it.each([
      ['channel missing', { ...good, channel: undefined }, 4, 'MISS_PARAM', /channel/],
      ['channel unknown', { ...good, channel: 'wx_pub' }, 3, 'CHANNEL_INVALID', /channel/],
      ['channel wrong type', { ...good, channel: ['wx_native'] }, 3, 'CHANNEL_INVALID', /channel/],
      ['billNum missing', { ...good, billNum: undefined }, 4, 'MISS_PARAM', /billNum/],
      ['billNum wrong type', { ...good, billNum: 12345678 }, 5, 'PARAM_INVALID', /billNum/],
      ['totalFee missing', { ...good, totalFee: undefined }, 4, 'MISS_PARAM', /totalFee/],
      ['totalFee as a string', { ...good, totalFee: '1' }, 5, 'PARAM_INVALID', /totalFee/],
      ['totalFee in yuan', { ...good, totalFee: 0.01 }, 5, 'PARAM_INVALID', /totalFee/],
      ['totalFee zero', { ...good, totalFee: 0 }, 5, 'PARAM_INVALID', /totalFee/],
      ['totalFee negative', { ...good, totalFee: -100 }, 5, 'PARAM_INVALID', /totalFee/],
      ['subject missing', { ...good, subject: undefined }, 4, 'MISS_PARAM', /subject/],
      ['subject wrong type', { ...good, subject: 42 }, 5, 'PARAM_INVALID', /subject/],
      ['extras not an object', { ...good, extras: 'k=v' }, 5, 'PARAM_INVALID', /extras/],
      ['billTimeout a string', { ...good, billTimeout: '600' }, 5, 'PARAM_INVALID', /billTimeout/],
      ['returnUrl not a URL', { ...good, returnUrl: 'shop/return' }, 5, 'PARAM_INVALID', /returnUrl/],
      ['ali_web without returnUrl', { ...good, channel: 'ali_web' }, 4, 'MISS_PARAM', /returnUrl/],
      ['ali_qrcode without returnUrl', { ...good, channel: 'ali_qrcode' }, 4, 'MISS_PARAM', /returnUrl/],
      ['un_web without returnUrl', { ...good, channel: 'un_web' }, 4, 'MISS_PARAM', /returnUrl/],
      ['wx_jsapi without openid', { ...good, channel: 'wx_jsapi' }, 4, 'MISS_PARAM', /openid/],
    ])('bill: %s -> %s', async (_name, body, code, msg, err) => {
      await refused(() => bill(body), code, msg, err);
    });

    it.each([
      ['malformed JSON', '{"channel":"wx_native",'],
      ['a JSON array', '[{"channel":"wx_native"}]'],
      ['form encoding', 'channel=wx_native&billNum=N&totalFee=1&subject=s'],
    ])('bill: %s -> PARAM_INVALID', async (_name, raw) => {
      await refused(() => post('/2.0/maxpay/bill', raw, session(keys)), 5, 'PARAM_INVALID');
    });

    it('bill: an empty body -> MISS_PARAM', async () => {
      await refused(() => post('/2.0/maxpay/bill', '', session(keys)), 4, 'MISS_PARAM', /channel/);
    });

    it('bill: a body over the size limit -> PARAM_INVALID', async () => {
      const huge = JSON.stringify({ ...good, extras: { blob: 'x'.repeat(1_100_000) } });
      await refused(() => post('/2.0/maxpay/bill', huge, session(keys)), 5, 'PARAM_INVALID');
    });

    it.each([
      ['status unknown', { status: 'paid' }, 5, 'PARAM_INVALID', /status/],
      ['channel unknown', { channel: 'alipay' }, 3, 'CHANNEL_INVALID', /channel/],
      ['startTime as a date string', { startTime: '2026-03-01' }, 5, 'PARAM_INVALID', /startTime/],
      ['skip negative', { skip: -1 }, 5, 'PARAM_INVALID', /skip/],
      ['limit zero', { limit: 0 }, 5, 'PARAM_INVALID', /limit/],
      ['limit too large', { limit: 5000 }, 5, 'PARAM_INVALID', /limit/],
      ['order by an unknown key', { order: '-subject' }, 5, 'PARAM_INVALID', /order/],
    ])('records: %s -> %s', async (_name, body, code, msg, err) => {
      await refused(() => records(body), code, msg, err);
    });

    it('records: malformed JSON -> PARAM_INVALID', async () => {
      await refused(() => post('/2.0/maxpay/records', '{"limit":', master(keys)), 5, 'PARAM_INVALID');
    });
  });

  describe('auth', () => {
    const body = (billNum: string) => ({ channel: 'wx_native', billNum, totalFee: 1, subject: 'auth' });

    it('accepts X-ML-AppId with X-ML-Session-Token, X-ML-MasterKey or X-ML-Request-Sign', async () => {
      // Each request signs afresh (as the Android SDK does): a sign value is accepted once.
      const variants: [string, () => Record<string, string>][] = [
        ['session token', () => session(keys)],
        ['master key', () => master(keys)],
        ['sign with the session token', () => signed(keys, keys.sessionToken)],
        ['sign with the master key', () => signed(keys, keys.masterKey)],
        [
          'sign with the master key, ",master"',
          () => signed(keys, keys.masterKey, core.clock.now().getTime(), ',master'),
        ],
        [
          'sign 14 minutes old',
          () => signed(keys, keys.sessionToken, core.clock.now().getTime() - 14 * 60_000),
        ],
        [
          'sign 14 minutes ahead',
          () => signed(keys, keys.sessionToken, core.clock.now().getTime() + 14 * 60_000),
        ],
        [
          'sign in upper-case hex',
          () => {
            const now = core.clock.now().getTime();
            return {
              'X-ML-AppId': keys.appId,
              'X-ML-Request-Sign': `${md5(`${now}${keys.sessionToken}`).toUpperCase()},${now}`,
            };
          },
        ],
        ['token and sign together', () => ({ ...session(keys), ...signed(keys, keys.sessionToken) })],
      ];
      for (const [name, headers] of variants) {
        core.clock.advance(1);
        const billed = await bill(body(`AUTH-${name.replace(/\W+/g, '-')}`), headers());
        expect({ name, code: billed.body.code, err: billed.body.err }).toEqual({ name, code: 0, err: '' });
        core.clock.advance(1);
        const listed = await records({ billNum: `AUTH-${name.replace(/\W+/g, '-')}` }, headers());
        expect({ name, code: listed.body.code, n: listed.body.results?.length }).toEqual({
          name,
          code: 0,
          n: 1,
        });
      }
    });

    it.each([
      ['no X-ML-AppId', () => ({ 'X-ML-Session-Token': keys.sessionToken }), /X-ML-AppId/],
      ['no key at all', () => ({ 'X-ML-AppId': keys.appId }), /required/],
      [
        'unknown app id',
        () => ({ 'X-ML-AppId': 'nosuchapp', 'X-ML-Session-Token': keys.sessionToken }),
        /do not match/,
      ],
      [
        'wrong session token',
        () => ({ 'X-ML-AppId': keys.appId, 'X-ML-Session-Token': 'wrong' }),
        /do not match/,
      ],
      [
        'master key as session token',
        () => ({ 'X-ML-AppId': keys.appId, 'X-ML-Session-Token': keys.masterKey }),
        /do not match/,
      ],
      [
        'wrong master key',
        () => ({ 'X-ML-AppId': keys.appId, 'X-ML-MasterKey': keys.sessionToken }),
        /do not match/,
      ],
      [
        'live app id with the test token',
        () => ({ 'X-ML-AppId': liveKeys.appId, 'X-ML-Session-Token': keys.sessionToken }),
        /do not match/,
      ],
      [
        'good sign, wrong token beside it',
        () => ({ ...signed(keys, keys.sessionToken), 'X-ML-Session-Token': 'wrong' }),
        /do not match/,
      ],
      ['sign with a wrong key', () => signed(keys, 'not-the-key'), /does not match/],
      [
        '",master" sign with the session token',
        () => signed(keys, keys.sessionToken, core.clock.now().getTime(), ',master'),
        /does not match/,
      ],
      [
        'sign over another timestamp',
        () => ({
          'X-ML-AppId': keys.appId,
          'X-ML-Request-Sign': `${md5(`1${keys.sessionToken}`)},${core.clock.now().getTime()}`,
        }),
        /does not match/,
      ],
      [
        'stale sign (16 minutes old)',
        () => signed(keys, keys.sessionToken, core.clock.now().getTime() - 16 * 60_000),
        /minutes/,
      ],
      [
        'sign from the future (16 minutes)',
        () => signed(keys, keys.sessionToken, core.clock.now().getTime() + 16 * 60_000),
        /minutes/,
      ],
      [
        'sign in seconds',
        () => signed(keys, keys.sessionToken, Math.floor(core.clock.now().getTime() / 1000)),
        /minutes/,
      ],
      ['malformed sign', () => ({ 'X-ML-AppId': keys.appId, 'X-ML-Request-Sign': 'abc' }), /md5/],
    ])('%s -> APP_INVALID on bill and records', async (_name, headers, err) => {
      await refused(() => bill(body('AUTH-BAD'), headers()), 1, 'APP_INVALID', err);
      await refused(() => records({}, headers()), 1, 'APP_INVALID', err);
    });

    it('authenticates before reading the body', async () => {
      await refused(
        () => post('/2.0/maxpay/bill', '{not json', { 'X-ML-AppId': keys.appId }),
        1,
        'APP_INVALID',
      );
    });
  });

  describe('records', () => {
    let other: Keys;
    let otherApp: string;
    const ids: Record<string, string> = {};
    let t0: number;

    beforeAll(async () => {
      otherApp = await newMaxpayApp(core, { merchant: 'Records', app: 'R' });
      other = await maxpayKeys(core, otherApp, false);
      const asOther = (params: Record<string, unknown>) =>
        post('/2.0/maxpay/bill', php(other, params), session(other)).then((a) => {
          expect(a.body.code).toBe(0);
          return a.body.id as string;
        });
      core.clock.advance(60_000);
      t0 = core.clock.now().getTime();
      const step = () => core.clock.advance(1000);
      step();
      ids.b1 = await asOther({ channel: 'ali_app', billNum: 'R-1', totalFee: 300, subject: 'one' });
      step();
      ids.b2 = await asOther({ channel: 'wx_native', billNum: 'R-2', totalFee: 100, subject: 'two' });
      step();
      ids.b3 = await asOther({ channel: 'un_app', billNum: 'R-3', totalFee: 200, subject: 'three' });
      step();
      ids.b4 = await asOther({
        channel: 'ali_qrcode',
        billNum: 'R-2',
        totalFee: 100,
        subject: 'two again',
        returnUrl: 'https://shop.test/r',
      });
      step();
      ids.b5 = await asOther({
        channel: 'wx_app',
        billNum: 'R-5',
        totalFee: 500,
        subject: 'five',
        extras: { k: 'v' },
      });
      step();
      await applyChargeResult(core, ids.b1, { status: 'succeeded', transactionNo: 'T-1' });
      await applyChargeResult(core, ids.b3, { status: 'succeeded', transactionNo: 'T-3' });
      await createRefund(core, { chargeId: ids.b3, amount: 50 });
      // Not this app's MaxPay test bills: a live bill, and a bill made through another dialect.
      await createCharge(core, {
        appId: otherApp,
        livemode: true,
        dialect: 'maxpay',
        orderNo: 'R-LIVE',
        channel: 'cash',
        method: 'offline',
        amount: 700,
        currency: 'CNY',
        subject: 'live cash',
      });
      await createCharge(core, {
        appId: otherApp,
        livemode: false,
        dialect: 'paymax',
        orderNo: 'R-PAYMAX',
        channel: 'alipay',
        method: 'wap',
        amount: 800,
        currency: 'CNY',
        subject: 'paymax',
      });
    });

    const list = async (params: Record<string, unknown>) => {
      const answer = await records(params, master(other));
      expect(answer.status).toBe(200);
      expect(answer.body.code).toBe(0);
      return answer.body.results.map((r: any) => r.id) as string[];
    };

    it('answers {code: 0, results} with every documented field', async () => {
      const answer = await records({ billNum: 'R-3' }, session(other));
      expect(answer.body).toEqual({
        code: 0,
        msg: 'OK',
        err: '',
        results: [
          {
            id: ids.b3,
            billNum: 'R-3',
            channel: 'un_app',
            totalFee: 200,
            currency: 'CNY',
            money: '2.00 CNY',
            status: 'refund',
            createdTime: t0 + 3000,
            endTime: t0 + 6000,
            extras: {},
            subject: 'three',
            refundFee: 50,
            tradeNo: 'T-3',
          },
        ],
      });
      const [b5] = (await records({ billNum: 'R-5' }, master(other))).body.results;
      expect(b5).toEqual({
        id: ids.b5,
        billNum: 'R-5',
        channel: 'wx_app',
        totalFee: 500,
        currency: 'CNY',
        money: '5.00 CNY',
        status: 'created',
        createdTime: t0 + 5000,
        endTime: t0 + 5000 + 3600_000,
        extras: { k: 'v' },
        subject: 'five',
        refundFee: 0,
        tradeNo: null,
      });
    });

    it("lists only the app's own MaxPay bills in the credential's mode, newest first", async () => {
      expect(await list({})).toEqual([ids.b5, ids.b4, ids.b3, ids.b2, ids.b1]);
      const live = await post('/2.0/maxpay/records', {}, master(await maxpayKeys(core, otherApp, true)));
      expect(live.body.results.map((r: any) => [r.billNum, r.channel, r.status, r.money])).toEqual([
        ['R-LIVE', 'cash_offline', 'success', '7.00 CNY'],
      ]);
    });

    it('orders by createdTime and totalFee, either way', async () => {
      expect(await list({ order: '-createdTime' })).toEqual([ids.b5, ids.b4, ids.b3, ids.b2, ids.b1]);
      expect(await list({ order: 'createdTime' })).toEqual([ids.b1, ids.b2, ids.b3, ids.b4, ids.b5]);
      expect(await list({ order: 'totalFee' })).toEqual([ids.b2, ids.b4, ids.b3, ids.b1, ids.b5]);
      expect(await list({ order: '-totalFee' })).toEqual([ids.b5, ids.b1, ids.b3, ids.b4, ids.b2]);
    });

    it('filters by billNum, channel and status', async () => {
      expect(await list({ billNum: 'R-2' })).toEqual([ids.b4, ids.b2]);
      expect(await list({ billNum: 'R-404' })).toEqual([]);
      expect(await list({ channel: 'wx_native' })).toEqual([ids.b2]);
      expect(await list({ channel: 'ali_qrcode' })).toEqual([ids.b4]);
      expect(await list({ channel: 'un_web' })).toEqual([]);
      expect(await list({ status: 'created' })).toEqual([ids.b5, ids.b4, ids.b2]);
      expect(await list({ status: 'success' })).toEqual([ids.b1]);
      expect(await list({ status: 'refund' })).toEqual([ids.b3]);
    });

    it('filters by creation time, both bounds inclusive', async () => {
      expect(await list({ startTime: t0 + 2000, endTime: t0 + 4000 })).toEqual([ids.b4, ids.b3, ids.b2]);
      expect(await list({ startTime: t0 + 4001 })).toEqual([ids.b5]);
      expect(await list({ endTime: t0 + 1999 })).toEqual([ids.b1]);
      expect(await list({ startTime: t0 + 5001 })).toEqual([]);
    });

    it('pages with skip and limit', async () => {
      expect(await list({ limit: 2 })).toEqual([ids.b5, ids.b4]);
      expect(await list({ skip: 2, limit: 2 })).toEqual([ids.b3, ids.b2]);
      expect(await list({ skip: 4, limit: 2 })).toEqual([ids.b1]);
      expect(await list({ skip: 5 })).toEqual([]);
      expect(await list({ order: 'totalFee', skip: 1, limit: 3 })).toEqual([ids.b4, ids.b3, ids.b1]);
    });

    it('combines every filter', async () => {
      expect(
        await list({
          status: 'created',
          startTime: t0,
          endTime: t0 + 10_000,
          order: 'createdTime',
          skip: 1,
          limit: 1,
        }),
      ).toEqual([ids.b4]);
      expect(await list({ billNum: 'R-2', channel: 'wx_native', status: 'created' })).toEqual([ids.b2]);
      expect(await list({ billNum: 'R-2', status: 'success' })).toEqual([]);
    });

    it('ignores unknown fields', async () => {
      expect(await list({ appid: other.appId, token: other.sessionToken, where: { x: 1 } })).toHaveLength(5);
    });
  });

  describe('what the channel answered', () => {
    afterAll(() => upstream.use(null));

    it('passes the richer credentials of real connectors through', async () => {
      const rich: Record<string, Record<string, unknown>> = {
        app: {
          order_string: 'app_id=2016&biz_content=x&sign=abc',
          tn: '201603011122334455667',
          app_params: {
            appid: 'wxd930ea5d5a258f4f',
            partnerid: '1900000109',
            prepayid: 'wx2016',
            package: 'Sign=WXPay',
            noncestr: 'n0nce',
            timestamp: 1456790400,
            sign: 'C380BEC2BFD727A4B6845133519F3AD6',
          },
        },
        qr: {
          qr_code: 'https://qr.alipay.com/bax01',
          code_url: 'weixin://wxpay/bizpayurl?pr=abc',
          prepay_id: 'wx2017',
        },
        page: {
          pay_url: 'https://openapi.alipay.com/gateway.do?x=1',
          html: '<form action="https://gateway.95516.com"></form>',
        },
        jsapi: {
          jsapi: {
            appId: 'wx1',
            timeStamp: '1456790400',
            nonceStr: 'n',
            package: 'prepay_id=wx2018',
            signType: 'RSA',
            paySign: 'c2lnbg==',
          },
        },
      };
      upstream.use(async (charge) => ({ status: 'pending', credential: rich[charge.method] }));
      const billed = async (channel: string, extra: Record<string, unknown> = {}) => {
        const answer = await bill({
          channel,
          billNum: `RICH-${channel}`,
          totalFee: 1,
          subject: 's',
          ...extra,
        });
        const { code, msg, err, id, ...data } = answer.body;
        expect({ code, msg, err }).toEqual({ code: 0, msg: 'OK', err: '' });
        expect(id).toMatch(/^ch_/);
        return data;
      };
      const returnUrl = 'https://shop.test/r';
      expect(await billed('ali_app')).toEqual({ ali_app: 'app_id=2016&biz_content=x&sign=abc' });
      expect(await billed('ali_web', { returnUrl })).toEqual({
        ali_web: 'https://openapi.alipay.com/gateway.do?x=1',
      });
      expect(await billed('ali_qrcode', { returnUrl })).toEqual({ url: 'https://qr.alipay.com/bax01' });
      expect(await billed('wx_native')).toEqual({
        codeUrl: 'weixin://wxpay/bizpayurl?pr=abc',
        prepayid: 'wx2017',
      });
      expect(await billed('wx_app')).toEqual({
        appid: 'wxd930ea5d5a258f4f',
        partnerid: '1900000109',
        prepayid: 'wx2016',
        package: 'Sign=WXPay',
        noncestr: 'n0nce',
        timestamp: '1456790400',
        sign: 'C380BEC2BFD727A4B6845133519F3AD6',
      });
      expect(await billed('wx_jsapi', { openid: 'o1' })).toEqual({
        appId: 'wx1',
        timeStamp: '1456790400',
        nonceStr: 'n',
        package: 'prepay_id=wx2018',
        signType: 'RSA',
        paySign: 'c2lnbg==',
      });
      expect(await billed('un_app')).toEqual({ tn: '201603011122334455667' });
      expect(await billed('un_web', { returnUrl })).toEqual({
        html: '<form action="https://gateway.95516.com"></form>',
      });
    });

    it('a declined bill is CHANNEL_ERROR with the id of the failed bill', async () => {
      upstream.use(async () => ({
        status: 'failed',
        failureCode: 'ORDERPAID',
        failureMessage: '该订单已支付',
      }));
      const answer = await bill({ channel: 'wx_native', billNum: 'DECLINED-1', totalFee: 1, subject: 's' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ code: 7, msg: 'CHANNEL_ERROR', err: '该订单已支付', id: answer.body.id });
      expect(await findCharge(core.db, answer.body.id)).toMatchObject({
        status: 'failed',
        failureCode: 'ORDERPAID',
      });
    });

    it('a channel error is CHANNEL_ERROR, and the failed attempt does not block a new bill', async () => {
      upstream.use(async () => {
        throw new JuheError('channel_error', 'upstream said SYSTEMERROR');
      });
      const answer = await bill({ channel: 'wx_native', billNum: 'BROKEN-1', totalFee: 1, subject: 's' });
      expect(answer.body).toEqual({ code: 7, msg: 'CHANNEL_ERROR', err: 'upstream said SYSTEMERROR' });
      upstream.use(null);
      const again = await bill({ channel: 'wx_native', billNum: 'BROKEN-1', totalFee: 1, subject: 's' });
      expect(again.body.code).toBe(0);
      expect((await findCharge(core.db, again.body.id))!.attempt).toBe(2);
    });

    it('a timed-out channel leaves the bill pending and answers CHANNEL_ERROR with its id', async () => {
      upstream.use(async () => {
        throw new Error('socket hang up');
      });
      const answer = await bill({ channel: 'ali_app', billNum: 'TIMEOUT-1', totalFee: 1, subject: 's' });
      // Asked about within the request, still unknown: the bill is left to the poller.
      expect(answer.body).toEqual({
        code: 7,
        msg: 'CHANNEL_ERROR',
        err: 'The channel did not answer in time',
        id: expect.stringMatching(/^ch_[0-9a-f]{24}$/),
      });
      expect(await findCharge(core.db, answer.body.id)).toMatchObject({
        status: 'pending',
        credential: null,
      });
    });
  });

  it('answers an unknown MaxPay path with a MaxPay body', async () => {
    const answer = await post('/2.0/maxpay/refund', {}, session(keys));
    expect(answer).toEqual({
      status: 404,
      body: { code: 5, msg: 'PARAM_INVALID', err: 'No route POST /2.0/maxpay/refund' },
    });
  });
});
