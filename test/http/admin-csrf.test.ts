import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/http/admin/auth-routes.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';

/**
 * The console's session cookie cannot be ridden by another site: every cookie-authenticated
 * change needs the session's CSRF token and a same-origin request; each login rotates the
 * session. Bearer tokens (never sent by a browser on its own) are exempt.
 */
describe.each(engines())('CSRF and session rotation (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  const email = 'csrf@example.com';
  const password = 'correct horse';

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    await createUser(core, { email, password, role: 'admin' });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  async function login(headers: Record<string, string> = {}) {
    const res = await call(server, 'POST', '/api/v1/login', { body: { email, password }, headers });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    return { status: res.status, cookie: cookie!, csrf: res.body.csrf_token as string, body: res.body };
  }

  const mint = (headers: Record<string, string>) =>
    call(server, 'POST', '/api/v1/api_tokens', { body: { name: 'ci', role: 'viewer' }, headers });

  it('a cookie-authenticated change without the CSRF token is refused, naming the header', async () => {
    const { cookie } = await login();
    const res = await mint({ cookie });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', param: 'x-csrf-token' });
    const wrong = await mint({ cookie, 'x-csrf-token': 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.param).toBe('x-csrf-token');
    // Refused before anything was written.
    const tokens = await call(server, 'GET', '/api/v1/api_tokens', { headers: { cookie } });
    expect(tokens.body.data).toEqual([]);
  });

  it('with the token from /login (and the same from /me) the change goes through', async () => {
    const { cookie, csrf } = await login();
    expect(csrf).toMatch(/^[\w-]{43}$/);
    const me = await call(server, 'GET', '/api/v1/me', { headers: { cookie } });
    expect(me.body.csrf_token).toBe(csrf);
    expect(me.body.permissions).toContain('webhooks.write');
    expect(me.body.permissions).not.toContain('owners.manage');
    const res = await mint({ cookie, 'x-csrf-token': csrf, origin: server.url });
    expect(res.status).toBe(201);
  });

  it('a change from another origin is refused even with the right token', async () => {
    const { cookie, csrf } = await login();
    const foreign = await mint({ cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.param).toBe('origin');
    const crossSite = await mint({ cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect((await login({ origin: 'https://evil.example' })).status).toBe(403);
  });

  it('bearer tokens are exempt: a server-to-server client sends no CSRF token', async () => {
    const res = await call(server, 'POST', '/api/v1/api_tokens', {
      token: server.tokens.admin,
      body: { name: 'server', role: 'viewer' },
    });
    expect(res.status).toBe(201);
  });

  it('each login issues a new session and ends the one the browser held', async () => {
    const first = await login();
    const second = await login({ cookie: first.cookie });
    expect(second.cookie).not.toBe(first.cookie);
    expect(second.csrf).not.toBe(first.csrf);
    expect((await call(server, 'GET', '/api/v1/me', { headers: { cookie: first.cookie } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/v1/me', { headers: { cookie: second.cookie } })).status).toBe(
      200,
    );
    // The old session's CSRF token is worthless with the new session.
    const stale = await mint({ cookie: second.cookie, 'x-csrf-token': first.csrf });
    expect(stale.status).toBe(403);
  });

  it('logout needs the token too, then the session is gone', async () => {
    const { cookie, csrf } = await login();
    expect((await call(server, 'POST', '/api/v1/logout', { headers: { cookie } })).status).toBe(403);
    const out = await call(server, 'POST', '/api/v1/logout', { headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });
});
