import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedApp } from '../support/fixtures.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, call, testServer } from '../support/server.js';

/**
 * A charge its channel could never start (a currency it does not take, a parameter its
 * method needs) used to be recorded as failed, with charge.created and charge.failed
 * webhooks, and burnt its order number: the corrected retry got 409. Now it is a 400 that
 * writes nothing, and the retry goes through.
 */
describe.each(engines())('admin create refused before anything is written (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  const rows = async () =>
    (
      await core.db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM events)::int AS events,
                (SELECT count(*) FROM outbox)::int AS outbox`,
      )
    )[0]!;
  const create = (body: Record<string, unknown>) =>
    call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: { app: appId, amount: 1000, currency: 'CNY', subject: 'Tea', ...body },
    });

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it.each([
    [
      'WeChat JSAPI without the openid',
      { channel: 'wechatpay', method: 'jsapi' },
      'missing_parameter',
      'openid',
    ],
    [
      'a WeChat barcode without the auth code',
      { channel: 'wechatpay', method: 'barcode' },
      'missing_parameter',
      'auth_code',
    ],
    [
      'Alipay in US dollars',
      { channel: 'alipay', method: 'qr', currency: 'USD' },
      'invalid_currency',
      'currency',
    ],
    [
      'an Alipay barcode without the auth code',
      { channel: 'alipay', method: 'barcode' },
      'missing_parameter',
      'extra.auth_code',
    ],
    [
      'UnionPay in US dollars',
      { channel: 'unionpay', method: 'page', currency: 'USD' },
      'channel_not_supported',
      'currency',
    ],
    ['an unsupported method', { channel: 'paypal', method: 'qr' }, 'channel_not_supported', 'channel'],
  ])('%s: 400 naming the parameter, nothing written', async (_what, body, code, param) => {
    const before = await rows();
    const orderNo = `refused-${code}-${param}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await create({ ...body, order_no: orderNo });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, param });
    expect(await rows()).toEqual(before);
  });

  it('the corrected retry with the same order number goes through', async () => {
    const refused = await create({ order_no: 'tea-42', channel: 'wechatpay', method: 'jsapi' });
    expect(refused.status).toBe(400);
    const retried = await create({
      order_no: 'tea-42',
      channel: 'wechatpay',
      method: 'jsapi',
      extra: { openid: 'o-payer-1' },
    });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ order_no: 'tea-42', status: 'pending' });
  });
});
