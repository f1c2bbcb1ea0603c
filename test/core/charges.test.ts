import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { expireCharges } from '../../src/core/payments/expire-charges.js';
import { listCharges } from '../../src/core/payments/list-charges.js';
import { resolveChargeReference } from '../../src/core/payments/resolve-charge.js';
import { findCharge } from '../../src/db/charges.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { chargeParams, seedApp } from '../support/fixtures.js';

async function eventsOf(core: TestCore, objectId: string) {
  return (
    await core.db.query<{ type: string; id: string }>(
      'SELECT type, id FROM events WHERE object_id = $1 ORDER BY seq',
      [objectId],
    )
  ).map((e) => e.type);
}

async function outboxCount(core: TestCore, objectId: string) {
  const [{ n }] = await core.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.object_id = $1',
    [objectId],
  );
  return n;
}

describe.each(engines())('charges (%s)', (engine) => {
  let core: TestCore;
  let appId: string;

  beforeAll(async () => {
    core = await testCore(engine);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(() => core.drop());

  it('creates a pending sandbox charge with its credential, event and outbox row', async () => {
    const charge = await createCharge(core, chargeParams(appId, { amount: 1234 }));
    expect(charge.id).toMatch(/^ch_[0-9a-f]{24}$/);
    expect(charge.status).toBe('pending');
    expect(charge.amount).toBe(1234);
    expect(charge.credential).toEqual({ qr_code: `http://127.0.0.1:3000/sandbox/pay/${charge.id}` });
    expect(charge.expiresAt.getTime() - charge.createdAt.getTime()).toBe(60 * 60 * 1000);
    expect(await eventsOf(core, charge.id)).toEqual(['charge.created']);
    expect(await outboxCount(core, charge.id)).toBe(1);
  });

  it('succeeds cash and diy tenders at once', async () => {
    for (const channel of ['cash', 'diy'] as const) {
      const charge = await createCharge(core, chargeParams(appId, { channel, method: 'offline' }));
      expect(charge.status).toBe('succeeded');
      expect(charge.paidAt).toEqual(core.clock.now());
      expect(await eventsOf(core, charge.id)).toEqual(['charge.created', 'charge.succeeded']);
    }
  });

  it('refuses a reused order number and changes nothing', async () => {
    const params = chargeParams(appId);
    await createCharge(core, params);
    const [{ n: before }] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges');
    await expect(createCharge(core, { ...params })).rejects.toMatchObject({ code: 'order_no_duplicate' });
    const [{ n: after }] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM charges');
    expect(after).toBe(before);
  });

  it('rejects invalid amounts, currencies and unsupported methods', async () => {
    await expect(createCharge(core, chargeParams(appId, { amount: 0 }))).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    await expect(createCharge(core, chargeParams(appId, { amount: 1.5 }))).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    await expect(createCharge(core, chargeParams(appId, { currency: 'EUR' as never }))).rejects.toMatchObject(
      {
        code: 'invalid_currency',
      },
    );
    await expect(
      createCharge(core, chargeParams(appId, { channel: 'cash', method: 'qr' })),
    ).rejects.toMatchObject({
      code: 'channel_not_supported',
    });
  });

  it('re-bills an unpaid order as a new attempt, and refuses once an attempt is paid', async () => {
    const params = chargeParams(appId, { dialect: 'maxpay', allowRebill: true });
    const first = await createCharge(core, params);
    const second = await createCharge(core, { ...params, channel: 'alipay', method: 'qr' });
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    await applyChargeResult(core, second.id, { status: 'succeeded' });
    await expect(createCharge(core, params)).rejects.toMatchObject({
      code: 'order_no_duplicate',
      details: { chargeId: second.id },
    });
  });

  it('keeps test and live order numbers apart', async () => {
    const params = chargeParams(appId, { channel: 'cash', method: 'offline' });
    await createCharge(core, params);
    const live = await createCharge(core, { ...params, livemode: true });
    expect(live.livemode).toBe(true);
    expect(live.status).toBe('succeeded');
  });

  it('closes the older attempt once a paid one commits; money reported for it later is raised, never lost', async () => {
    const params = chargeParams(appId, { dialect: 'maxpay', allowRebill: true });
    const first = await createCharge(core, params);
    const second = await createCharge(core, params);
    await applyChargeResult(core, second.id, { status: 'succeeded' });
    expect(await eventsOf(core, first.id)).toEqual(['charge.created', 'charge.closed']);
    await applyChargeResult(core, first.id, { status: 'succeeded', transactionNo: 'late_1' });
    expect(await eventsOf(core, first.id)).toEqual([
      'charge.created',
      'charge.closed',
      'charge.paid_after_close',
    ]);
    expect(await eventsOf(core, second.id)).toEqual(['charge.created', 'charge.succeeded']);
    // (Both attempts paid upstream, the duplicate and its automatic refund: duplicate-payments.test.ts.)
  });

  it('draws a new system order number when one collides', async () => {
    const first = await createCharge(core, chargeParams(appId));
    const ids = core.ids;
    let draws = 0;
    core.ids = { ...ids, orderSn: (now) => (draws++ === 0 ? first.orderSn : ids.orderSn(now)) };
    try {
      const second = await createCharge(core, chargeParams(appId));
      expect(draws).toBe(2);
      expect(second.orderSn).not.toBe(first.orderSn);
      expect(second.status).toBe('pending');
    } finally {
      core.ids = ids;
    }
  });

  it('applies a channel result once: duplicates and late results change nothing', async () => {
    const charge = await createCharge(core, chargeParams(appId));
    const first = await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'up_1' });
    const duplicate = await applyChargeResult(core, charge.id, {
      status: 'succeeded',
      transactionNo: 'up_2',
    });
    const late = await applyChargeResult(core, charge.id, { status: 'failed' });
    expect([first.applied, duplicate.applied, late.applied]).toEqual([true, false, false]);
    const stored = (await findCharge(core.db, charge.id))!;
    expect(stored.status).toBe('succeeded');
    expect(stored.transactionNo).toBe('up_1');
    expect(await eventsOf(core, charge.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('applies concurrent duplicate notifications exactly once', async () => {
    const charge = await createCharge(core, chargeParams(appId));
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'x' }),
      ),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(await eventsOf(core, charge.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('moves a barcode charge through user_paying to succeeded', async () => {
    const charge = await createCharge(core, chargeParams(appId, { method: 'barcode' }));
    expect(charge.status).toBe('user_paying');
    await applyChargeResult(core, charge.id, { status: 'succeeded' });
    expect(await eventsOf(core, charge.id)).toEqual([
      'charge.created',
      'charge.user_paying',
      'charge.succeeded',
    ]);
  });

  it('cancels only unpaid charges', async () => {
    const unpaid = await createCharge(core, chargeParams(appId));
    const canceled = await cancelCharge(core, unpaid.id);
    expect(canceled.status).toBe('canceled');
    await expect(cancelCharge(core, unpaid.id)).rejects.toMatchObject({ code: 'charge_not_cancelable' });
    const paid = await createCharge(core, chargeParams(appId, { channel: 'cash', method: 'offline' }));
    await expect(cancelCharge(core, paid.id)).rejects.toMatchObject({ code: 'charge_already_paid' });
  });

  it('records money taken after close once, without reopening the charge', async () => {
    const charge = await createCharge(core, chargeParams(appId));
    await cancelCharge(core, charge.id);
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'late' });
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'late' });
    expect((await findCharge(core.db, charge.id))!.status).toBe('canceled');
    expect(await eventsOf(core, charge.id)).toEqual([
      'charge.created',
      'charge.canceled',
      'charge.paid_after_close',
    ]);
  });

  it('expires unpaid charges past time_expire and leaves paid ones alone', async () => {
    const expiring = await createCharge(
      core,
      chargeParams(appId, { expiresAt: new Date(core.clock.now().getTime() + 60_000) }),
    );
    const paid = await createCharge(
      core,
      chargeParams(appId, { expiresAt: new Date(core.clock.now().getTime() + 60_000) }),
    );
    await applyChargeResult(core, paid.id, { status: 'succeeded' });
    expect(await expireCharges(core)).toBe(0);
    core.clock.advance(61_000);
    await expireCharges(core);
    expect((await findCharge(core.db, expiring.id))!.status).toBe('closed');
    expect((await findCharge(core.db, paid.id))!.status).toBe('succeeded');
    core.clock.advance(-61_000);
  });

  it('resolves a charge by id, system order number or merchant order number', async () => {
    const charge = await createCharge(core, chargeParams(appId));
    for (const ref of [charge.id, charge.orderSn, charge.orderNo]) {
      expect((await resolveChargeReference(core.db, ref, { livemode: false })).id).toBe(charge.id);
    }
    await expect(resolveChargeReference(core.db, 'nope')).rejects.toMatchObject({ code: 'charge_not_found' });
  });

  it('lists with filters and keyset pages in both directions', async () => {
    const { app } = await seedApp(core);
    const made = [];
    for (let i = 0; i < 7; i++) {
      core.clock.advance(1000);
      made.push(await createCharge(core, chargeParams(app.id, { channel: i % 2 ? 'alipay' : 'wechatpay' })));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listCharges(core.db, { appId: app.id, limit: 3, cursor });
      seen.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made.map((c) => c.id).reverse());
    const asc = await listCharges(core.db, { appId: app.id, order: 'asc', limit: 100 });
    expect(asc.data.map((c) => c.id)).toEqual(made.map((c) => c.id));
    const alipay = await listCharges(core.db, { appId: app.id, channel: 'alipay', limit: 100 });
    expect(alipay.data).toHaveLength(3);
    const window = await listCharges(core.db, {
      appId: app.id,
      createdGte: made[2]!.createdAt,
      createdLte: made[4]!.createdAt,
      limit: 100,
    });
    expect(window.data.map((c) => c.id)).toEqual([made[4]!.id, made[3]!.id, made[2]!.id]);
    const byOrder = await listCharges(core.db, { orderNo: made[5]!.orderNo });
    expect(byOrder.data.map((c) => c.id)).toEqual([made[5]!.id]);
  });
});
