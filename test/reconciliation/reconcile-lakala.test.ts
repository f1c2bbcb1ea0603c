/**
 * A Lakala day reconciled by query (Lakala publishes no statement file): each charge and
 * refund the books created that day is asked about upstream, and the answers are classed
 * like a statement's lines: matched (fee 0: the queries carry none), paid upstream but
 * pending here repaired through the normal transition, here but not upstream, amount,
 * status and refund mismatches; a day not over is not ready; a query without a trustworthy
 * answer fails the run and changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { lakalaConnector } from '../../src/channels/lakala/connector.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { type LakalaSimulator, simulatorOf } from '../../src/sandbox/lakala/simulator.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';

describe.each(engines())('reconciling a Lakala day by query (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'Lakala recon',
    connectors: () => connectorRegistry({ lakala: lakalaConnector() }),
    simulator: simulatorOf,
  });
  let core: TestCore;
  let sim: LakalaSimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  const charges = numberedCharges(gateway, 'lrc', {
    channel: 'lakala',
    amount: 1000,
    currency: 'CNY',
    subject: 'Coffee',
    clientIp: '203.0.113.7',
  });
  const create = () => charges.create({ method: 'page', extra: { user_id: 'aaa111' } });
  const pay = (c: Charge) => sim.payerAct(c.orderSn, 'pay');
  const current = async (c: { id: string }) => (await findCharge(core.db, c.id))!;
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, charge_id, refund_id, upstream_amount, local_amount FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
  const run = () => reconcileDay(core, { provider: 'lakala' }, { date: '2026-03-01', trigger: 'manual' });

  let matched: Charge, lost: Charge, shortPaid: Charge, failedHere: Charge, phantom: Charge, declined: Charge;
  let refundId: string;
  beforeAll(async () => {
    sim.setClientTimeout(20_000); // a loaded machine: the upstream answer must not be lost
    core.clock.set('2026-03-01T02:00:00Z'); // 10:00 in Shanghai
    matched = await create();
    await pay(matched);
    refundId = (await createRefund(core, { chargeId: matched.id, amount: 300 })).id;
    shortPaid = await create();
    await pay(shortPaid);
    const refundShort = (await createRefund(core, { chargeId: shortPaid.id, amount: 100 })).id;
    lost = await create();
    sim.faults.add('drop'); // its notification never comes: pending here, paid there
    await pay(lost);
    failedHere = await create();
    sim.faults.add('drop');
    await pay(failedHere);
    declined = await create();
    await sim.payerAct(declined.orderSn, 'decline');
    phantom = await create(); // never paid upstream; our books will say it succeeded
    await sim.runDue();
    // Lakala holds 999 for shortPaid and 99 of its refund; our books failed a charge Lakala
    // took and think an unpaid one succeeded.
    await core.db.query('UPDATE lklsim_orders SET total_amount = 999 WHERE out_order_no = $1', [
      shortPaid.orderSn,
    ]);
    await core.db.query('UPDATE lklsim_refunds SET refund_amount = 99 WHERE out_trade_no = $1', [
      refundShort,
    ]);
    await core.db.query(`UPDATE charges SET status = 'failed' WHERE id = $1`, [failedHere.id]);
    await core.db.query(`UPDATE charges SET status = 'succeeded', paid_at = $2 WHERE id = $1`, [
      phantom.id,
      new Date('2026-03-01T03:00:00Z'),
    ]);
  }, 120_000);

  it('a day not over yet is not ready', async () => {
    core.clock.set('2026-03-01T12:00:00Z'); // 20:00 in Shanghai
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['not_ready', 0]);
    core.clock.set('2026-03-02T03:00:00Z');
  });

  it('classes every queried charge and refund; repairs what Lakala says was paid', async () => {
    expect((await current(lost)).status).toBe('pending');
    const r = (await run())!;
    expect([r.status, r.error]).toEqual(['completed', null]);
    expect(r.statementId).toMatch(/^lakala:query:2026-03-01:/);
    expect(r.rowsRead).toBe(6); // 4 paid orders + 2 refunds; the declined and unpaid ones are no line
    expect(r.counts).toEqual({
      matched: 2, // matched and its refund
      fee_recorded: 3, // those two + the repaired one
      repaired: 1,
      amount_mismatch: 1,
      refund_mismatch: 1,
      status_mismatch: 1,
      missing_upstream: 1,
    });
    const found = await items(r.id);
    expect(found.map((i) => [i.class, i.charge_id])).toEqual(
      expect.arrayContaining([
        ['amount_mismatch', shortPaid.id],
        ['refund_mismatch', shortPaid.id],
        ['repaired', lost.id],
        ['status_mismatch', failedHere.id],
        ['missing_upstream', phantom.id],
      ]),
    );
    const short = found.find((i) => i.class === 'amount_mismatch')!;
    expect([Number(short.upstream_amount), Number(short.local_amount)]).toEqual([999, 1000]);
    const charge = (await core.db.query<any>('SELECT * FROM charges WHERE id = $1', [matched.id]))[0];
    expect([Number(charge.fee), Number(charge.amount_settle), charge.statement_id]).toEqual([
      0,
      1000,
      r.statementId,
    ]);
    const refund = (await core.db.query<any>('SELECT * FROM refunds WHERE id = $1', [refundId]))[0];
    expect([Number(refund.fee), Number(refund.amount_settle)]).toEqual([0, 300]);
    expect((await current(lost)).status).toBe('succeeded');
    expect((await current(declined)).status).not.toBe('succeeded');
  });

  it('a query without a trustworthy answer fails the run and changes nothing', async () => {
    const before = await core.db.query('SELECT id, status, fee, statement_id FROM charges ORDER BY id');
    sim.faults.add('error_5xx');
    const r = (await run())!;
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/no trustworthy answer: HTTP 500/);
    expect(await core.db.query('SELECT id, status, fee, statement_id FROM charges ORDER BY id')).toEqual(
      before,
    );
  });
});
