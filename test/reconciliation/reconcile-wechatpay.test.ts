/**
 * A day reconciled against the WeChat Pay simulator's bill, one scenario per class of
 * result: matched (with the fee and settlement written on the charge and refund), paid
 * upstream but pending here (repaired by query through the normal transition, with its
 * event), here but not upstream, upstream but unknown here, amount, status and refund
 * mismatches; the mismatch event; a rerun changes nothing; the daily job runs a day once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { reconcileCommand } from '../../src/cli/reconcile.js';
import { reconcileDueDays } from '../../src/core/reconciliation/daily.js';
import { call } from '../support/server.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import type { Charge } from '../../src/domain/charge.js';
import { findCharge } from '../../src/db/charges.js';
import type { WechatpaySimulator } from '../../src/sandbox/wechatpay/index.js';
import { useReconGateway } from './gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';

describe.each(engines())('reconciling a WeChat Pay day (%s)', (engine) => {
  const gateway = useReconGateway(engine, 'WeChat recon');
  const events = async (id: string) =>
    (
      await core.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY seq', [id])
    ).map((r) => r.type);
  const current = async (c: { id: string }) => (await findCharge(core.db, c.id))!;
  let core: TestCore;
  let sim: WechatpaySimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  const charges = numberedCharges(gateway, 'rc', {
    channel: 'wechatpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Noodles',
    clientIp: '203.0.113.7',
  });
  const pay = (c: Charge) => sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay');
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, charge_id, refund_id, out_trade_no, upstream_amount, local_amount, local_status, fee FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
  const run = () => reconcileDay(core, { provider: 'wechatpay' }, { date: '2026-03-01', trigger: 'manual' });

  let matched: Charge, lost: Charge, gone: Charge, shortPaid: Charge, failedHere: Charge;
  let refundId: string, refundShort: string;
  beforeAll(async () => {
    core.clock.set('2026-03-01T02:00:00Z'); // 10:00 in Shanghai
    gone = await charges.create({ method: 'qr' }); // paid first: the `missing_row` fault drops it
    await pay(gone);
    core.clock.advance(60_000);
    matched = await charges.create({ method: 'qr' });
    await pay(matched);
    refundId = (await createRefund(core, { chargeId: matched.id, amount: 300 })).id;
    shortPaid = await charges.create({ method: 'qr' });
    await pay(shortPaid);
    refundShort = (await createRefund(core, { chargeId: shortPaid.id, amount: 100 })).id;
    lost = await charges.create({ method: 'qr' });
    sim.faults.add('drop'); // its callback never comes: pending here, paid there
    await pay(lost);
    failedHere = await charges.create({ method: 'qr' });
    sim.faults.add('drop');
    await pay(failedHere);
    await sim.runDue();
    // The books and the upstream disagree: WeChat settled 999 for shortPaid and 99 of its
    // refund; our books wrongly failed a charge WeChat took.
    await core.db.query('UPDATE wxsim_orders SET total = 999 WHERE out_trade_no = $1', [shortPaid.orderSn]);
    await core.db.query('UPDATE wxsim_refunds SET refund = 99 WHERE out_refund_no = $1', [refundShort]);
    await core.db.query(`UPDATE charges SET status = 'failed' WHERE id = $1`, [failedHere.id]);
    core.clock.set('2026-03-02T03:00:00Z');
  }, 60_000);

  it('classes every line; matched lines carry fee and settlement', async () => {
    expect((await current(lost)).status).toBe('pending');
    sim.bills.faults.add('extra_row');
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.rowsRead).toBe(8); // 5 payments + 2 refunds + the stranger
    expect(r.counts).toEqual({
      matched: 3, // gone, matched, its refund
      fee_recorded: 4, // those three + the repaired one
      repaired: 1,
      missing_here: 1,
      amount_mismatch: 1,
      refund_mismatch: 1,
      status_mismatch: 1,
    });
    const found = await items(r.id);
    expect(found.map((i) => [i.class, i.charge_id ?? i.out_trade_no.slice(0, 8)])).toEqual(
      expect.arrayContaining([
        ['missing_here', 'STRANGER'],
        ['amount_mismatch', shortPaid.id],
        ['refund_mismatch', shortPaid.id],
        ['repaired', lost.id],
        ['status_mismatch', failedHere.id],
      ]),
    );
    const short = found.find((i) => i.class === 'amount_mismatch')!;
    expect([Number(short.upstream_amount), Number(short.local_amount)]).toEqual([999, 1000]);
    // fee 0.6% of 10.00 = 6 fen; the refund of 3.00 hands 2 fen back
    const charge = (await core.db.query<any>('SELECT * FROM charges WHERE id = $1', [matched.id]))[0];
    expect([Number(charge.fee), Number(charge.amount_settle), charge.statement_id]).toEqual([
      6,
      994,
      r.statementId,
    ]);
    expect(new Date(charge.time_settle).getTime()).toBe((await current(matched)).paidAt!.getTime());
    const refund = (await core.db.query<any>('SELECT * FROM refunds WHERE id = $1', [refundId]))[0];
    expect([Number(refund.fee), Number(refund.amount_settle)]).toEqual([-2, 298]);
    expect(r.feeTotal).toBe(6 + 6 - 2 + 6);
  });

  it('repairs through the normal transition, with its event; raises the mismatch event', async () => {
    expect((await current(lost)).status).toBe('succeeded');
    expect(await events(lost.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect((await current(failedHere)).status).toBe('failed');
    const raised = await core.db.query<{ type: string; object_type: string }>(
      `SELECT type, object_type FROM events WHERE type = 'reconciliation.mismatch'`,
    );
    expect(raised).toEqual([{ type: 'reconciliation.mismatch', object_type: 'reconciliation_run' }]);
  });

  it('here but not upstream: a paid charge the statement leaves out', async () => {
    sim.bills.faults.add('missing_row');
    const r = (await run())!;
    const missing = (await items(r.id)).filter((i) => i.class === 'missing_upstream');
    expect(missing.map((i) => [i.charge_id, Number(i.local_amount)])).toEqual([[gone.id, 1000]]);
    expect(r.counts.matched).toBe(3); // matched, its refund, and now the repaired one
  });

  it('a corrupt or wrongly hashed file fails the run and changes nothing', async () => {
    const before = await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id');
    sim.bills.faults.add('wrong_hash');
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['failed', 0]);
    expect(r.error).toMatch(/SHA1/);
    expect(await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id')).toEqual(before);
  });

  it('the daily job does yesterday once across nodes; a day not ready is tried again', async () => {
    core.clock.set('2026-03-02T00:30:00Z'); // 08:30 on the 2nd: yesterday is the 1st
    sim.bills.faults.add('not_ready');
    // Every test-mode provider with a statement has a daily run (PayPal's day is ready at once).
    const wechat = <R extends { provider: string }>(runs: R[]) =>
      runs.filter((r) => r.provider === 'wechatpay');
    expect(wechat(await reconcileDueDays(core)).map((r) => r.status)).toEqual(['not_ready']);
    const first = wechat(await reconcileDueDays(core));
    expect(first.map((r) => [r.billDate, r.trigger, r.status])).toEqual([
      ['2026-03-01', 'daily', 'completed'],
    ]);
    expect(wechat(await reconcileDueDays(core))).toEqual([]); // another node, or the next pass: already done
    const daily = await core.db.query(
      `SELECT id FROM reconciliation_runs WHERE trigger = 'daily' AND provider = 'wechatpay'`,
    );
    expect(daily).toHaveLength(1);
  });

  describe('admin API, exports, reports and the CLI', () => {
    const api = (method: string, path: string, body?: unknown) =>
      call(gateway.server, method, `/api/v1${path}`, { token: gateway.server.tokens.owner, body });

    it('runs a day on demand and pages through runs and items', async () => {
      const created = await api('POST', '/reconciliation_runs', {
        date: '2026-03-01',
        provider: 'wechatpay',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        object: 'reconciliation_run',
        status: 'completed',
        trigger: 'manual',
      });
      // WeChat Pay's runs: the daily job also ran the other simulators' days.
      const first = await api('GET', '/reconciliation_runs?date=2026-03-01&provider=wechatpay&limit=2');
      expect([first.body.data.length, first.body.has_more]).toEqual([2, true]);
      expect(first.body.data[0].date).toBe('2026-03-01');
      const next = await api(
        'GET',
        `/reconciliation_runs?date=2026-03-01&provider=wechatpay&limit=100&starting_after=${first.body.data[1].id}`,
      );
      const ids = [...first.body.data, ...next.body.data].map((r: { id: string }) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(5); // three manual runs above, the daily one, this one
      const items = await api('GET', `/reconciliation_items?run=${created.body.id}&class=amount_mismatch`);
      expect(items.body.data.map((i: any) => [i.charge, i.upstream_amount, i.local_amount])).toEqual([
        [shortPaid.id, 999, 1000],
      ]);
      const paged = await api('GET', `/reconciliation_items?run=${created.body.id}&limit=1`);
      const rest = await api(
        'GET',
        `/reconciliation_items?run=${created.body.id}&starting_after=${paged.body.data[0].id}`,
      );
      expect(paged.body.has_more).toBe(true);
      expect(rest.body.data[0].id).toBeGreaterThan(paged.body.data[0].id);
    });

    it('refuses a bad day or an ambiguous target, changing nothing', async () => {
      const runs = (await core.db.query('SELECT id FROM reconciliation_runs')).length;
      expect(
        (await api('POST', '/reconciliation_runs', { date: '2026-02-30', provider: 'wechatpay' })).body.error
          .code,
      ).toBe('invalid_parameter');
      const both = await api('POST', '/reconciliation_runs', {
        date: '2026-03-01',
        provider: 'wechatpay',
        config: 'cc_x',
      });
      expect([both.status, both.body.error.code]).toEqual([400, 'invalid_parameter']);
      expect(await core.db.query('SELECT id FROM reconciliation_runs')).toHaveLength(runs);
    });

    it('exports the items as CSV and XLSX, one row per item', async () => {
      // Runs made at the same (injected) instant list in id order, which is random: take one
      // that found the short payment, whichever it is.
      const runs = (await api('GET', '/reconciliation_runs?date=2026-03-01&limit=100')).body.data;
      let run: { id: string } | undefined;
      for (const candidate of runs) {
        const found = await api('GET', `/reconciliation_items?run=${candidate.id}&class=amount_mismatch`);
        if (found.body.data.length > 0) {
          run = candidate;
          break;
        }
      }
      if (!run) throw new Error('no run of 2026-03-01 found the amount mismatch');
      const listed = (await api('GET', `/reconciliation_items?run=${run.id}&limit=100`)).body.data;
      const csv = await api('GET', `/reconciliation_items/export?run=${run.id}&format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe(
        'id,run,date,class,provider,app,charge,refund,out_trade_no,out_refund_no,transaction_no,upstream_amount,local_amount,local_status,fee,detail',
      );
      expect(lines).toHaveLength(listed.length + 1);
      expect(
        lines.some((l) => l.includes(`amount_mismatch,wechatpay,${gateway.appId},${shortPaid.id}`)),
      ).toBe(true);
      const response = await fetch(
        `${gateway.server.url}/api/v1/reconciliation_items/export?run=${run.id}&format=xlsx`,
        {
          headers: { authorization: `Bearer ${gateway.server.tokens.owner}` },
        },
      );
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
      const sheet = book.worksheets[0];
      expect(sheet.rowCount).toBe(listed.length + 1);
      expect(sheet.getRow(2).getCell(4).value).toBe(listed[0].class);
    });

    it('reports the day and the month with exact sums', async () => {
      // succeeded: gone, matched, shortPaid, lost (repaired) at 10.00; refunds 3.00 and 1.00;
      // fees 6 + 6 + 6 on the three settled charges, 2 handed back on the settled refund
      const expected = {
        app_id: gateway.appId,
        store_id: null,
        channel: 'wechatpay',
        charges: 4,
        gross: 4000,
        refunds: 2,
        refunded: 400,
        fees: 16,
        net: 3584,
      };
      const day = await api(
        'GET',
        `/settlement_reports?period=day&from=2026-03-01&to=2026-03-01&mode=test&app=${gateway.appId}`,
      );
      expect(day.body.data).toEqual([{ period: '2026-03-01', ...expected }]);
      const month = await api(
        'GET',
        `/settlement_reports?period=month&from=2026-03-01&to=2026-03-31&mode=test&app=${gateway.appId}`,
      );
      expect(month.body.data).toEqual([{ period: '2026-03', ...expected }]);
      const csv = await api(
        'GET',
        `/settlement_reports/export?period=month&from=2026-03-01&to=2026-03-31&mode=test&app=${gateway.appId}&format=csv`,
      );
      expect(
        String(csv.body)
          .replace(/^\uFEFF/, '')
          .trim()
          .split('\r\n'),
      ).toEqual([
        'period,app_id,store_id,channel,charges,gross,refunds,refunded,fees,net',
        `2026-03,${gateway.appId},,wechatpay,4,4000,2,400,16,3584`,
      ]);
      const bad = await api('GET', '/settlement_reports?period=day&from=2026-03-02&to=2026-03-01');
      expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_parameter']);
    });

    it('juhe reconcile prints progress and the classes of the run', async () => {
      let printed = '';
      const sink = { write: (text: string) => ((printed += text), true) } as unknown as NodeJS.WritableStream;
      const runs = await reconcileCommand(core, { date: '2026-03-01', provider: 'wechatpay' }, sink);
      expect(runs.map((r) => r.status)).toEqual(['completed']);
      expect(printed).toMatch(/^sandbox:wechatpay 7 lines \(100%\)\n/);
      expect(printed).toMatch(/sandbox:wechatpay 2026-03-01: completed 7 lines matched=4 /);
      await expect(reconcileCommand(core, { date: 'yesterday' }, sink)).rejects.toThrow(/--date/);
    });
  });
});
