import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';

/**
 * Paths fastify refuses before routing (broken percent-encoding, a parameter over its
 * length limit) are answered in the API's own error shape, as a 400 that changes nothing.
 * Injected, so the exact bytes of the path reach the router.
 */
describe('requests refused before routing', () => {
  let core: TestCore;
  let secretKey: string;
  let server: FastifyInstance;
  beforeAll(async () => {
    core = await testCore('pglite');
    secretKey = (await seedApp(core)).credentials.paymax.secretKey;
    server = await buildServer({ core });
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it.each([
    ['a broken percent-encoding', '/v1/charges/ch_%E0%A4%A'],
    ['an id over the parameter limit', `/v1/charges/ch_${'a'.repeat(150)}`],
    ['the same on a refund path', `/v1/charges/ch_${'a'.repeat(150)}/refunds/re_1`],
  ])('Paymax: %s is a bare ILLEGAL_ARGUMENT failure', async (_case, url) => {
    const res = await server.inject({ method: 'GET', url, headers: { authorization: secretKey } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['failure_code', 'failure_msg']);
    expect(body.failure_code).toBe('ILLEGAL_ARGUMENT');
  });

  it('the admin API answers in its native error shape', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/v1/charges/ch_%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
