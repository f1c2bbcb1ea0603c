import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../src/core/auth/login-limits.js';
import { newShop } from '../dialects/store-shop.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';

/**
 * The admin refund of a store's charge with the store's supervisor password (the console's
 * supervisor confirmation): right, it refunds and the audit says who confirmed; wrong, a 403
 * naming the field, nothing refunded, the try audited; too many wrong tries, the store API's
 * own limit (429) answers, also for the right password; a charge of no store has no supervisor.
 */
describe.each(engines())('admin refund with the supervisor password (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let shop: Awaited<ReturnType<typeof newShop>>;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    shop = await newShop(core, server.url, { shopPassword: 'boss-2468' });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  async function paidCharge(store?: string) {
    const created = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.finance,
      body: {
        app: shop.appId,
        store,
        order_no: `SUP-${core.ids.secret(6)}`,
        channel: 'cash',
        method: 'offline',
        amount: 5000,
        currency: 'CNY',
        subject: '套餐',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.status).toBe('succeeded');
    return created.body.id as string;
  }
  const refund = (id: string, body: Record<string, unknown>) =>
    call(server, 'POST', `/api/v1/charges/${id}/refunds`, { token: server.tokens.finance, body });
  const auditOf = (action: string) =>
    core.db.query<{ target_id: string; data: Record<string, unknown> }>(
      'SELECT target_id, data FROM audit_log WHERE action = $1 ORDER BY created_at',
      [action],
    );

  it('refunds with the right password and audits the confirmation', async () => {
    const id = await paidCharge(shop.store.id);
    const ok = await refund(id, { amount: 1200, supervisor_password: 'boss-2468' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.amount).toBe(1200);
    const entries = (await auditOf('refund.create')).filter((e) => e.data.charge === id);
    expect(entries.map((e) => e.data.supervisor_confirmed)).toEqual([shop.store.id]);
  });

  it('refuses a wrong password with a field error, refunds nothing, audits the try', async () => {
    const id = await paidCharge(shop.store.id);
    const wrong = await refund(id, { amount: 1200, supervisor_password: 'guess' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: 'forbidden', param: 'supervisor_password' });
    expect(wrong.body.error.message).toMatch(/supervisor password is wrong/);
    const charge = await call(server, 'GET', `/api/v1/charges/${id}`, { token: server.tokens.finance });
    expect(charge.body.amount_refunded).toBe(0);
    expect(charge.body.refunds).toEqual([]);
    expect((await auditOf('refund.supervisor_rejected')).map((e) => e.target_id)).toContain(id);
  });

  it('a charge of no store has no supervisor to confirm', async () => {
    const id = await paidCharge();
    const res = await refund(id, { amount: 100, supervisor_password: 'boss-2468' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_parameter', param: 'supervisor_password' });
  });

  it("shares the store API's limit on wrong tries", async () => {
    const id = await paidCharge(shop.store.id);
    // One wrong try above already counts against this store.
    for (let i = 1; i < LOGIN_LIMITS.perStore; i++) {
      expect((await refund(id, { amount: 100, supervisor_password: `nope-${i}` })).status).toBe(403);
    }
    const limited = await refund(id, { amount: 100, supervisor_password: 'boss-2468' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', param: 'supervisor_password' });
    // The store API's shop_pass is locked out with it (same window).
    const storeApi = await shop.client.call('payrefund', {
      out_no: 'x',
      refund_amount: '1',
      refund_out_no: 'r1',
      shop_pass: '0'.repeat(40),
    });
    expect(storeApi.body.errcode).not.toBe(0);
    core.clock.advance(16 * 60_000);
    const later = await refund(id, { amount: 100, supervisor_password: 'boss-2468' });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
  });
});
