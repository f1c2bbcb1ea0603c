import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOGIN_LIMITS } from '../../src/core/auth/login-limits.js';
import { UNKNOWN_USER_HASH, passwordWork } from '../../src/core/auth/passwords.js';
import { createUser } from '../../src/http/admin/auth-routes.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { startGateway } from '../dialects/gateway.js';
import { newShop } from '../dialects/store-shop.js';

const login = (server: TestServer, email: string, password: string) =>
  call(server, 'POST', '/api/v1/login', { body: { email, password } });

describe.each(engines())('login limits (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    await createUser(core, { email: 'kim@example.com', password: 'right password', role: 'viewer' });
    await createUser(core, { email: 'lee@example.com', password: 'right password', role: 'viewer' });
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it('hashes for an unknown email exactly as for a known one', async () => {
    const verify = vi.spyOn(passwordWork, 'verify');
    try {
      expect((await login(server, 'nobody@example.com', 'guess')).status).toBe(401);
      expect((await login(server, 'lee@example.com', 'guess')).status).toBe(401);
      expect(verify).toHaveBeenCalledTimes(2);
      expect(verify.mock.calls[0]![1]).toBe(UNKNOWN_USER_HASH);
      expect(verify.mock.calls[1]![1]).toMatch(/^scrypt\$/);
    } finally {
      verify.mockRestore();
    }
  });

  it('answers 429 with Retry-After once an account has too many wrong passwords', async () => {
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      expect((await login(server, 'kim@example.com', `wrong ${i}`)).status).toBe(401);
    }
    const verify = vi.spyOn(passwordWork, 'verify');
    try {
      const limited = await login(server, 'kim@example.com', 'right password');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(verify).not.toHaveBeenCalled(); // refused before any hashing
    } finally {
      verify.mockRestore();
    }
    // Another account from the same address is not locked by kim's failures.
    expect((await login(server, 'lee@example.com', 'right password')).status).toBe(200);
  });

  it('limits one address spraying many emails, and other requests stay fast meanwhile', async () => {
    const latencies: number[] = [];
    const burst = Array.from({ length: 16 }, (_, i) => login(server, `spray${i}@example.com`, 'guess'));
    const probe = (async () => {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        expect((await call(server, 'GET', '/api/v1/charges', { token: server.tokens.viewer })).status).toBe(
          200,
        );
        latencies.push(Math.round(performance.now() - started));
      }
    })();
    await Promise.all([...burst, probe]);
    console.log(`GET /api/v1/charges during 16 parallel wrong logins: ${latencies.join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(2_000);

    let status = 0;
    let tries = 0;
    while (status !== 429 && tries < LOGIN_LIMITS.perIp) {
      status = (await login(server, `more${tries++}@example.com`, 'guess')).status;
    }
    expect(status).toBe(429);
  });
});

describe.each(engines())('store supervisor password limit (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    core = await testCore(engine);
    ({ server: app, base } = await startGateway(core));
  });
  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  it('stops checking after too many wrong tries and answers 8017 in the store shape', async () => {
    const { client } = await newShop(core, base);
    const wrong = createHash('sha1').update('not it').digest('hex');
    const refund = { out_no: 'NOPE', refund_out_no: 'X1', refund_amount: 1, shop_pass: wrong };
    for (let i = 0; i < LOGIN_LIMITS.perStore; i++) {
      expect((await client.call('payrefund', refund)).body.errcode).toBe(8017);
    }
    const verify = vi.spyOn(passwordWork, 'verify');
    const limited = await client.call('payrefund', refund);
    expect(limited.body.errcode).toBe(8017);
    expect(limited.body.errmsg ?? limited.body.msg).toMatch(/次数过多/);
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
  });
});
