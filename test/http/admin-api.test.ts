import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/http/admin/auth-routes.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';

describe.each(engines())('admin API (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  const chargeBody = (orderNo: string, extra: Record<string, unknown> = {}) => ({
    app: appId,
    order_no: orderNo,
    channel: 'alipay',
    method: 'qr',
    amount: 2500,
    currency: 'CNY',
    subject: 'Tea',
    ...extra,
  });
  const countCharges = async () =>
    (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges'))[0]!.n;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await call(server, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(server, 'GET', '/readyz')).body).toEqual({ status: 'ready', database: engine });
    const spec = (await call(server, 'GET', '/api/openapi.json')).body;
    expect(spec.openapi).toBe('3.0.3');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/charges', '/api/v1/charges/{id}/refunds', '/api/v1/login']),
    );
    const docs = await call(server, 'GET', '/api/docs/');
    expect(docs.status).toBe(200);
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.body).toContain('juhe_http_requests_total');
    expect(metrics.body).toContain('juhe_outbox_lag_seconds');
  });

  it('logs in with a password, sets an httpOnly SameSite cookie, and logs out', async () => {
    await createUser(core, { email: 'ann@example.com', password: 'correct horse', role: 'finance' });
    const bad = await call(server, 'POST', '/api/v1/login', {
      body: { email: 'ann@example.com', password: 'nope' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('invalid_credentials');
    const ok = await call(server, 'POST', '/api/v1/login', {
      body: { email: 'ANN@example.com', password: 'correct horse' },
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/juhe_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    const session = cookie.split(';')[0]!;
    const me = await call(server, 'GET', '/api/v1/me', { headers: { cookie: session } });
    expect(me.body.user.role).toBe('finance');
    const logout = await call(server, 'POST', '/api/v1/logout', {
      headers: { cookie: session, 'x-csrf-token': me.body.csrf_token },
    });
    expect(logout.status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/me', { headers: { cookie: session } })).status).toBe(401);
  });

  it('requires authentication and enforces roles on every route', async () => {
    expect((await call(server, 'GET', '/api/v1/charges')).status).toBe(401);
    expect((await call(server, 'GET', '/api/v1/charges', { token: 'jh_wrong' })).status).toBe(401);
    expect((await call(server, 'GET', '/api/v1/charges', { token: server.tokens.viewer })).status).toBe(200);
    const viewerCreate = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.viewer,
      body: chargeBody('role-1'),
    });
    expect(viewerCreate.status).toBe(403);
    expect(viewerCreate.body.error.code).toBe('forbidden');
    const paid = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.developer,
      body: chargeBody('role-2', { channel: 'cash', method: 'offline' }),
    });
    expect(paid.status).toBe(201);
    const devRefund = await call(server, 'POST', `/api/v1/charges/${paid.body.id}/refunds`, {
      token: server.tokens.developer,
      body: { amount: 100 },
    });
    expect(devRefund.status).toBe(403);
    const financeRefund = await call(server, 'POST', `/api/v1/charges/${paid.body.id}/refunds`, {
      token: server.tokens.finance,
      body: { amount: 100 },
    });
    expect(financeRefund.status).toBe(201);
    expect((await call(server, 'GET', '/api/v1/audit_log', { token: server.tokens.viewer })).status).toBe(
      403,
    );
    expect((await call(server, 'GET', '/api/v1/audit_log', { token: server.tokens.finance })).status).toBe(
      200,
    );
    expect(
      (await call(server, 'POST', '/api/v1/test_helpers/charges/x/pay', { token: server.tokens.finance }))
        .status,
    ).toBe(403);
  });

  it('creates, retrieves, lists, pays through the test helper, refunds and cancels', async () => {
    const created = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('flow-1'),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      amount: 2500,
      amount_decimal: '25.00',
      order_no: 'flow-1',
    });
    const paid = await call(server, 'POST', '/api/v1/test_helpers/charges/flow-1/pay', {
      token: server.tokens.owner,
    });
    expect(paid.body).toMatchObject({ id: created.body.id, status: 'succeeded', applied: true });
    const again = await call(server, 'POST', `/api/v1/test_helpers/charges/${created.body.order_sn}/pay`, {
      token: server.tokens.owner,
    });
    expect(again.body.applied).toBe(false);
    const refund = await call(server, 'POST', `/api/v1/charges/${created.body.id}/refunds`, {
      token: server.tokens.owner,
      body: { amount: 500, description: 'spilled' },
    });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 500, charge: created.body.id });
    const over = await call(server, 'POST', `/api/v1/charges/${created.body.id}/refunds`, {
      token: server.tokens.owner,
      body: { amount: 2001 },
    });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('refund_exceeds_amount');
    const one = await call(server, 'GET', `/api/v1/charges/${created.body.id}`, {
      token: server.tokens.viewer,
    });
    expect(one.body).toMatchObject({ amount_refunded: 500, refunds: [{ id: refund.body.id }] });
    const list = await call(server, 'GET', `/api/v1/charges?order_no=flow-1&status=succeeded`, {
      token: server.tokens.viewer,
    });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    const events = await call(server, 'GET', `/api/v1/events?object_id=${created.body.id}`, {
      token: server.tokens.viewer,
    });
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual([
      'charge.succeeded',
      'charge.created',
    ]);
    const refunds = await call(server, 'GET', `/api/v1/refunds?charge=${created.body.id}`, {
      token: server.tokens.viewer,
    });
    expect(refunds.body.data).toHaveLength(1);

    const unpaid = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('flow-2'),
    });
    const canceled = await call(server, 'POST', `/api/v1/charges/${unpaid.body.id}/cancel`, {
      token: server.tokens.finance,
    });
    expect(canceled.body.status).toBe('canceled');
    const cancelPaid = await call(server, 'POST', `/api/v1/charges/${created.body.id}/cancel`, {
      token: server.tokens.finance,
    });
    expect(cancelPaid.status).toBe(409);
    const declined = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('flow-3'),
    });
    const decline = await call(server, 'POST', `/api/v1/test_helpers/charges/${declined.body.id}/decline`, {
      token: server.tokens.developer,
    });
    // The failure code is the channel's own (the Alipay simulator reports trade_closed).
    expect(decline.body.status).toBe('failed');
    expect(decline.body.failure_code).toEqual(expect.any(String));
  });

  it('pages refunds, events and the audit log newest first with starting_after', async () => {
    const paid = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('page-1', { channel: 'cash', method: 'offline', amount: 500 }),
    });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      core.clock.advance(1000);
      const refund = await call(server, 'POST', `/api/v1/charges/${paid.body.id}/refunds`, {
        token: server.tokens.owner,
        body: { amount: 100 },
      });
      made.push(refund.body.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await call(
        server,
        'GET',
        `/api/v1/refunds?charge=${paid.body.id}&limit=2${after ? `&starting_after=${after}` : ''}`,
        { token: server.tokens.viewer },
      );
      seen.push(...page.body.data.map((r: { id: string }) => r.id));
      if (!page.body.has_more) break;
      after = seen[seen.length - 1];
    }
    expect(seen).toEqual([...made].reverse());

    const events = await call(server, 'GET', `/api/v1/events?object_id=${made[0]}&limit=1`, {
      token: server.tokens.viewer,
    });
    expect(events.body).toMatchObject({ has_more: true, data: [{ type: 'refund.succeeded' }] });
    const older = await call(
      server,
      'GET',
      `/api/v1/events?object_id=${made[0]}&limit=1&starting_after=${events.body.data[0].id}`,
      { token: server.tokens.viewer },
    );
    expect(older.body).toMatchObject({ has_more: false, data: [{ type: 'refund.created' }] });

    const audit = await call(server, 'GET', `/api/v1/audit_log?action=refund.create&limit=3`, {
      token: server.tokens.owner,
    });
    expect(audit.body.data).toHaveLength(3);
    expect(audit.body.data[0].target_id).toBe(made[4]);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const headers = { 'idempotency-key': 'key-abc' };
    const first = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('idem-1'),
      headers,
    });
    const before = await countCharges();
    const replay = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('idem-1'),
      headers,
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('idem-2'),
      headers,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_key_reused');
    expect(await countCharges()).toBe(before);
    // keys are per caller: another token may use the same key
    const other = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.admin,
      body: chargeBody('idem-3'),
      headers,
    });
    expect(other.status).toBe(201);
    // and they expire after 24 hours
    core.clock.advance(24 * 60 * 60 * 1000 + 1);
    const fresh = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: chargeBody('idem-4'),
      headers,
    });
    expect(fresh.status).toBe(201);
    expect(fresh.body.order_no).toBe('idem-4');
  });

  it('answers bad input with a catalog error, never a 5xx, and changes nothing', async () => {
    const before = await countCharges();
    const cases: [string, string, unknown, string, string?][] = [
      ['POST', '/api/v1/charges', { ...chargeBody('bad-1'), amount: -1 }, 'invalid_parameter', 'amount'],
      ['POST', '/api/v1/charges', { ...chargeBody('bad-2'), amount: '12.5' }, 'invalid_parameter', 'amount'],
      [
        'POST',
        '/api/v1/charges',
        { ...chargeBody('bad-3'), currency: 'EUR' },
        'invalid_parameter',
        'currency',
      ],
      [
        'POST',
        '/api/v1/charges',
        { ...chargeBody('bad-4'), channel: 'bitcoin' },
        'invalid_parameter',
        'channel',
      ],
      ['POST', '/api/v1/charges', { app: appId }, 'missing_parameter', 'order_no'],
      [
        'POST',
        '/api/v1/charges',
        { ...chargeBody('bad-5'), app: 'app_000000000000000000000000' },
        'app_not_found',
      ],
      ['POST', '/api/v1/charges', { ...chargeBody('bad-6'), channel: 'cash' }, 'channel_not_supported'],
      ['GET', '/api/v1/charges/not-an-id', undefined, 'invalid_parameter', 'id'],
      ['GET', '/api/v1/charges/ch_000000000000000000000000', undefined, 'charge_not_found'],
      ['GET', '/api/v1/charges?limit=1000', undefined, 'invalid_parameter', 'limit'],
      ['GET', '/api/v1/charges?created_gte=yesterday', undefined, 'invalid_parameter', 'created_gte'],
      ['GET', '/api/v1/charges?cursor=zzz', undefined, 'invalid_parameter', 'cursor'],
      [
        'POST',
        '/api/v1/charges/ch_000000000000000000000000/refunds',
        { amount: 0 },
        'invalid_parameter',
        'amount',
      ],
      [
        'POST',
        '/api/v1/channel_configs',
        { app: appId, mode: 'test', provider: 'nope' },
        'invalid_parameter',
      ],
    ];
    for (const [method, path, body, code, param] of cases) {
      const response = await call(server, method, path, { token: server.tokens.owner, body });
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      expect(response.body.error.code, `${method} ${path}`).toBe(code);
      if (param) expect(response.body.error.param, `${method} ${path}`).toBe(param);
    }
    const malformed = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      rawBody: '{"app": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_request');
    expect(await countCharges()).toBe(before);
  });

  it('keeps channel secrets write-only and reveals app keys only with an audit entry', async () => {
    // Disabled: a config may be saved before every key is at hand, but what it holds must read.
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const material = privateKey.split('\n')[5]!;
    const saved = await call(server, 'POST', '/api/v1/channel_configs', {
      token: server.tokens.developer,
      body: {
        app: appId,
        mode: 'test',
        provider: 'alipay',
        enabled: false,
        settings: { app_id: '2021000000000000' },
        secrets: { private_key: privateKey },
      },
    });
    expect(saved.status).toBe(200);
    expect(JSON.stringify(saved.body)).not.toContain(material);
    expect(saved.body.secrets_set).toEqual(['private_key']);
    const [row] = await core.db.query('SELECT secrets_enc FROM channel_configs WHERE id = $1', [
      saved.body.id,
    ]);
    expect(row!.secrets_enc).not.toContain(material);
    await call(server, 'DELETE', `/api/v1/channel_configs/${saved.body.id}`, { token: server.tokens.owner });

    const app = await call(server, 'GET', `/api/v1/apps/${appId}`, { token: server.tokens.viewer });
    expect(JSON.stringify(app.body)).not.toMatch(/secretKey|masterKey|domainSecret|PRIVATE KEY/);
    expect(
      (
        await call(server, 'POST', `/api/v1/apps/${appId}/credentials/reveal`, {
          token: server.tokens.viewer,
          body: { mode: 'test' },
        })
      ).status,
    ).toBe(403);
    const revealed = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/reveal`, {
      token: server.tokens.admin,
      body: { mode: 'test' },
    });
    expect(revealed.body.data.find((c: { kind: string }) => c.kind === 'paymax').secrets.secretKey).toMatch(
      /^sk_test_/,
    );
    const auditLog = await call(server, 'GET', '/api/v1/audit_log?action=app.credentials.reveal', {
      token: server.tokens.owner,
    });
    expect(auditLog.body.data[0]).toMatchObject({ action: 'app.credentials.reveal', target_id: appId });
    const dump = JSON.stringify(await core.db.query('SELECT * FROM app_credentials'));
    expect(dump).not.toContain(
      revealed.body.data.find((c: { kind: string }) => c.kind === 'paymax').secrets.secretKey,
    );
  });

  it('rotates credentials: the old secret stops working, the new one is shown once', async () => {
    const before = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/reveal`, {
      token: server.tokens.owner,
      body: { mode: 'test' },
    });
    // A merchant call through a dialect, authenticated (and remembered) with the old keys.
    const maxpay = before.body.data.find((c: { kind: string }) => c.kind === 'maxpay');
    const records = async (appId: string, masterKey: string) => {
      const response = await fetch(`${server.url}/2.0/maxpay/records`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ml-appid': appId,
          'x-ml-masterkey': masterKey,
        },
        body: '{}',
      });
      return ((await response.json()) as { code: number }).code;
    };
    expect(await records(maxpay.public_id, maxpay.secrets.masterKey)).toBe(0);
    const rotated = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/rotate`, {
      token: server.tokens.owner,
      body: { mode: 'test' },
    });
    expect(rotated.status).toBe(200);
    expect(await records(maxpay.public_id, maxpay.secrets.masterKey)).toBe(1); // APP_INVALID at once, cache or not
    const renewed = rotated.body.credentials.test.maxpay;
    expect(await records(renewed.appId, renewed.masterKey)).toBe(0);
    const oldKey = before.body.data.find((c: { kind: string }) => c.kind === 'paymax').secrets.secretKey;
    expect(rotated.body.credentials.test.paymax.secretKey).not.toBe(oldKey);
    const after = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/reveal`, {
      token: server.tokens.owner,
      body: { mode: 'test' },
    });
    expect(after.body.data).toHaveLength(4);
    // The merchant's public key survives a rotation, so their signing setup keeps working.
    expect(
      after.body.data.find((c: { kind: string }) => c.kind === 'paymax').attrs.merchantPublicKeyPem,
    ).toBe(before.body.data.find((c: { kind: string }) => c.kind === 'paymax').attrs.merchantPublicKeyPem);
  });

  it('manages merchants, apps, stores, cashiers, terminals and API tokens', async () => {
    const merchant = await call(server, 'POST', '/api/v1/merchants', {
      token: server.tokens.admin,
      body: { name: 'M2' },
    });
    const app = await call(server, 'POST', '/api/v1/apps', {
      token: server.tokens.admin,
      body: { merchant: merchant.body.id, name: 'Kiosk' },
    });
    expect(app.status).toBe(201);
    expect(app.body.credentials.test.maxpay.masterKey).toBeTruthy();
    const store = await call(server, 'POST', '/api/v1/stores', {
      token: server.tokens.admin,
      body: { app: app.body.id, name: 'Branch 1' },
    });
    expect(store.body.open_key).toHaveLength(32);
    const cashier = await call(server, 'POST', `/api/v1/stores/${store.body.id}/cashiers`, {
      token: server.tokens.admin,
      body: { name: 'Li' },
    });
    expect(cashier.status).toBe(201);
    await call(server, 'POST', `/api/v1/stores/${store.body.id}/terminals`, {
      token: server.tokens.admin,
      body: { serial: 'POS-001' },
    });
    const dup = await call(server, 'POST', `/api/v1/stores/${store.body.id}/terminals`, {
      token: server.tokens.admin,
      body: { serial: 'POS-001' },
    });
    expect(dup.status).toBe(409);
    const detail = await call(server, 'GET', `/api/v1/stores/${store.body.id}`, {
      token: server.tokens.viewer,
    });
    expect(detail.body).toMatchObject({ cashiers: [{ name: 'Li' }], terminals: [{ serial: 'POS-001' }] });
    expect(JSON.stringify(detail.body)).not.toContain(store.body.open_key);

    const token = await call(server, 'POST', '/api/v1/api_tokens', {
      token: server.tokens.developer,
      body: { name: 'ci', role: 'viewer' },
    });
    expect(token.status).toBe(201);
    expect((await call(server, 'GET', '/api/v1/charges', { token: token.body.token })).status).toBe(200);
    const escalate = await call(server, 'POST', '/api/v1/api_tokens', {
      token: server.tokens.developer,
      body: { name: 'root', role: 'owner' },
    });
    expect(escalate.status).toBe(403);
    await call(server, 'DELETE', `/api/v1/api_tokens/${token.body.id}`, { token: server.tokens.developer });
    expect((await call(server, 'GET', '/api/v1/charges', { token: token.body.token })).status).toBe(401);
  });
});
