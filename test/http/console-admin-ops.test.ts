/**
 * The admin API behind the console's operations pages: inviting users, changing roles,
 * disabling; the audit log's filters; a store's settings, cashiers and terminals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';

describe.each(engines())('console operations admin API (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const login = async (email: string, password: string) => {
    const answer = await call(server, 'POST', '/api/v1/login', { body: { email, password } });
    return answer.status === 200 ? answer.headers.get('set-cookie')!.split(';')[0]! : undefined;
  };
  /** A cookie session's changes carry its CSRF token (given at login and by /me). */
  const csrf = async (cookie: string) => {
    const who = await call(server, 'GET', '/api/v1/me', { headers: { cookie } });
    return { cookie, 'x-csrf-token': String(who.body.csrf_token) };
  };
  const me = (cookie: string) => call(server, 'GET', '/api/v1/me', { headers: { cookie } });

  it('invites a user with a temporary password, changes the role (ending sessions, revoking higher tokens), disables and enables', async () => {
    const invited = await call(server, 'POST', '/api/v1/users', {
      token: server.tokens.admin,
      body: { email: 'mei@example.com', role: 'developer', name: 'Mei' },
    });
    expect(invited.status).toBe(201);
    const password = invited.body.temporary_password as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    const userId = invited.body.id as string;
    const session = (await login('mei@example.com', password))!;
    expect((await me(session)).body.user.role).toBe('developer');
    const changes = await csrf(session);
    const devToken = await call(server, 'POST', '/api/v1/api_tokens', {
      headers: changes,
      body: { name: 'ci', role: 'developer' },
    });
    const viewerToken = await call(server, 'POST', '/api/v1/api_tokens', {
      headers: changes,
      body: { name: 'dash', role: 'viewer' },
    });
    expect(devToken.status).toBe(201);

    // An admin cannot touch an owner, nor make one; nobody changes themselves.
    const owners = (await call(server, 'GET', '/api/v1/users', { token: server.tokens.owner })).body.data;
    const owner = owners.find((u: { role: string }) => u.role === 'owner');
    expect(
      (
        await call(server, 'PATCH', `/api/v1/users/${owner.id}`, {
          token: server.tokens.admin,
          body: { role: 'viewer' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(server, 'PATCH', `/api/v1/users/${userId}`, {
          token: server.tokens.admin,
          body: { role: 'owner' },
        })
      ).body.error.param,
    ).toBe('role');
    expect(
      (
        await call(server, 'PATCH', `/api/v1/users/${userId}`, {
          headers: changes,
          body: { role: 'viewer' },
        })
      ).status,
    ).toBe(403); // a developer has no users.write
    expect(
      (
        await call(server, 'PATCH', `/api/v1/users/${userId}`, {
          token: server.tokens.viewer,
          body: { role: 'viewer' },
        })
      ).status,
    ).toBe(403);

    const demoted = await call(server, 'PATCH', `/api/v1/users/${userId}`, {
      token: server.tokens.admin,
      body: { role: 'viewer' },
    });
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ id: userId, role: 'viewer', disabled: false });
    expect(demoted.body.revoked_tokens).toEqual([devToken.body.id]);
    expect((await me(session)).status).toBe(401); // signed out everywhere
    const bearer = (token: string) => call(server, 'GET', '/api/v1/charges', { token });
    expect((await bearer(devToken.body.token)).status).toBe(401);
    expect((await bearer(viewerToken.body.token)).status).toBe(200);

    const disabled = await call(server, 'POST', `/api/v1/users/${userId}/disable`, {
      token: server.tokens.admin,
    });
    expect(disabled.body).toMatchObject({ disabled: true });
    expect(await login('mei@example.com', password)).toBeUndefined();
    expect((await bearer(viewerToken.body.token)).status).toBe(401);
    const enabled = await call(server, 'POST', `/api/v1/users/${userId}/enable`, {
      token: server.tokens.admin,
    });
    expect(enabled.body).toMatchObject({ disabled: false, role: 'viewer' });
    expect(await login('mei@example.com', password)).toBeDefined();

    const listed = (await call(server, 'GET', '/api/v1/users', { token: server.tokens.admin })).body.data;
    expect(listed.find((u: { id: string }) => u.id === userId)).toMatchObject({ role: 'viewer' });
    expect(JSON.stringify(listed)).not.toContain(password);
  });

  it('filters the audit log by actor, action family, target type and time', async () => {
    const all = await call(server, 'GET', '/api/v1/audit_log?action=user.*&limit=100', {
      token: server.tokens.owner,
    });
    const actions = new Set(all.body.data.map((e: { action: string }) => e.action));
    expect([...actions].sort()).toEqual(
      expect.arrayContaining([
        'user.create',
        'user.disable',
        'user.enable',
        'user.login',
        'user.role_change',
      ]),
    );
    expect([...actions].every((a) => String(a).startsWith('user.'))).toBe(true);
    const roleChange = all.body.data.find((e: { action: string }) => e.action === 'user.role_change');
    const byActor = await call(
      server,
      'GET',
      `/api/v1/audit_log?actor=${roleChange.actor_id}&target_type=user&limit=100`,
      { token: server.tokens.owner },
    );
    expect(byActor.body.data.length).toBeGreaterThan(0);
    for (const e of byActor.body.data)
      expect(e).toMatchObject({ actor_id: roleChange.actor_id, target_type: 'user' });
    const at = new Date(roleChange.created_at).getTime();
    const window = `created_gte=${new Date(at).toISOString()}&created_lt=${new Date(at + 1).toISOString()}`;
    const inWindow = await call(server, 'GET', `/api/v1/audit_log?${window}&limit=100`, {
      token: server.tokens.owner,
    });
    expect(inWindow.body.data.map((e: { id: string }) => e.id)).toContain(roleChange.id);
    const before = await call(
      server,
      'GET',
      `/api/v1/audit_log?created_lt=${new Date(at).toISOString()}&limit=100`,
      {
        token: server.tokens.owner,
      },
    );
    expect(before.body.data.map((e: { id: string }) => e.id)).not.toContain(roleChange.id);
    expect(
      (await call(server, 'GET', '/api/v1/audit_log?created_gte=yesterday', { token: server.tokens.owner }))
        .status,
    ).toBe(400);
    expect((await call(server, 'GET', '/api/v1/audit_log', { token: server.tokens.developer })).status).toBe(
      403,
    );
  });

  it('renames a store and disables and re-enables its cashiers and terminals', async () => {
    const store = await call(server, 'POST', '/api/v1/stores', {
      token: server.tokens.developer,
      body: { app: appId, name: 'Huaihai Rd' },
    });
    const id = store.body.id as string;
    const cashier = await call(server, 'POST', `/api/v1/stores/${id}/cashiers`, {
      token: server.tokens.developer,
      body: { name: '吴林燕' },
    });
    const terminal = await call(server, 'POST', `/api/v1/stores/${id}/terminals`, {
      token: server.tokens.developer,
      body: { serial: '8' },
    });
    const renamed = await call(server, 'PATCH', `/api/v1/stores/${id}`, {
      token: server.tokens.developer,
      body: { name: 'Huaihai Rd 2' },
    });
    expect(renamed.body).toMatchObject({ name: 'Huaihai Rd 2' });
    const off = await call(server, 'POST', `/api/v1/stores/${id}/cashiers/${cashier.body.id}/disable`, {
      token: server.tokens.developer,
    });
    expect(off.body).toEqual({ id: cashier.body.id, store: id, disabled: true });
    await call(server, 'POST', `/api/v1/stores/${id}/terminals/${terminal.body.id}/disable`, {
      token: server.tokens.developer,
    });
    let detail = await call(server, 'GET', `/api/v1/stores/${id}`, { token: server.tokens.viewer });
    expect(detail.body.cashiers[0].disabled_at).not.toBeNull();
    expect(detail.body.terminals[0].disabled_at).not.toBeNull();
    await call(server, 'POST', `/api/v1/stores/${id}/cashiers/${cashier.body.id}/enable`, {
      token: server.tokens.developer,
    });
    detail = await call(server, 'GET', `/api/v1/stores/${id}`, { token: server.tokens.viewer });
    expect(detail.body.cashiers[0].disabled_at).toBeNull();
    const wrongStore = await call(
      server,
      'POST',
      `/api/v1/stores/sto_${'0'.repeat(24)}/cashiers/${cashier.body.id}/disable`,
      {
        token: server.tokens.developer,
      },
    );
    expect(wrongStore.status).toBe(404);
    expect(
      (
        await call(server, 'POST', `/api/v1/stores/${id}/cashiers/${cashier.body.id}/disable`, {
          token: server.tokens.viewer,
        })
      ).status,
    ).toBe(403);
  });
});
