import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/channels/_kit/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { getAppCredential, revokeCredential } from '../../src/core/apps/credentials.js';
import { applyChargeResult, applyRefundResult } from '../../src/core/channel-results/apply-channel-result.js';
import { findCharge } from '../../src/db/charges.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { newPaymaxApp } from './paymax-app.js';
import { type Answer, type PaymaxClient, clientOf } from './paymax-client.js';
import { rowCounts } from './row-counts.js';
import { CHARGE_KEYS, REFUND_KEYS } from './paymax-object-keys.js';

/** Alipay with merchant-confirmed refunds, as Alipay's instant-payment refunds were: refunds stay pending. */
function confirmingAlipay(): Connector {
  return { ...sandboxConnector(), name: 'alipay-confirming', refund: async () => ({ status: 'pending' }) };
}

/**
 * The Paymax merchant API end to end, through a client written from the document
 * (paymax-client.ts) against a listening server, on both engines.
 */
describe.each(engines())('paymax merchant API end to end (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let base: string;
  let test: IssuedCredentials;
  let other: IssuedCredentials;
  let live: IssuedCredentials;
  let client: PaymaxClient;
  let orderSeq = 0;

  const orderNo = () => `PM${Date.now().toString().slice(-8)}${String(++orderSeq).padStart(4, '0')}`;
  const chargeBody = (overrides: Record<string, unknown> = {}) => ({
    order_no: orderNo(),
    amount: 3.21,
    subject: '我系商品测试',
    body: '我系中文 body',
    channel: 'alipay_app',
    app: test.paymax.app,
    client_ip: '127.0.0.1',
    ...overrides,
  });

  const counts = () => rowCounts(core, ['charges', 'refunds', 'events', 'outbox']);

  /** Runs a request that must be refused with this status and code and change nothing. */
  async function refused(status: number, code: string, send: () => Promise<Answer>): Promise<Answer> {
    const before = await counts();
    const answer = await send();
    expect(answer.error?.failure_code, JSON.stringify(answer.error ?? answer.data)).toBe(code);
    expect(answer.status).toBe(status);
    expect(answer.error!.failure_msg.length).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
    return answer;
  }

  async function paidCharge(overrides: Record<string, unknown> = {}) {
    const created = await client.post('/v1/charges', chargeBody(overrides));
    expect(created.status).toBe(200);
    await applyChargeResult(core, created.data.id, {
      status: 'succeeded',
      transactionNo: `TX${created.data.id}`,
    });
    return created.data;
  }

  beforeAll(async () => {
    // Connectors pinned: this suite tests the dialect against core's contract, whatever
    // simulator-backed connectors the registry gains. Alipay refunds wait for confirmation.
    const sandbox = sandboxConnector();
    const connectors = connectorRegistry({
      alipay: confirmingAlipay(),
      wechatpay: sandbox,
      applepay: sandbox,
      lakala: sandbox,
    });
    core = await testCore(engine, { connectors });
    test = (await newPaymaxApp(core, false)).credentials;
    other = (await newPaymaxApp(core, false)).credentials;
    live = (await newPaymaxApp(core, true)).credentials;
    ({ server, base } = await startGateway(core));
    client = clientOf(base, test);
  });

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it('creates a charge and answers the documented Charge object, signed', async () => {
    const now = core.clock.now().getTime();
    const body = chargeBody({
      amount: 2.01,
      description: '订单备注',
      metadata: { cart: 'c-1', items: 3 },
      currency: 'cny',
    });
    const answer = await client.post('/v1/charges', body);
    expect(answer.status).toBe(200);
    const charge = answer.data;
    // Keys in alphabetical order, like the real service, and every documented field present.
    expect(Object.keys(charge)).toEqual(CHARGE_KEYS);
    expect(charge.id).toMatch(/^ch_[0-9a-f]{24}$/);
    expect(charge).toEqual({
      amount: 2.01,
      amount_refunded: 0,
      amount_settle: 0,
      app: test.paymax.app,
      body: '我系中文 body',
      channel: 'alipay_app',
      client_ip: '127.0.0.1',
      credential: { alipay_app: { order_string: expect.stringContaining(charge.id) } },
      currency: 'cny',
      description: '订单备注',
      extra: {},
      failure_code: null,
      failure_msg: null,
      id: charge.id,
      livemode: false,
      metadata: { cart: 'c-1', items: 3 },
      order_no: body.order_no,
      refunded: false,
      refunds: [],
      status: 'PROCESSING',
      subject: '我系商品测试',
      time_created: now,
      time_expire: now + 60 * 60 * 1000,
      time_paid: null,
      time_settle: null,
      transaction_no: null,
    });
    // Printed exactly: "amount":2.01 in the signed text, 201 fen in the database.
    expect(answer.resData).toContain('"amount":2.01,');
    const stored = await findCharge(core.db, charge.id);
    expect(stored).toMatchObject({
      amount: 201,
      currency: 'CNY',
      channel: 'alipay',
      method: 'app',
      dialect: 'paymax',
      livemode: false,
      orderNo: body.order_no,
    });
  });

  it('maps every channel code to its provider and method, with its credential under the code', async () => {
    const cases: Array<[string, string, string, Record<string, unknown>, string]> = [
      ['alipay_app', 'alipay', 'app', {}, 'order_string'],
      ['wechat_app', 'wechatpay', 'app', {}, 'order_string'],
      ['apple_pay_app', 'applepay', 'app', {}, 'order_string'],
      ['wechat_wap', 'wechatpay', 'jsapi', { open_id: 'obc-jswk25IUGp3q8RPTYu083rmk' }, 'jsapi'],
      ['wechat_csb', 'wechatpay', 'qr', {}, 'qr_code'],
      ['alipay_web', 'alipay', 'page', { return_url: 'https://shop.example/done' }, 'pay_url'],
      ['lakala_web', 'lakala', 'page', { user_id: 'aaa111' }, 'pay_url'],
      [
        'lakala_app',
        'lakala',
        'app',
        { user_id: 'aaa111', return_url: 'http://www.abc.cn/' },
        'order_string',
      ],
      [
        'lakala_h5',
        'lakala',
        'h5',
        { user_id: 'aaa111', return_url: 'http://www.abc.cn/', show_url: 'http://www.abc.cn/c' },
        'pay_url',
      ],
    ];
    for (const [code, provider, method, extra, credentialKey] of cases) {
      const answer = await client.post('/v1/charges', chargeBody({ channel: code, extra }));
      expect(answer.status, code).toBe(200);
      expect(answer.data.channel).toBe(code);
      expect(answer.data.extra).toEqual(extra);
      expect(Object.keys(answer.data.credential)).toEqual([code]);
      expect(Object.keys(answer.data.credential[code])).toEqual([credentialKey]);
      const stored = await findCharge(core.db, answer.data.id);
      expect([stored!.channel, stored!.method], code).toEqual([provider, method]);
      if (extra.return_url) expect(stored!.returnUrl).toBe(extra.return_url);
    }
  });

  it('defaults time_expire to 1 hour, keeps a given one, and limits wechat_wap to 3 minutes', async () => {
    const now = core.clock.now().getTime();
    const given = await client.post('/v1/charges', chargeBody({ time_expire: now + 10 * 60 * 1000 }));
    expect(given.data.time_expire).toBe(now + 10 * 60 * 1000);
    const wapDefault = await client.post(
      '/v1/charges',
      chargeBody({ channel: 'wechat_wap', extra: { open_id: 'o1' } }),
    );
    expect(wapDefault.data.time_expire).toBe(now + 3 * 60 * 1000);
    const wapLong = await client.post(
      '/v1/charges',
      chargeBody({ channel: 'wechat_wap', extra: { open_id: 'o1' }, time_expire: now + 60 * 60 * 1000 }),
    );
    expect(wapLong.data.time_expire).toBe(now + 3 * 60 * 1000);
    const wapShort = await client.post(
      '/v1/charges',
      chargeBody({ channel: 'wechat_wap', extra: { open_id: 'o1' }, time_expire: now + 60 * 1000 }),
    );
    expect(wapShort.data.time_expire).toBe(now + 60 * 1000);
  });

  it('accepts the boundary values the document allows', async () => {
    // The document's own example, the Java SDK example's UUID (as in the captured webhooks), the bounds.
    const accepted = ['A1b2C3d4', '12345678901234567890', 'paymax-11110002', randomUUID(), 'x_'.repeat(32)];
    for (const order of accepted) {
      const answer = await client.post('/v1/charges', chargeBody({ order_no: order }));
      expect(answer.status, order).toBe(200);
    }
    const wide = await client.post(
      '/v1/charges',
      chargeBody({
        subject: '商'.repeat(32),
        body: '品'.repeat(128),
        description: '注'.repeat(300),
        amount: '0.01',
        currency: 'CNY',
      }),
    );
    expect(wide.status).toBe(200);
    expect(wide.data.amount).toBe(0.01);
    expect(wide.data.currency).toBe('cny');
  });

  it('retrieves a charge through its whole life: PROCESSING, SUCCEED, partly and fully refunded', async () => {
    const created = await client.post('/v1/charges', chargeBody({ channel: 'wechat_app' }));
    const id = created.data.id;
    const fresh = await client.get(`/v1/charges/${id}`);
    expect(fresh.status).toBe(200);
    expect(fresh.data).toEqual(created.data);

    core.clock.advance(30_000);
    const paidAt = core.clock.now().getTime();
    await applyChargeResult(core, id, { status: 'succeeded', transactionNo: '4200000001201706' });
    const paid = (await client.get(`/v1/charges/${id}`)).data;
    expect(paid).toMatchObject({
      status: 'SUCCEED',
      time_paid: paidAt,
      transaction_no: '4200000001201706',
      refunded: false,
      amount_refunded: 0,
    });

    core.clock.advance(1000);
    const partial = await client.post(`/v1/charges/${id}/refunds`, {
      amount: 1.2,
      description: '部分退款',
      metadata: { reason: 'size' },
    });
    expect(partial.status).toBe(200);
    expect(Object.keys(partial.data)).toEqual(REFUND_KEYS);
    expect(partial.data).toEqual({
      amount: 1.2,
      charge: id,
      description: '部分退款',
      extra: {},
      failure_code: null,
      failure_msg: null,
      id: expect.stringMatching(/^re_[0-9a-f]{24}$/),
      metadata: { reason: 'size' },
      order_no: created.data.order_no,
      status: 'SUCCEED',
      time_created: core.clock.now().getTime(),
      time_succeed: core.clock.now().getTime(),
      transaction_no: expect.any(String),
    });
    const fetched = await client.get(`/v1/charges/${id}/refunds/${partial.data.id}`);
    expect(fetched.data).toEqual(partial.data);

    const afterPartial = (await client.get(`/v1/charges/${id}`)).data;
    expect(afterPartial).toMatchObject({ refunded: true, amount_refunded: 1.2, status: 'SUCCEED' });
    expect(afterPartial.refunds).toEqual([partial.data]);

    // No amount: everything still refundable (3.21 - 1.20).
    core.clock.advance(1000);
    const rest = await client.post(`/v1/charges/${id}/refunds`, { description: '全额退款' });
    expect(rest.status).toBe(200);
    expect(rest.data).toMatchObject({ amount: 2.01, status: 'SUCCEED', metadata: {} });
    const done = (await client.get(`/v1/charges/${id}`)).data;
    expect(done.amount_refunded).toBe(3.21);
    expect(done.refunds.map((r: any) => r.id)).toEqual([partial.data.id, rest.data.id]);

    await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
      client.post(`/v1/charges/${id}/refunds`, { amount: 0.01, description: 'again' }),
    );
    await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
      client.post(`/v1/charges/${id}/refunds`, { description: 'again' }),
    );
  });

  it('five Alipay refunds of one charge at once: one is PROCESSING, the others MULTI_REFUND_RECORDS', async () => {
    const charge = await paidCharge({ channel: 'alipay_web', amount: 10 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.post(`/v1/charges/${charge.id}/refunds`, { amount: 1, description: `退款${i}` }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.data.status).toBe('PROCESSING');
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status).toBe(400);
      expect(refused.error!.failure_code).toBe('MULTI_REFUND_RECORDS');
    }
    const rows = await core.db.query('SELECT id FROM refunds WHERE charge_id = $1', [charge.id]);
    expect(rows).toHaveLength(1);
  });

  it('answers Alipay refunds PROCESSING with extra.refundUrl, one at a time, until confirmed', async () => {
    const charge = await paidCharge({ channel: 'alipay_web', amount: 10 });
    const first = await client.post(`/v1/charges/${charge.id}/refunds`, { amount: 4, description: '退款一' });
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({
      status: 'PROCESSING',
      amount: 4,
      time_succeed: null,
      extra: { refundUrl: `${core.publicUrl}/sandbox/alipay/refund-confirm/${first.data.id}` },
    });
    expect((await client.get(`/v1/charges/${charge.id}`)).data).toMatchObject({
      refunded: true,
      amount_refunded: 0,
    });

    // Paymax keeps one refund in progress per charge.
    await refused(400, 'MULTI_REFUND_RECORDS', () =>
      client.post(`/v1/charges/${charge.id}/refunds`, { amount: 1, description: '退款二' }),
    );

    await applyRefundResult(core, first.data.id, { status: 'succeeded', transactionNo: '2017060521001' });
    const confirmed = await client.get(`/v1/charges/${charge.id}/refunds/${first.data.id}`);
    expect(confirmed.data).toMatchObject({ status: 'SUCCEED', extra: {}, transaction_no: '2017060521001' });
    expect(confirmed.data.time_succeed).toBe(core.clock.now().getTime());

    const second = await client.post(`/v1/charges/${charge.id}/refunds`, {
      amount: 1,
      description: '退款二',
    });
    expect(second.data.status).toBe('PROCESSING');
    await applyRefundResult(core, second.data.id, { status: 'failed', failureMessage: 'merchant declined' });
    const failed = await client.get(`/v1/charges/${charge.id}/refunds/${second.data.id}`);
    expect(failed.data).toMatchObject({
      status: 'FAILED',
      failure_code: 'CHANNEL_REFUND_FAILED',
      failure_msg: 'merchant declined',
      extra: {},
    });
    // A failed refund frees its amount again: 10 - 4 = 6 refundable.
    await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
      client.post(`/v1/charges/${charge.id}/refunds`, { amount: 6.01, description: 'too much' }),
    );
    const last = await client.post(`/v1/charges/${charge.id}/refunds`, { amount: 6, description: '余额' });
    expect(last.data).toMatchObject({ status: 'PROCESSING', amount: 6 });
  });

  it('serves the same API under /merchant-api/v1 and accepts the content types real clients send', async () => {
    const viaBase = await client.post('/merchant-api/v1/charges', chargeBody(), {
      contentType: 'application/json; charset=UTF-8',
    });
    expect(viaBase.status).toBe(200);
    expect((await client.get(`/merchant-api/v1/charges/${viaBase.data.id}`)).data.id).toBe(viaBase.data.id);
    for (const contentType of ['application/json;charset=utf-8;', 'text/plain', null]) {
      const answer = await client.post('/v1/charges', chargeBody(), { contentType });
      expect(answer.status, String(contentType)).toBe(200);
    }
  });

  it('reports a FAILED charge with the channel reason and an expired one as TimeOut', async () => {
    const declined = (await client.post('/v1/charges', chargeBody())).data;
    await applyChargeResult(core, declined.id, { status: 'failed', failureMessage: 'card declined' });
    expect((await client.get(`/v1/charges/${declined.id}`)).data).toMatchObject({
      status: 'FAILED',
      failure_code: 'CHANNEL_CHARGE_FAILED',
      failure_msg: 'card declined',
    });
    await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
      client.post(`/v1/charges/${declined.id}/refunds`, { description: 'refund of failed' }),
    );
  });

  it('stays exact under concurrency: one charge per order_no, refunds never exceed the amount paid', async () => {
    const body = chargeBody();
    const creates = await Promise.all(Array.from({ length: 6 }, () => client.post('/v1/charges', body)));
    expect(creates.filter((a) => a.status === 200)).toHaveLength(1);
    expect(creates.filter((a) => a.error?.failure_code === 'ORDER_NO_DUPLICATE')).toHaveLength(5);

    const paid = await paidCharge({ channel: 'wechat_app', amount: 3.21 });
    // Rounds of 8 concurrent 1.00 refunds until the money runs out. Each request either
    // succeeds or is refused: no money left, or (Paymax's one-refund-in-progress rule)
    // another refund of the charge was between its creation and the channel's answer.
    // Every round lets at least one through while money is left, so this ends.
    let succeeded = 0;
    let exhausted = false;
    for (let round = 0; round < 10 && !exhausted; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          client.post(`/v1/charges/${paid.id}/refunds`, { amount: 1, description: `r${round}-${i}` }),
        ),
      );
      for (const answer of answers) {
        if (answer.status === 200) {
          expect(answer.data).toMatchObject({ status: 'SUCCEED', amount: 1 });
          succeeded++;
        } else {
          expect(answer.status).toBe(400);
          expect(['AMOUNT_NOT_ENOUGH', 'MULTI_REFUND_RECORDS']).toContain(answer.error!.failure_code);
        }
      }
      exhausted = answers.every((a) => a.error?.failure_code === 'AMOUNT_NOT_ENOUGH');
    }
    expect(exhausted).toBe(true);
    expect(succeeded).toBe(3);
    const final = (await client.get(`/v1/charges/${paid.id}`)).data;
    expect(final.amount_refunded).toBe(3);
    expect(final.refunds).toHaveLength(3);
  });

  describe('refusals: documented status and code, nothing changed', () => {
    it('authenticates by secret key (401 SECRET_KEY_IS_BLANK / SECRET_KEY_IS_INVALID)', async () => {
      await refused(401, 'SECRET_KEY_IS_BLANK', () =>
        client.post('/v1/charges', chargeBody(), { secretKey: null }),
      );
      await refused(401, 'SECRET_KEY_IS_BLANK', () =>
        client.post('/v1/charges', chargeBody(), { secretKey: '   ' }),
      );
      await refused(401, 'SECRET_KEY_IS_INVALID', () =>
        client.post('/v1/charges', chargeBody(), { secretKey: 'sk_test_not_a_key' }),
      );
      // A live key with a test key's app, and an existing key of another app.
      await refused(401, 'SECRET_KEY_IS_INVALID', () =>
        client.post('/v1/charges', chargeBody(), { secretKey: test.paymax.secretKey + 'x' }),
      );
      const paid = await paidCharge();
      await refused(401, 'SECRET_KEY_IS_BLANK', () =>
        client.get(`/v1/charges/${paid.id}`, { secretKey: null }),
      );
      await refused(401, 'SECRET_KEY_IS_INVALID', () =>
        client.get(`/v1/charges/${paid.id}`, { secretKey: 'nope' }),
      );
      await refused(401, 'SECRET_KEY_IS_INVALID', () =>
        client.post(`/v1/charges/${paid.id}/refunds`, { description: 'x' }, { secretKey: 'nope' }),
      );
    });

    it('checks the sign over the raw body (401 SIGN_CHECK_FAILED)', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      await refused(401, 'SIGN_CHECK_FAILED', () => client.post('/v1/charges', chargeBody(), { sign: null }));
      await refused(401, 'SIGN_CHECK_FAILED', () => client.post('/v1/charges', chargeBody(), { sign: '' }));
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post('/v1/charges', chargeBody(), { sign: 'bm90IGEgc2lnbg==' }),
      );
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post('/v1/charges', chargeBody(), { privateKeyPem: stranger }),
      );
      // Altered after signing: amount, then just whitespace.
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post('/v1/charges', chargeBody(), {
          tamper: (raw) => raw.replace('"amount":3.21', '"amount":0.01'),
        }),
      );
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post('/v1/charges', chargeBody(), { tamper: (raw) => raw + '\n' }),
      );
      // Another app's merchant key signing with this app's secret key.
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post('/v1/charges', chargeBody(), { privateKeyPem: other.paymax.merchantPrivateKeyPem! }),
      );
      const paid = await paidCharge();
      await refused(401, 'SIGN_CHECK_FAILED', () =>
        client.post(
          `/v1/charges/${paid.id}/refunds`,
          { description: 'x' },
          { tamper: (raw) => raw.replace('x', 'y') },
        ),
      );
    });

    it('refuses a body for another app (400 APP_NOT_EXIST)', async () => {
      await refused(400, 'APP_NOT_EXIST', () =>
        client.post('/v1/charges', chargeBody({ app: other.paymax.app })),
      );
      await refused(400, 'APP_NOT_EXIST', () =>
        client.post('/v1/charges', chargeBody({ app: 'app_doesnotexist' })),
      );
      // The same app key's live credentials are another credential: a test key cannot name a live app.
      await refused(400, 'APP_NOT_EXIST', () =>
        client.post('/v1/charges', chargeBody({ app: live.paymax.app })),
      );
    });

    it('refuses missing and wrongly typed fields (400 ILLEGAL_ARGUMENT)', async () => {
      for (const field of ['order_no', 'amount', 'subject', 'body', 'channel', 'app', 'client_ip']) {
        const body: Record<string, unknown> = chargeBody();
        delete body[field];
        const answer = await refused(400, 'ILLEGAL_ARGUMENT', () => client.post('/v1/charges', body));
        expect(answer.error!.failure_msg).toContain(field);
      }
      const wrongTypes: Array<Record<string, unknown>> = [
        { order_no: 12345678 },
        { amount: 'abc' },
        { amount: true },
        { amount: { value: 1 } },
        { subject: 5 },
        { body: ['b'] },
        { channel: 1 },
        { client_ip: 'localhost' },
        { client_ip: 127001 },
        { description: 3 },
        { extra: 'open_id=1' },
        { metadata: ['a'] },
        { time_expire: 'tomorrow' },
        { time_expire: 1496655202 },
        { time_expire: core.clock.now().getTime() - 1 },
        { subject: '   ' },
      ];
      for (const overrides of wrongTypes) {
        await refused(400, 'ILLEGAL_ARGUMENT', () => client.post('/v1/charges', chargeBody(overrides)));
      }
      for (const raw of ['{"order_no":', '[1,2]', '"text"', '', 'null']) {
        await refused(400, 'ILLEGAL_ARGUMENT', () => client.post('/v1/charges', raw));
      }
    });

    it('enforces order_no, length and amount rules (400 ILLEGAL_ARGUMENT)', async () => {
      for (const order of [
        '1234567',
        'x'.repeat(65),
        'order 12345',
        'abc#12345',
        'a/b.c+12345',
        '订单12345678',
        '',
      ]) {
        await refused(400, 'ILLEGAL_ARGUMENT', () =>
          client.post('/v1/charges', chargeBody({ order_no: order })),
        );
      }
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ subject: 's'.repeat(33) })),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ body: 'b'.repeat(129) })),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ description: 'd'.repeat(301) })),
      );
      for (const amount of [1.001, '2.015', -1, '-1.00', 0, 0.0, '0.00', 1e21, Number.MAX_VALUE]) {
        const answer = await refused(400, 'ILLEGAL_ARGUMENT', () =>
          client.post('/v1/charges', chargeBody({ amount })),
        );
        expect(answer.error!.failure_msg).toContain('amount');
      }
      for (const currency of ['usd', 'USD', 'rmb', 1]) {
        await refused(400, 'ILLEGAL_ARGUMENT', () => client.post('/v1/charges', chargeBody({ currency })));
      }
    });

    it('refuses unknown channels and missing channel extras', async () => {
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ channel: 'bitcoin_app' })),
      );
      // (wechat_wap without open_id is the hosted page's: paymax-july2016.test.ts; a malformed one is refused.)
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ channel: 'wechat_wap', extra: { open_id: 7 } })),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ channel: 'lakala_web' })),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ channel: 'lakala_app', extra: { user_id: 'aaa111' } })),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post(
          '/v1/charges',
          chargeBody({ channel: 'lakala_app', extra: { user_id: 'a', return_url: 'ftp://x' } }),
        ),
      );
    });

    it('refuses a channel the app has not opened in live mode (400 CHANNEL_NOT_AVAILABLE)', async () => {
      const liveClient = clientOf(base, live);
      await refused(400, 'CHANNEL_NOT_AVAILABLE', () =>
        liveClient.post('/v1/charges', chargeBody({ app: live.paymax.app, channel: 'wechat_app' })),
      );
      await refused(400, 'CHANNEL_NOT_AVAILABLE', () =>
        liveClient.post('/v1/charges', chargeBody({ app: live.paymax.app, channel: 'alipay_app' })),
      );
    });

    it('refuses a duplicate order_no (400 ORDER_NO_DUPLICATE)', async () => {
      const body = chargeBody();
      expect((await client.post('/v1/charges', body)).status).toBe(200);
      await refused(400, 'ORDER_NO_DUPLICATE', () => client.post('/v1/charges', { ...body, amount: 9.99 }));
      // Order numbers are per app: another app may use the same one.
      const otherClient = clientOf(base, other);
      expect((await otherClient.post('/v1/charges', { ...body, app: other.paymax.app })).status).toBe(200);
    });

    it('refuses unknown or foreign charges and refunds (400 ORDER_NO_NOT_EXIST)', async () => {
      const paid = await paidCharge();
      const otherClient = clientOf(base, other);
      await refused(400, 'ORDER_NO_NOT_EXIST', () => client.get('/v1/charges/ch_000000000000000000000000'));
      await refused(400, 'ORDER_NO_NOT_EXIST', () => otherClient.get(`/v1/charges/${paid.id}`));
      await refused(400, 'ORDER_NO_NOT_EXIST', () =>
        client.post('/v1/charges/ch_000000000000000000000000/refunds', { description: 'x' }),
      );
      await refused(400, 'ORDER_NO_NOT_EXIST', () =>
        otherClient.post(`/v1/charges/${paid.id}/refunds`, { description: 'x' }),
      );
      const refund = await client.post(`/v1/charges/${paid.id}/refunds`, { amount: 1, description: 'one' });
      await refused(400, 'ORDER_NO_NOT_EXIST', () =>
        client.get(`/v1/charges/${paid.id}/refunds/re_000000000000000000000000`),
      );
      const another = await paidCharge();
      await refused(400, 'ORDER_NO_NOT_EXIST', () =>
        client.get(`/v1/charges/${another.id}/refunds/${refund.data.id}`),
      );
    });

    it('validates refund requests and refuses over-refunds and unpaid charges', async () => {
      const paid = await paidCharge({ amount: 3.21, channel: 'wechat_app' });
      await refused(400, 'ILLEGAL_ARGUMENT', () => client.post(`/v1/charges/${paid.id}/refunds`, {}));
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post(`/v1/charges/${paid.id}/refunds`, { description: 7 }),
      );
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post(`/v1/charges/${paid.id}/refunds`, { description: 'd'.repeat(301) }),
      );
      for (const amount of [1.001, 0, -1, 'one']) {
        await refused(400, 'ILLEGAL_ARGUMENT', () =>
          client.post(`/v1/charges/${paid.id}/refunds`, { amount, description: 'x' }),
        );
      }
      await refused(400, 'ILLEGAL_ARGUMENT', () =>
        client.post(`/v1/charges/${paid.id}/refunds`, { description: 'x', metadata: 'm' }),
      );
      await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
        client.post(`/v1/charges/${paid.id}/refunds`, { amount: 3.22, description: 'over' }),
      );
      const unpaid = (await client.post('/v1/charges', chargeBody())).data;
      await refused(400, 'AMOUNT_NOT_ENOUGH', () =>
        client.post(`/v1/charges/${unpaid.id}/refunds`, { description: 'not paid' }),
      );
      // The whole amount is still refundable after all those refusals.
      const full = await client.post(`/v1/charges/${paid.id}/refunds`, { amount: 3.21, description: 'all' });
      expect(full.data).toMatchObject({ status: 'SUCCEED', amount: 3.21 });
    });

    it('refuses a body over the size limit in the Paymax error shape (413 ILLEGAL_ARGUMENT)', async () => {
      await refused(413, 'ILLEGAL_ARGUMENT', () =>
        client.post('/v1/charges', chargeBody({ metadata: { pad: 'x'.repeat(1024 * 1024) } })),
      );
    });

    it('fails before creating anything when the app cannot sign answers (500 SYSTEM_ERROR)', async () => {
      const { appId, credentials: keyless } = await newPaymaxApp(core, false, {
        merchant: 'Keyless',
        app: 'Keyless app',
      });
      const platform = await getAppCredential(core.db, core.box, appId, 'platform', false);
      await revokeCredential(core.db, platform!.id, core.clock.now());
      const keylessClient = clientOf(base, keyless);
      const answer = await refused(500, 'SYSTEM_ERROR', () =>
        keylessClient.post('/v1/charges', chargeBody({ app: keyless.paymax.app })),
      );
      expect(answer.error!.failure_msg).toBe('系统内部错误');
    });

    it('answers unknown paths in the Paymax error shape', async () => {
      const response = await fetch(`${base}/v1/nothing-here`, {
        headers: { Authorization: test.paymax.secretKey },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        failure_code: 'ILLEGAL_ARGUMENT',
        failure_msg: expect.stringContaining('/v1/nothing-here'),
      });
    });
  });
});
