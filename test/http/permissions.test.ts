import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS } from '../../src/core/auth/permissions.js';
import { ROLES } from '../../src/core/auth/roles.js';
import {
  PERMISSIONS_DOC,
  PUBLIC_ADMIN_ROUTES,
  adminRoutes,
  renderPermissionsDoc,
} from '../../scripts/permissions-doc.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';

describe('admin permission table', () => {
  it('every admin route declares a permission (or is one of the public sign-in routes)', async () => {
    const undeclared = (await adminRoutes())
      .filter((r) => !r.permission && !PUBLIC_ADMIN_ROUTES.includes(`${r.method} ${r.url}`))
      .map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it('docs/permissions.md is what scripts/permissions-doc.ts renders', async () => {
    expect(readFileSync(PERMISSIONS_DOC, 'utf8')).toBe(await renderPermissionsDoc());
  });
});

describe.each(engines())('admin permissions per route and role (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it('answers 401 without identity, 403 without the permission, never 401/403 with it', async () => {
    const routes = (await adminRoutes()).filter((r) => r.permission);
    const wrong: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:[A-Za-z]+/g, 'x');
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const anonymous = await call(server, route.method, path, { body });
      if (anonymous.status !== 401)
        wrong.push(`anonymous ${route.method} ${route.url} -> ${anonymous.status}`);
      for (const role of ROLES) {
        const allowed = ROLE_PERMISSIONS[role].has(route.permission!);
        const { status } = await call(server, route.method, path, { token: server.tokens[role], body });
        const ok = allowed ? status !== 401 && status !== 403 : status === 403;
        if (!ok) wrong.push(`${role} ${route.method} ${route.url} -> ${status} (allowed: ${allowed})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a developer cannot escalate: no finance token, no refund, no audit, no key reveal or rotate', async () => {
    const developer = server.tokens.developer;
    const mint = await call(server, 'POST', '/api/v1/api_tokens', {
      token: developer,
      body: { name: 'escalate', role: 'finance' },
    });
    expect(mint.status).toBe(403);
    expect(mint.body.error.code).toBe('forbidden');
    // Not ranks: a finance user cannot mint a developer token either (it would gain webhooks.write).
    const sideways = await call(server, 'POST', '/api/v1/api_tokens', {
      token: server.tokens.finance,
      body: { name: 'sideways', role: 'developer' },
    });
    expect(sideways.status).toBe(403);
    const own = await call(server, 'POST', '/api/v1/api_tokens', {
      token: developer,
      body: { name: 'same', role: 'developer' },
    });
    expect(own.status).toBe(201);
    const narrower = await call(server, 'POST', '/api/v1/api_tokens', {
      token: developer,
      body: { name: 'narrower', role: 'viewer' },
    });
    expect(narrower.status).toBe(201);
    const adminMintsOwner = await call(server, 'POST', '/api/v1/api_tokens', {
      token: server.tokens.admin,
      body: { name: 'owner', role: 'owner' },
    });
    expect(adminMintsOwner.status).toBe(403);

    const charge = await call(server, 'POST', '/api/v1/charges', {
      token: developer,
      body: {
        app: appId,
        order_no: 'esc-1',
        channel: 'cash',
        method: 'offline',
        amount: 100,
        currency: 'CNY',
        subject: 'Tea',
      },
    });
    expect(charge.status).toBe(201);
    const refund = await call(server, 'POST', `/api/v1/charges/${charge.body.id}/refunds`, {
      token: developer,
      body: { amount: 100 },
    });
    expect(refund.status).toBe(403);
    expect((await call(server, 'GET', '/api/v1/audit_log', { token: developer })).status).toBe(403);
    for (const action of ['reveal', 'rotate']) {
      const answer = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/${action}`, {
        token: developer,
        body: { mode: 'test' },
      });
      expect(answer.status).toBe(403);
    }
  });
});
