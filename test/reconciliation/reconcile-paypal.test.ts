/**
 * A day reconciled against the PayPal simulator's Transaction Search
 * (/v1/reporting/transactions, paged, OAuth bearer): matched captures and refunds with
 * PayPal's fee written on them, a capture PayPal lists that the books never saw, one the
 * listing leaves out, "not ready" until last_refreshed_datetime passes the day's end, and
 * a page cut short. Both engines, the simulator over HTTP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { paypalConnector } from '../../src/channels/paypal/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import type { Charge } from '../../src/domain/charge.js';
import { type PaypalSimulator, paypalSimulatorOf } from '../../src/sandbox/paypal/index.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';

describe.each(engines())('reconciling a PayPal day (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'PayPal recon',
    connectors: () => connectorRegistry({ paypal: paypalConnector() }),
    simulator: paypalSimulatorOf,
  });
  let core: TestCore;
  let sim: PaypalSimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  const charges = numberedCharges(gateway, 'pr', {
    channel: 'paypal',
    amount: 2000,
    currency: 'USD',
    subject: 'Tea',
  });
  const run = () => reconcileDay(core, { provider: 'paypal' }, { date: '2026-05-01', trigger: 'manual' });
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, charge_id, out_trade_no, upstream_amount, local_amount FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
  const paid = async (amount: number) => {
    const c = await charges.create({ method: 'page', amount });
    await sim.payerAct(String(c.credential!.paypal_order_id), 'pay');
    await sim.runDue(); // CHECKOUT.ORDER.APPROVED: the gateway captures
    return c;
  };
  let first: Charge, second: Charge, refundId: string;

  beforeAll(async () => {
    core.clock.set('2026-05-01T02:00:00Z'); // 10:00 in Shanghai
    first = await paid(2000);
    core.clock.advance(60_000);
    second = await paid(1050);
    refundId = (await createRefund(core, { chargeId: second.id, amount: 50 })).id;
    await sim.runDue();
  }, 120_000);

  it('is not ready until PayPal has listed the whole day', async () => {
    core.clock.set('2026-05-01T17:00:00Z'); // 01:00 the next day in Shanghai: PayPal lags 3 hours
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['not_ready', 0]);
    expect(r.error).toMatch(/not (available|listed)/);
  });

  it('matches captures and refunds and writes PayPal fee on them', async () => {
    expect([(await current(first)).status, (await current(second)).status]).toEqual([
      'succeeded',
      'succeeded',
    ]);
    core.clock.set('2026-05-02T03:00:00Z');
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.rowsRead).toBe(3);
    expect(r.counts).toEqual({ matched: 3, fee_recorded: 3 });
    expect(r.statementId).toMatch(/^paypal:transactions:2026-05-01:[0-9a-f]{40}$/);
    // 3.49% rounded down: 69 cents on 20.00, 36 on 10.50; 1 handed back on the 0.50 refund
    const charge = (
      await core.db.query<any>('SELECT fee, amount_settle FROM charges WHERE id = $1', [first.id])
    )[0];
    expect([Number(charge.fee), Number(charge.amount_settle)]).toEqual([69, 1931]);
    const refund = (
      await core.db.query<any>('SELECT fee, amount_settle FROM refunds WHERE id = $1', [refundId])
    )[0];
    expect([Number(refund.fee), Number(refund.amount_settle)]).toEqual([-1, 49]);
    expect(r.feeTotal).toBe(69 + 36 - 1);
  });

  it('a capture the books never saw, and one the listing leaves out', async () => {
    sim.reporting.faults.add('extra_row');
    sim.reporting.faults.add('missing_row');
    const r = (await run())!;
    const found = await items(r.id);
    expect(found.map((i) => [i.class, i.charge_id ?? i.out_trade_no.slice(0, 8)])).toEqual(
      expect.arrayContaining([
        ['missing_here', 'STRANGER'],
        ['missing_upstream', first.id],
      ]),
    );
    expect(Number(found.find((i) => i.class === 'missing_here')!.upstream_amount)).toBe(888);
  });

  it('a page cut short fails the run and changes nothing', async () => {
    const before = await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id');
    sim.reporting.faults.add('corrupt');
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['failed', 0]);
    expect(await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id')).toEqual(before);
  });

  const current = async (c: Charge) =>
    (await core.db.query<any>('SELECT status FROM charges WHERE id = $1', [c.id]))[0];
});
