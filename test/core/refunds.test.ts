import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge, listRefundsOfCharge } from '../../src/db/charges.js';
import { JuheError } from '../../src/domain/errors.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { chargeParams, paidCharge, seedApp } from '../support/fixtures.js';

describe.each(engines())('refunds (%s)', (engine) => {
  let core: TestCore;
  let appId: string;

  beforeAll(async () => {
    core = await testCore(engine);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(() => core.drop());

  it('refunds partially and repeatedly up to the amount paid, never beyond', async () => {
    const charge = await paidCharge(core, appId, { amount: 1000 });
    const first = await createRefund(core, { chargeId: charge.id, amount: 300, description: 'one cup' });
    const second = await createRefund(core, { chargeId: charge.id, amount: 700 });
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect((await findCharge(core.db, charge.id))!.amountRefunded).toBe(1000);
    await expect(createRefund(core, { chargeId: charge.id, amount: 1 })).rejects.toMatchObject({
      code: 'refund_exceeds_amount',
    });
    expect(await listRefundsOfCharge(core.db, charge.id)).toHaveLength(2);
  });

  it('defaults to the whole remaining amount', async () => {
    const charge = await paidCharge(core, appId, { amount: 999 });
    await createRefund(core, { chargeId: charge.id, amount: 99 });
    const rest = await createRefund(core, { chargeId: charge.id });
    expect(rest.amount).toBe(900);
    const events = await core.db.query<{ type: string }>(
      `SELECT type FROM events WHERE object_id = $1 ORDER BY seq`,
      [rest.id],
    );
    expect(events.map((e) => e.type)).toEqual(['refund.created', 'refund.succeeded']);
  });

  it('refunds only succeeded charges', async () => {
    const unpaid = await createCharge(core, chargeParams(appId));
    await expect(createRefund(core, { chargeId: unpaid.id })).rejects.toMatchObject({
      code: 'charge_not_refundable',
    });
    await expect(createRefund(core, { chargeId: 'ch_000000000000000000000000' })).rejects.toMatchObject({
      code: 'charge_not_found',
    });
    const charge = await paidCharge(core, appId);
    await expect(createRefund(core, { chargeId: charge.id, amount: 0 })).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    expect(await listRefundsOfCharge(core.db, charge.id)).toHaveLength(0);
  });

  it('refuses a reused merchant refund number', async () => {
    const charge = await paidCharge(core, appId, { amount: 500 });
    await createRefund(core, { chargeId: charge.id, amount: 100, refundNo: 'R-1' });
    await expect(
      createRefund(core, { chargeId: charge.id, amount: 100, refundNo: 'R-1' }),
    ).rejects.toMatchObject({
      code: 'refund_no_duplicate',
    });
  });

  it('never refunds more than was paid under 50 concurrent partial refunds', async () => {
    const charge = await paidCharge(core, appId, { amount: 1000 });
    // 50 requests of 30 fen each: at most 33 fit into 1000.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => createRefund(core, { chargeId: charge.id, amount: 30 })),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(ok).toHaveLength(33);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(JuheError);
      expect((r as PromiseRejectedResult).reason.code).toBe('refund_exceeds_amount');
    }
    const stored = (await findCharge(core.db, charge.id))!;
    expect(stored.amountRefunded).toBe(990);
    const [{ total }] = await core.db.query<{ total: number }>(
      'SELECT sum(amount)::bigint AS total FROM refunds WHERE charge_id = $1',
      [charge.id],
    );
    expect(total).toBe(990);
  });
});
