import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';

/**
 * Every answer, HTML pages first, says it may not be framed by another site and may not be
 * sniffed into another type (issue: payer pages could be framed for clickjacking).
 */
describe('security headers', () => {
  let core: TestCore;
  let server: FastifyInstance;
  beforeAll(async () => {
    core = await testCore('pglite');
    server = await buildServer({ core });
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it.each([
    ['the API docs page', '/api/docs/'],
    ["the unified cashier's entry page", '/pay.html'],
    ['an unknown path', '/nothing-here'],
    ['the admin API', '/api/v1/charges'],
  ])('%s cannot be framed or sniffed', async (_what, url) => {
    const res = await server.inject({ method: 'GET', url });
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("default-src 'self'");
  });

  it('an HTML page is served as HTML with the policy', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBeDefined();
  });
});
