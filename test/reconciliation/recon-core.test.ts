/**
 * The reconciliation core beyond one provider's format: statement faults set per day
 * through the admin API, the overview's open mismatch figure, and the daily job on two
 * nodes sharing one database (each a Core of its own; on PostgreSQL each with its own pool).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { reconcileDueDays } from '../../src/core/reconciliation/daily.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import type { Core } from '../../src/core/context.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Charge } from '../../src/domain/charge.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { call } from '../support/server.js';
import { useReconGateway } from './gateway.js';

describe.each(engines())('reconciliation core (%s)', (engine) => {
  const gateway = useReconGateway(engine, 'Recon core');
  const api = (method: string, path: string, body?: unknown) =>
    call(gateway.server, method, `/api/v1${path}`, { token: gateway.server.tokens.owner, body });
  const charges = numberedCharges(gateway, 'rk', {
    channel: 'wechatpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Tea',
    clientIp: '203.0.113.9',
  });
  const run = (date: string) =>
    reconcileDay(gateway.core, { provider: 'wechatpay' }, { date, trigger: 'manual' });
  let paid: Charge;

  beforeAll(async () => {
    const { core, sim } = gateway;
    core.clock.set('2026-03-01T02:00:00Z');
    paid = await charges.create({ method: 'qr' });
    await sim.payerAct(sim.keys.merchant.mchid, paid.orderSn, 'pay');
    await sim.runDue();
    core.clock.set('2026-03-03T03:00:00Z');
  }, 120_000);

  it('sets, lists and clears statement faults for a day through the admin API', async () => {
    const notReady = await api('POST', '/sandbox/wechatpay/statement_faults', {
      kind: 'not_ready',
      date: '2026-03-01',
    });
    expect(notReady.status).toBe(201);
    const extra = await api('POST', '/sandbox/wechatpay/statement_faults', {
      kind: 'extra_row',
      date: '2026-03-02',
    });
    expect(extra.body.statement_faults).toEqual([
      { kind: 'not_ready', remaining: 1, date: '2026-03-01' },
      { kind: 'extra_row', remaining: 1, date: '2026-03-02' },
    ]);
    // The 2nd is not touched by the fault of the 1st, and the reverse.
    expect((await run('2026-03-01'))!.status).toBe('not_ready');
    const first = (await run('2026-03-01'))!;
    expect([first.status, first.counts]).toEqual(['completed', { matched: 1, fee_recorded: 1 }]);
    const listed = await api('GET', '/sandbox/wechatpay/statement_faults');
    expect(listed.body.statement_faults).toEqual([{ kind: 'extra_row', remaining: 1, date: '2026-03-02' }]);
    const second = (await run('2026-03-02'))!;
    expect([second.status, second.counts]).toEqual(['completed', { missing_here: 1 }]);
    expect((await api('GET', '/sandbox/wechatpay/statement_faults')).body.statement_faults).toEqual([]);

    await api('POST', '/sandbox/wechatpay/statement_faults', { kind: 'corrupt', count: 2 });
    expect((await api('DELETE', '/sandbox/wechatpay/statement_faults')).body).toEqual({
      statement_faults: [],
    });
    expect((await run('2026-03-01'))!.status).toBe('completed');
  });

  it('refuses an unknown fault or a day that does not exist, adding nothing', async () => {
    const kind = await api('POST', '/sandbox/wechatpay/statement_faults', { kind: 'error_5xx' });
    expect(kind.status).toBe(400);
    const day = await api('POST', '/sandbox/wechatpay/statement_faults', {
      kind: 'not_ready',
      date: '2026-02-30',
    });
    expect([day.status, day.body.error.code]).toEqual([400, 'invalid_parameter']);
    expect((await api('GET', '/sandbox/wechatpay/statement_faults')).body.statement_faults).toEqual([]);
  });

  it("the overview counts the latest run's open mismatches of each day", async () => {
    const overview = async () =>
      (await api('GET', '/reports/overview?mode=test')).body.reconciliation_open_mismatches;
    // The 2nd's only run found the stranger; the 1st's latest run matched everything.
    expect(await overview()).toBe(1);
    // Runs are ordered by when they finished: the clock moves between them.
    gateway.core.clock.advance(60_000);
    gateway.sim.bills.faults.addFor('2026-03-01', 'missing_row');
    const spoiled = (await run('2026-03-01'))!;
    expect(spoiled.counts).toMatchObject({ missing_upstream: 1 });
    // The missing line, and the fund-flow bill's totals it no longer agrees with.
    const items = (await api('GET', `/reconciliation_items?run=${spoiled.id}&limit=100`)).body.data;
    expect(items.map((i: { class: string }) => i.class)).toContain('missing_upstream');
    expect(await overview()).toBe(1 + items.length);
    gateway.core.clock.advance(60_000);
    expect((await run('2026-03-01'))!.counts.matched).toBe(1);
    expect(await overview()).toBe(1);
  });

  it('two nodes on one database run the T+1 day once', async () => {
    const { core } = gateway;
    // A second node: its own Core (and, on PostgreSQL, its own connection pool) on the same database.
    const db = core.dbUrl ? openPostgres(core.dbUrl, 4) : core.db;
    const other: Core = { ...core, db, ids: core.ids };
    try {
      core.clock.set('2026-03-02T01:00:00Z'); // 09:00 on the 2nd in Shanghai: the 1st is due
      const [a, b] = await Promise.all([reconcileDueDays(core), reconcileDueDays(other)]);
      // Every simulator has a statement: each provider's day is run once, by one of the nodes.
      const runs = [...a, ...b];
      expect(runs.map((r) => [r.provider, r.billDate, r.trigger]).sort()).toEqual(
        ['alipay', 'lakala', 'paypal', 'unionpay', 'wechatpay'].map((p) => [p, '2026-03-01', 'daily']),
      );
      expect(runs.find((r) => r.provider === 'wechatpay')?.status).toBe('completed');
      expect(await reconcileDueDays(other)).toEqual([]);
      const daily = await core.db.query(
        `SELECT provider FROM reconciliation_runs WHERE trigger = 'daily' ORDER BY provider`,
      );
      expect(daily).toHaveLength(5);
    } finally {
      if (db !== core.db) await db.close();
    }
  });
});
