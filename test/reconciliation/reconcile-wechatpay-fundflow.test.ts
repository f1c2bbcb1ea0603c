/**
 * The WeChat Pay fund-flow bill in a day's reconciliation: what the basic account says
 * (payments credited, refunds and fees debited) is recorded on the run and checked against
 * the trade bill's totals; a fund-flow bill that disagrees is a settlement_mismatch, one
 * that cannot be had is settlement_unavailable. Both engines, the simulator over HTTP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fundFlowTotals } from '../../src/channels/wechatpay/fundflow.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { settlementOf } from '../../src/db/reconciliation-settlement.js';
import type { Charge } from '../../src/domain/charge.js';
import type { WechatpaySimulator } from '../../src/sandbox/wechatpay/index.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { useReconGateway } from './gateway.js';

describe.each(engines())('the WeChat Pay fund-flow bill (%s)', (engine) => {
  const gateway = useReconGateway(engine, 'WeChat fund flow');
  let core: TestCore;
  let sim: WechatpaySimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  const charges = numberedCharges(gateway, 'ff', {
    channel: 'wechatpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Dumplings',
    clientIp: '203.0.113.9',
  });
  const pay = (c: Charge) => sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay');
  const run = () => reconcileDay(core, { provider: 'wechatpay' }, { date: '2026-04-01', trigger: 'manual' });
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, upstream_amount, local_amount, detail FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );

  beforeAll(async () => {
    core.clock.set('2026-04-01T02:00:00Z');
    const a = await charges.create({ method: 'qr' });
    await pay(a);
    const b = await charges.create({ method: 'qr', amount: 2500 });
    await pay(b);
    await createRefund(core, { chargeId: b.id, amount: 500 });
    await sim.runDue();
    core.clock.set('2026-04-02T03:00:00Z');
  }, 120_000);

  it('records what the basic account says and finds it agrees with the trade bill', async () => {
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.counts).toEqual({ matched: 3, fee_recorded: 3 });
    // fees 0.6%: 6 fen on 10.00, 15 on 25.00, 3 handed back on the 5.00 refund
    expect(await settlementOf(core.db, r.id)).toEqual({
      source: expect.stringMatching(/^wechatpay:fundflowbill:2026-04-01:[0-9a-f]{40}$/),
      gross: 3500,
      refunds: 500,
      fees: 18,
      income: 3500 + 3,
      expense: 500 + 6 + 15,
      net: 3503 - 521,
      statement: { gross: 3500, refunds: 500, fees: 18 },
    });
  });

  it('a fund-flow bill that credits a payment the trade bill lacks is a settlement_mismatch', async () => {
    sim.bills.fundFlowFaults.add('extra_row');
    const r = (await run())!;
    expect(r.counts.settlement_mismatch).toBe(1);
    const [item] = (await items(r.id)).filter((i) => i.class === 'settlement_mismatch');
    expect([Number(item.upstream_amount), Number(item.local_amount)]).toEqual([3500 + 888, 3500]);
    expect(item.detail).toMatch(/payments credited/);
    expect((await settlementOf(core.db, r.id))!.gross).toBe(4388);
    const raised = await core.db.query(
      `SELECT 1 FROM events WHERE type = 'reconciliation.mismatch' AND object_id = $1`,
      [r.id],
    );
    expect(raised).toHaveLength(1);
  });

  it('a fund-flow bill that fails its hash is settlement_unavailable; nothing recorded', async () => {
    sim.bills.fundFlowFaults.add('wrong_hash');
    const r = (await run())!;
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ matched: 3, settlement_unavailable: 1 });
    expect((await items(r.id)).find((i) => i.class === 'settlement_unavailable')!.detail).toMatch(/SHA1/);
    expect(await settlementOf(core.db, r.id)).toBeNull();
  });

  it('reads the bill format: backticks, full-width column names, summary rows checked', async () => {
    const lines = async function* (text: string) {
      yield* text.split('\n');
    };
    const header =
      '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号';
    const body = [
      '`2026-04-01 10:00:00,`4200,`1,`交易,`交易,`收入,`10.00,`10.00,`system,`,`a',
      '`2026-04-01 10:00:00,`4200,`2,`扣除交易手续费,`扣除交易手续费,`支出,`0.06,`9.94,`system,`,`a',
      '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额',
    ];
    expect(await fundFlowTotals(lines([header, ...body, '`2,`1,`10.00,`1,`0.06'].join('\n')))).toEqual({
      gross: 1000,
      refunds: 0,
      fees: 6,
      income: 1000,
      expense: 6,
      net: 994,
    });
    await expect(
      fundFlowTotals(lines([header, ...body, '`2,`1,`10.00,`1,`0.07'].join('\n'))),
    ).rejects.toThrow(/disagree/);
  });
});
