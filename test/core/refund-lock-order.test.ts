import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult, applyRefundResult } from '../../src/core/channel-results/apply-channel-result.js';
import { findCharge, findRefund } from '../../src/db/charges.js';
import type { Db } from '../../src/db/db.js';
import { isConflict } from '../../src/db/transient.js';
import type { Charge } from '../../src/domain/charge.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { paidCharge, seedApp } from '../support/fixtures.js';

/**
 * Issue 15 item 3, forced: the refund's channel answer (applyRefundResult in its own
 * transaction) and the Alipay notification (charge, then its refund, in one transaction)
 * meet on the same charge and refund. Two real PostgreSQL transactions, interleaved by
 * waiting until one is blocked on the other's lock. PGlite runs one transaction at a time,
 * so there is no interleaving to force there.
 */
describe.skipIf(!engines().includes('postgres'))('refund and charge locks (postgres)', () => {
  let core: TestCore;
  let appId: string;
  /** Every error a transaction of the seam failed with, retried ones included. */
  const failures: unknown[] = [];

  beforeAll(async () => {
    core = await testCore('postgres');
    appId = (await seedApp(core)).app.id;
    const tx = core.db.tx.bind(core.db);
    core.db.tx = ((fn) =>
      tx(fn).catch((error: unknown) => {
        failures.push(error);
        throw error;
      })) as Db['tx'];
  });
  afterAll(() => core.drop());

  async function pendingRefund(charge: Charge, amount: number): Promise<string> {
    const id = core.ids.next('refund');
    await core.db.query(
      `INSERT INTO refunds (id, charge_id, app_id, livemode, refund_no, amount, currency, status, metadata, extra,
         created_at, updated_at)
       VALUES ($1, $2, $3, false, $1, $4, 'CNY', 'pending', '{}', '{}', now(), now())`,
      [id, charge.id, charge.appId, amount],
    );
    return id;
  }

  /** Resolves once some other session of the test database waits for a lock. */
  async function someoneWaitsForALock(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [{ waiting }] = await core.db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no transaction ever waited for a lock');
  }

  it('the refund result and the Alipay notification lock charge then refund: no deadlock, applied once', async () => {
    const charge = await paidCharge(core, appId, { amount: 1000 });
    const refundId = await pendingRefund(charge, 400);
    failures.length = 0;

    let letNotificationGoOn!: () => void;
    const goOn = new Promise<void>((resolve) => (letNotificationGoOn = resolve));
    let chargeLocked!: () => void;
    const locked = new Promise<void>((resolve) => (chargeLocked = resolve));
    // The notification, as channels/alipay/notify.ts runs it: the charge's result, then its refund's.
    const notification = core.db.tx(async (q) => {
      await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: `tx_${charge.id}` }, q);
      chargeLocked();
      await goOn;
      return applyRefundResult(core, refundId, { status: 'succeeded', transactionNo: 'alipay-refund' }, q);
    });
    await locked;
    // The refund's own channel answer arrives meanwhile; with the old order it took the
    // refund's lock here and waited for the charge's.
    const channelAnswer = applyRefundResult(core, refundId, {
      status: 'succeeded',
      transactionNo: 'alipay-refund',
    });
    await someoneWaitsForALock();
    letNotificationGoOn();

    const [fromNotification, fromAnswer] = await Promise.all([notification, channelAnswer]);
    expect(failures.filter(isConflict)).toEqual([]);
    expect([fromNotification.applied, fromAnswer.applied].sort()).toEqual([false, true]);
    expect((await findRefund(core.db, refundId))!.status).toBe('succeeded');
    expect((await findCharge(core.db, charge.id))!.amountRefunded).toBe(400);
  });

  it('a deadlock with a path that still locks refund first is retried inside the use case, never reaching the caller', async () => {
    const charge = await paidCharge(core, appId, { amount: 1000 });
    const refundId = await pendingRefund(charge, 300);
    failures.length = 0;

    let refundLocked!: () => void;
    const locked = new Promise<void>((resolve) => (refundLocked = resolve));
    let takeCharge!: () => void;
    const goOn = new Promise<void>((resolve) => (takeCharge = resolve));
    // A foreign transaction in the wrong order: refund, then (once the use case waits) charge.
    const wrongOrder = core.db.tx(async (q) => {
      await q.query('SELECT id FROM refunds WHERE id = $1 FOR UPDATE', [refundId]);
      refundLocked();
      await goOn;
      await q.query('SELECT id FROM charges WHERE id = $1 FOR UPDATE', [charge.id]);
    });
    await locked;
    // Locks the charge, then waits for the refund: the two now wait for each other.
    const useCase = applyRefundResult(core, refundId, { status: 'succeeded', transactionNo: 'r1' });
    await someoneWaitsForALock();
    takeCharge();

    const settled = await Promise.allSettled([wrongOrder, useCase]);
    // PostgreSQL broke the deadlock by failing one side; if it was the use case, it ran again.
    expect(failures.filter(isConflict).length).toBeGreaterThanOrEqual(1);
    expect(settled[1]).toMatchObject({ status: 'fulfilled', value: { applied: true } });
    expect((await findRefund(core.db, refundId))!.status).toBe('succeeded');
    expect((await findCharge(core.db, charge.id))!.amountRefunded).toBe(300);
  });
});
