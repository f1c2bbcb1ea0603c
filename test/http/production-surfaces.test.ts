import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';

/**
 * Production serves no simulator and keeps its operator surfaces (metrics, API docs) to an
 * operator token (issue #15.9: with NODE_ENV=production, /sandbox, /api/docs and /metrics
 * answered anyone). Development keeps them open, so a newcomer reads the docs at once.
 */
const SIMULATOR_PAGE =
  '/sandbox/wechatpay/connect/oauth2/authorize?appid=wx&redirect_uri=http%3A%2F%2Fa.b%2F';
const TOKEN = 'ops-token-0123456789abcdefghij';

describe('production surfaces', () => {
  let core: TestCore;
  let open: FastifyInstance;
  let guarded: FastifyInstance;
  let dark: FastifyInstance;
  beforeAll(async () => {
    core = await testCore('pglite');
    open = await buildServer({ core });
    guarded = await buildServer({ core, sandbox: false, ops: { open: false, token: TOKEN } });
    dark = await buildServer({ core, sandbox: false, ops: { open: false, token: null } });
  });
  afterAll(async () => {
    await Promise.all([open.close(), guarded.close(), dark.close()]);
    await core.drop();
  });

  it('development serves the simulators, the docs and the metrics to anyone', async () => {
    expect((await open.inject({ url: SIMULATOR_PAGE })).statusCode).not.toBe(404);
    expect((await open.inject({ url: '/api/docs/' })).statusCode).toBe(200);
    expect((await open.inject({ url: '/api/openapi.json' })).statusCode).toBe(200);
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('production serves no simulator', async () => {
    const res = await guarded.inject({ url: SIMULATOR_PAGE });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it.each(['/metrics', '/api/docs/', '/api/openapi.json', '/api/docs/static/index.html'])(
    'production keeps %s to the operator token',
    async (url) => {
      const anonymous = await guarded.inject({ url });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toContain('Bearer');
      expect(anonymous.body).not.toContain('juhe_http_requests_total');
      const wrong = await guarded.inject({ url, headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.statusCode).toBe(401);
      const operator = await guarded.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(operator.statusCode).toBeLessThan(400);
    },
  );

  it('without an operator token they do not exist', async () => {
    for (const url of ['/metrics', '/api/docs/', '/api/openapi.json']) {
      const res = await dark.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(404);
    }
  });

  it('the merchant surfaces stay served in production', async () => {
    expect((await dark.inject({ url: '/readyz' })).statusCode).toBe(200);
    const admin = await dark.inject({ url: '/api/v1/charges' });
    expect(admin.statusCode).toBe(401);
  });
});
