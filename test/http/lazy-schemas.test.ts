import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createUser } from '../../src/http/admin/auth-routes.js';
import { compileAllSchemas } from '../../src/http/lazy-schemas.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';

/**
 * Route schemas compile on first use (start-up time), so a broken schema would otherwise
 * surface only when its route is first called: this compiles every one of a full test-mode
 * server (admin API, dialects, simulators) and checks a lazily compiled validator still
 * refuses, coerces and reports like fastify's eager one.
 */
describe('lazily compiled route schemas', () => {
  let core: TestCore;
  let server: FastifyInstance;
  beforeAll(async () => {
    core = await testCore('pglite');
    server = await buildServer({ core });
    await server.ready();
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it('every route schema of the server compiles', () => {
    expect(() => compileAllSchemas(server)).not.toThrow();
  });

  it('a lazily compiled validator refuses with the field it names and coerces query values', async () => {
    const user = await createUser(core, { email: 'lazy@test.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'lazy', role: 'owner' });
    const headers = { authorization: `Bearer ${token}` };
    const refused = await server.inject({ method: 'GET', url: '/api/v1/charges?limit=abc', headers });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/limit/);
    const coerced = await server.inject({ method: 'GET', url: '/api/v1/charges?limit=5', headers });
    expect(coerced.statusCode).toBe(200);
    const login = await server.inject({ method: 'POST', url: '/api/v1/login', payload: { email: 1 } });
    expect(login.statusCode).toBe(400);
  });
});
