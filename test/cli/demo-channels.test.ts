/**
 * What `juhe start` seeds lets a newcomer pay through every provider at once: the demo app
 * has a test-mode channel config per provider standing for its simulator, and a charge
 * on each is created upstream (in the simulator) and paid by the sandbox payer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoData, seedDemoIfEmpty } from '../../src/cli/seed.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, testServer } from '../support/server.js';

const CHARGES = [
  { channel: 'alipay', method: 'qr', currency: 'CNY' },
  { channel: 'wechatpay', method: 'qr', currency: 'CNY' },
  { channel: 'unionpay', method: 'page', currency: 'CNY' },
  { channel: 'applepay', method: 'app', currency: 'CNY' },
  { channel: 'paypal', method: 'page', currency: 'USD' },
  { channel: 'lakala', method: 'page', currency: 'CNY' },
] as const;

describe.each(engines())('the demo seed: every provider out of the box (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let demo: DemoData;
  const home = mkdtempSync(join(tmpdir(), 'juhe-demo-'));

  beforeAll(async () => {
    core = await testCore(engine);
    // Seeding happens on an empty database, before the test server adds its users.
    demo = (await seedDemoIfEmpty(core, home))!;
    server = await testServer(core);
    core.publicUrl = server.url;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${demo.console.apiToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('seeds one enabled test-mode simulator config per upstream provider, none live', async () => {
    const listed = await api('GET', `/channel_configs?app=${demo.ids.app}`);
    expect(listed.status).toBe(200);
    const configs = listed.body.data as { provider: string; mode: string; enabled: boolean }[];
    expect(configs.map((c) => c.provider).sort()).toEqual([
      'alipay',
      'applepay',
      'lakala',
      'paypal',
      'unionpay',
      'wechatpay',
    ]);
    for (const config of configs) {
      expect(config).toMatchObject({ mode: 'test', enabled: true, settings: { simulator: true } });
    }
    const live = await api('POST', '/channel_configs', {
      app: demo.ids.app,
      mode: 'live',
      provider: 'alipay',
      settings: { simulator: true },
    });
    expect(live.status).toBe(400);
  });

  it.each(CHARGES)(
    '$channel $method: created in the simulator and paid once',
    async ({ channel, method, currency }) => {
      const created = await api('POST', '/charges', {
        app: demo.ids.app,
        order_no: `demo-${channel}-${method}`,
        channel,
        method,
        amount: 1288,
        currency,
        subject: 'Demo coffee',
        client_ip: '203.0.113.9',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ status: 'pending', channel, method, amount: 1288 });
      expect(created.body.credential).toBeTruthy();
      const paid = await api('POST', `/test_helpers/charges/${created.body.id}/pay`);
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      const after = await api('GET', `/charges/${created.body.id}`);
      expect(after.body.status).toBe('succeeded');
      const events = await core.db.query<{ type: string }>(
        'SELECT type FROM events WHERE object_id = $1 ORDER BY seq',
        [created.body.id],
      );
      expect(events.map((e) => e.type)).toEqual(['charge.created', 'charge.succeeded']);
    },
  );

  it('a disabled simulator config makes its provider unavailable, and nothing is written', async () => {
    const listed = await api('GET', `/channel_configs?app=${demo.ids.app}`);
    const lakala = (listed.body.data as { id: string; provider: string }[]).find(
      (c) => c.provider === 'lakala',
    )!;
    const off = await api('POST', '/channel_configs', {
      app: demo.ids.app,
      mode: 'test',
      provider: 'lakala',
      enabled: false,
    });
    expect(off.status).toBe(200);
    const [{ n: before }] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges');
    const refused = await api('POST', '/charges', {
      app: demo.ids.app,
      order_no: 'demo-lakala-off',
      channel: 'lakala',
      method: 'page',
      amount: 100,
      currency: 'CNY',
      subject: 'x',
    });
    expect(refused.status).toBe(400); // channel_not_available
    expect(refused.body.error.code).toBe('channel_not_available');
    const [{ n: after }] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges');
    expect(after).toBe(before);
    expect(lakala.id).toMatch(/^cc_/);
  });
});
