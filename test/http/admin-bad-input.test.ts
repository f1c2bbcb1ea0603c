import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createUser } from '../../src/http/admin/auth-routes.js';
import { buildServer } from '../../src/http/server.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';

/**
 * A client's mistake is never a 5xx in the admin API: malformed cookies, text PostgreSQL
 * cannot store, dates JS or PostgreSQL cannot represent and oversized bodies are each a 4xx
 * in the native shape, naming the parameter where there is one. Injected, so the exact bytes
 * reach the server.
 */
describe.each(engines())('admin API bad input (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let appId: string;
  let owner: string;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await buildServer({ core });
    appId = (await seedApp(core)).app.id;
    const user = await createUser(core, { email: 'owner@test.local', password: 'password1', role: 'owner' });
    owner = (await createApiToken(core, { userId: user.id, name: 'owner', role: 'owner' })).token;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  const countCharges = async () =>
    (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges'))[0]!.n;
  const get = (url: string) =>
    server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner}` } });
  const postCharge = (extra: Record<string, unknown>) =>
    server.inject({
      method: 'POST',
      url: '/api/v1/charges',
      headers: { authorization: `Bearer ${owner}` },
      payload: {
        app: appId,
        order_no: `bad-${Math.random()}`,
        channel: 'alipay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'Tea',
        ...extra,
      },
    });
  const expectRefused = (res: { statusCode: number; json(): any }, param: string) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_parameter', param } });
  };

  it('a malformed session cookie is no session: 401, not 500', async () => {
    for (const cookie of ['juhe_session=%ZZ', 'juhe_session=%', 'juhe_session=%E0%A4%A', 'juhe_session=']) {
      const res = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
      expect(res.statusCode, cookie).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it.each([
    ['NUL', 'Tea\u0000'],
    ['a lone high surrogate', 'Tea\ud800'],
    ['a lone low surrogate', '\udc00Tea'],
  ])('%s in a JSON field is a 400 naming it, and stores nothing', async (_case, subject) => {
    const before = await countCharges();
    expectRefused(await postCharge({ subject }), 'subject');
    expectRefused(await postCharge({ metadata: { note: subject } }), 'metadata.note');
    expectRefused(await postCharge({ extra: { ['k' + subject]: 1 } }), 'extra.k' + subject);
    expect(await countCharges()).toBe(before);
  });

  it('NUL in a query parameter is a 400 naming it', async () => {
    expectRefused(await get('/api/v1/charges?order_no=a%00b'), 'order_no');
    expectRefused(await get('/api/v1/refunds?charge=%00'), 'charge');
  });

  it.each([['1e400'], ['Infinity'], ['-1e999']])(
    'a page size of %s (ajv coerces it to an infinite integer) is a 400 naming it',
    async (limit) => {
      for (const list of ['charges', 'refunds', 'events', 'deliveries']) {
        expectRefused(await get(`/api/v1/${list}?limit=${limit}`), 'limit');
      }
    },
  );

  it('an amount literal that overflows to Infinity in JSON is a 400, and stores nothing', async () => {
    const before = await countCharges();
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/charges',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      payload: `{"app":"${appId}","order_no":"overflow-1","channel":"alipay","method":"qr","amount":1e400,"currency":"CNY","subject":"Tea"}`,
    });
    expect(res.statusCode).toBe(400);
    expect(await countCharges()).toBe(before);
  });

  it.each([
    ['a leap second', '1969-12-31T23:59:60Z'],
    ['a leap second on a real leap-second day', '2016-12-31T23:59:60Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['year 9999 pushed into 10000 by its offset', '9999-12-31T23:59:59-01:00'],
    ['before 1970', '1969-12-31T23:59:59Z'],
  ])('%s is a 400 naming the date parameter', async (_case, date) => {
    const encoded = encodeURIComponent(date);
    expectRefused(await get(`/api/v1/charges?created_gte=${encoded}`), 'created_gte');
    expectRefused(await get(`/api/v1/charges?created_lte=${encoded}`), 'created_lte');
    expectRefused(await get(`/api/v1/deliveries?created_gte=${encoded}`), 'created_gte');
    expectRefused(await get(`/api/v1/deliveries?created_lt=${encoded}`), 'created_lt');
    const before = await countCharges();
    expectRefused(await postCharge({ expires_at: date }), 'expires_at');
    expect(await countCharges()).toBe(before);
  });

  it('an ordinary date still filters', async () => {
    expect((await get('/api/v1/charges?created_gte=2020-01-01T00:00:00Z')).statusCode).toBe(200);
    expect((await get('/api/v1/deliveries?created_lt=2998-01-01T00:00:00%2B08:00')).statusCode).toBe(200);
  });

  it('a body over the limit is a 413 in the native shape', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/charges',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ subject: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('a path fastify refuses under /merchant-api/v1 keeps the Paymax shape', async () => {
    const res = await server.inject({ method: 'GET', url: '/merchant-api/v1/charges/ch_%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json()).sort()).toEqual(['failure_code', 'failure_msg']);
  });
});
