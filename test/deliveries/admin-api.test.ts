import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { paidCharge, seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { type Receiver, answer, independentlyVerified, receiver, testEngine } from './support.js';

const MIN = 60_000;

describe.each(engines())('admin API: webhook endpoints and deliveries (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  let r: Receiver;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
    r = await receiver(core.clock, answer(500, 'not yet'));
  });
  afterAll(async () => {
    await r.close();
    await server.close();
    await core.drop();
  });

  it('manages endpoints: create, read, edit, switch mode, rotate, test, delete', async () => {
    const body = {
      app: appId,
      url: r.url + '/hooks',
      format: 'native',
      mode: 'test',
      events: ['charge.succeeded', 'refund.succeeded'],
      headers: { 'X-Api-Key': 'k1' },
      schedule: { kind: 'delays', delays_ms: [60_000, 120_000] },
    };
    expect((await call(server, 'POST', '/api/v1/webhook_endpoints', { body })).status).toBe(401);
    const viewer = await call(server, 'POST', '/api/v1/webhook_endpoints', {
      token: server.tokens.viewer,
      body,
    });
    expect(viewer.status).toBe(403);
    const bad = await call(server, 'POST', '/api/v1/webhook_endpoints', {
      token: server.tokens.developer,
      body: { ...body, format: 'store' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_parameter');
    const reserved = await call(server, 'POST', '/api/v1/webhook_endpoints', {
      token: server.tokens.developer,
      body: { ...body, headers: { 'Juhe-Signature': 'forged' } },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error).toMatchObject({ code: 'invalid_parameter', param: 'headers' });

    const created = await call(server, 'POST', '/api/v1/webhook_endpoints', {
      token: server.tokens.developer,
      body,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'webhook_endpoint',
      app: appId,
      url: r.url + '/hooks',
      format: 'native',
      mode: 'test',
      events: ['charge.succeeded', 'refund.succeeded'],
      headers: { 'X-Api-Key': 'k1' },
      schedule: { kind: 'delays', delays_ms: [60_000, 120_000] },
      status: 'active',
      consecutive_failures: 0,
    });
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.id;

    const read = await call(server, 'GET', `/api/v1/webhook_endpoints/${id}`, {
      token: server.tokens.viewer,
    });
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    const list = await call(server, 'GET', `/api/v1/webhook_endpoints?app=${appId}&mode=test`, {
      token: server.tokens.viewer,
    });
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([id]);

    const edited = await call(server, 'PATCH', `/api/v1/webhook_endpoints/${id}`, {
      token: server.tokens.developer,
      body: { description: 'ERP', schedule: null },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ description: 'ERP', schedule: null });
    expect(edited.body.effective_schedule.kind).toBe('delays');

    const live = await call(server, 'POST', `/api/v1/webhook_endpoints/${id}/mode`, {
      token: server.tokens.developer,
      body: { mode: 'live' },
    });
    expect(live.body.mode).toBe('live');
    await call(server, 'POST', `/api/v1/webhook_endpoints/${id}/mode`, {
      token: server.tokens.developer,
      body: { mode: 'test' },
    });

    const rotated = await call(server, 'POST', `/api/v1/webhook_endpoints/${id}/rotate_secret`, {
      token: server.tokens.developer,
      body: { overlap_seconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.previous_secret_expires_at).toBe(
      new Date(core.clock.now().getTime() + 3_600_000).toISOString(),
    );

    // A test event: the exact request sent and the response received.
    r.handler = answer(200, 'received');
    const test = await call(server, 'POST', `/api/v1/webhook_endpoints/${id}/test`, {
      token: server.tokens.developer,
      body: {},
    });
    expect(test.status).toBe(200);
    const sent = r.requests.at(-1)!;
    expect(test.body.request).toEqual({
      method: 'POST',
      url: r.url + '/hooks',
      headers: expect.objectContaining({
        'X-Api-Key': 'k1',
        'juhe-signature': sent.headers['juhe-signature'],
      }),
      body: sent.body,
    });
    expect(sent.headers['x-api-key']).toBe('k1');
    expect(test.body.response).toMatchObject({ status: 200, body: 'received', truncated: false });
    expect(test.body).toMatchObject({ acknowledged: true, error: null, event: { type: 'charge.succeeded' } });
    const nowSec = Math.floor(core.clock.now().getTime() / 1000);
    expect(
      independentlyVerified(
        String(sent.headers['juhe-signature']),
        sent.body,
        [created.body.secret, rotated.body.secret],
        nowSec,
      ),
    ).toEqual([0, 1]);
    expect(JSON.parse(sent.body).data.object.metadata).toEqual({ juhe_test_event: true });

    const audit = await core.db.query(
      'SELECT action FROM audit_log WHERE target_id = $1 ORDER BY created_at, action',
      [id],
    );
    expect(audit.map((a) => a.action).sort()).toEqual([
      'webhook_endpoint.create',
      'webhook_endpoint.mode',
      'webhook_endpoint.mode',
      'webhook_endpoint.rotate_secret',
      'webhook_endpoint.test',
      'webhook_endpoint.update',
    ]);

    const removed = await call(server, 'DELETE', `/api/v1/webhook_endpoints/${id}`, {
      token: server.tokens.developer,
    });
    expect(removed.body).toMatchObject({ id, deleted: true });
    expect(
      (await call(server, 'GET', `/api/v1/webhook_endpoints/${id}`, { token: server.tokens.viewer })).status,
    ).toBe(404);
  });

  it('lists deliveries with filters and attempt logs; replays one and in bulk', async () => {
    r.handler = answer(500, 'down');
    const created = await call(server, 'POST', '/api/v1/webhook_endpoints', {
      token: server.tokens.developer,
      body: { app: appId, url: r.url, format: 'native', events: ['charge.succeeded'] },
    });
    const endpointId = created.body.id;
    const worker = testEngine(core);
    await paidCharge(core, appId);
    await paidCharge(core, appId);
    await worker.runDue();

    const list = await call(server, 'GET', `/api/v1/deliveries?endpoint=${endpointId}&status=pending`, {
      token: server.tokens.viewer,
    });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.has_more).toBe(false);
    expect(list.body.data[0]).toMatchObject({
      object: 'delivery',
      endpoint: endpointId,
      event_type: 'charge.succeeded',
      status: 'pending',
      attempts: 1,
      last_response_status: 500,
      last_error: 'not acknowledged: HTTP 500',
      next_attempt_at: new Date(core.clock.now().getTime() + MIN).toISOString(),
    });
    const page = await call(server, 'GET', `/api/v1/deliveries?endpoint=${endpointId}&limit=1`, {
      token: server.tokens.viewer,
    });
    expect(page.body.has_more).toBe(true);
    const next = await call(
      server,
      'GET',
      `/api/v1/deliveries?endpoint=${endpointId}&limit=1&starting_after=${page.body.data[0].id}`,
      { token: server.tokens.viewer },
    );
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
    expect(next.body.has_more).toBe(false);
    const byEvent = await call(server, 'GET', `/api/v1/deliveries?event=${list.body.data[1].event}`, {
      token: server.tokens.viewer,
    });
    expect(byEvent.body.data.map((d: { id: string }) => d.id)).toEqual([list.body.data[1].id]);
    const window = await call(
      server,
      'GET',
      `/api/v1/deliveries?endpoint=${endpointId}&created_gte=${encodeURIComponent(new Date(core.clock.now().getTime() + 1).toISOString())}`,
      { token: server.tokens.viewer },
    );
    expect(window.body.data).toEqual([]);

    const one = list.body.data[0].id;
    const detail = await call(server, 'GET', `/api/v1/deliveries/${one}`, { token: server.tokens.viewer });
    expect(detail.body.attempt_log).toHaveLength(1);
    expect(detail.body.attempt_log[0]).toMatchObject({
      number: 1,
      outcome: 'failed',
      trigger: 'schedule',
      request: { method: 'POST', url: r.url },
      response: { status: 500, body: 'down', truncated: false },
      error: 'not acknowledged: HTTP 500',
    });
    expect(detail.body.attempt_log[0].request.headers['juhe-notification-id']).toBe(one);
    expect(typeof detail.body.attempt_log[0].latency_ms).toBe('number');

    // Replay one (now, not at +1m): same notification id, a new round.
    r.handler = answer(200, 'ok');
    const replayed = await call(server, 'POST', `/api/v1/deliveries/${one}/replay`, {
      token: server.tokens.developer,
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({
      id: one,
      status: 'pending',
      next_attempt_at: core.clock.now().toISOString(),
    });
    await worker.runDue();
    const after = await call(server, 'GET', `/api/v1/deliveries/${one}`, { token: server.tokens.viewer });
    expect(after.body.status).toBe('succeeded');
    expect(after.body.attempt_log.map((a: { trigger: string }) => a.trigger)).toEqual(['schedule', 'replay']);
    expect(r.requests.at(-1)!.headers['juhe-notification-id']).toBe(one);

    // Bulk: everything of this endpoint that succeeded, by filter; reported as a count.
    const needsFilter = await call(server, 'POST', '/api/v1/deliveries/replay', {
      token: server.tokens.developer,
      body: {},
    });
    expect(needsFilter.status).toBe(400);
    const bulk = await call(server, 'POST', '/api/v1/deliveries/replay', {
      token: server.tokens.developer,
      body: { endpoint: endpointId, status: 'succeeded' },
    });
    expect(bulk.body).toEqual({ replayed: 1, has_more: false });
    // Bounded: at most `limit` per call, oldest first; has_more says to call again.
    const bounded = await call(server, 'POST', '/api/v1/deliveries/replay', {
      token: server.tokens.developer,
      body: { endpoint: endpointId, status: 'pending', limit: 1 },
    });
    expect(bounded.body).toEqual({ replayed: 1, has_more: true });
    const bulkPending = await call(server, 'POST', '/api/v1/deliveries/replay', {
      token: server.tokens.developer,
      body: { endpoint: endpointId, status: 'pending' },
    });
    expect(bulkPending.body).toEqual({ replayed: 2, has_more: false });
    await worker.runDue();
    const done = await call(server, 'GET', `/api/v1/deliveries?endpoint=${endpointId}&status=succeeded`, {
      token: server.tokens.viewer,
    });
    expect(done.body.data).toHaveLength(2);
    expect(
      (
        await call(server, 'POST', `/api/v1/deliveries/dlv_${'0'.repeat(24)}/replay`, {
          token: server.tokens.developer,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(server, 'GET', '/api/v1/deliveries?status=lost', { token: server.tokens.viewer })).status,
    ).toBe(400);
    await worker.close();
  });

  it('documents every route in OpenAPI', async () => {
    const spec = await call(server, 'GET', '/api/openapi.json');
    const paths = Object.keys(spec.body.paths);
    for (const path of [
      '/api/v1/webhook_endpoints',
      '/api/v1/webhook_endpoints/{id}',
      '/api/v1/webhook_endpoints/{id}/mode',
      '/api/v1/webhook_endpoints/{id}/rotate_secret',
      '/api/v1/webhook_endpoints/{id}/test',
      '/api/v1/deliveries',
      '/api/v1/deliveries/{id}',
      '/api/v1/deliveries/{id}/replay',
      '/api/v1/deliveries/replay',
    ]) {
      expect(paths).toContain(path);
    }
    expect(spec.body.paths['/api/v1/webhook_endpoints'].post.requestBody).toBeDefined();
    expect(
      spec.body.paths['/api/v1/deliveries'].get.parameters.map((p: { name: string }) => p.name),
    ).toContain('status');
  });
});
