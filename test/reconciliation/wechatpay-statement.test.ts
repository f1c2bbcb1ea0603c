/**
 * WeChat Pay's trade bill end to end: the simulator writes the day from its own orders and
 * refunds (fees at its rate, backtick columns, summary rows), the connector fetches it
 * through the signed API, checks the gzip and SHA1 and parses it; and every injected
 * statement fault is refused or shows up as the rows it changes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatementRow } from '../../src/channels/_kit/statement.js';
import { wechatpayConnector } from '../../src/channels/wechatpay/connector.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import type { WechatpaySimulator } from '../../src/sandbox/wechatpay/index.js';
import type { JuheError } from '../../src/domain/errors.js';
import { useReconGateway } from './gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';

describe.each(engines())('wechatpay statement through the simulator (%s)', (engine) => {
  const gateway = useReconGateway(engine, 'WeChat bills');
  let core: TestCore;
  let sim: WechatpaySimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  const charges = numberedCharges(gateway, 'wxb', {
    channel: 'wechatpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Tea 茶',
    clientIp: '203.0.113.7',
  });
  const connector = wechatpayConnector();
  const fetchDay = async (date: string) => {
    const config = await core.testModeConfigs!.configFor('wechatpay');
    const statement = await connector.statement!({ config, date, clock: core.clock });
    const rows: StatementRow[] = [];
    try {
      for await (const row of statement.rows()) rows.push(row);
    } finally {
      await statement.dispose();
    }
    return { id: statement.id, rows };
  };
  const failure = (date: string) =>
    fetchDay(date).then(
      () => undefined,
      (e: JuheError) => e.code,
    );

  let paid: { id: string; orderSn: string };
  it('is not ready before the day is over', async () => {
    core.clock.set('2026-03-01T08:00:00Z');
    const c = await charges.create({ method: 'qr' });
    await sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay');
    paid = c;
    const big = await charges.create({ method: 'qr', amount: 123457 });
    await sim.payerAct(sim.keys.merchant.mchid, big.orderSn, 'pay');
    await createRefund(core, { chargeId: c.id, amount: 300 });
    await sim.runDue();
    expect(await failure('2026-03-01')).toBe('statement_not_ready');
  });

  it('lists the day: payments and refunds, fees at the rate, exact amounts', async () => {
    core.clock.set('2026-03-02T02:00:00Z');
    const { id, rows } = await fetchDay('2026-03-01');
    expect(id).toMatch(/^wechatpay:tradebill:2026-03-01:[0-9a-f]{40}$/);
    const mine = rows.filter((r) => r.outTradeNo === paid.orderSn);
    expect(mine.map((r) => [r.kind, r.amount, r.fee])).toEqual([
      ['payment', 1000, 6],
      ['refund', 300, -2],
    ]);
    expect(rows.find((r) => r.amount === 123457)?.fee).toBe(741); // 0.6% of 1234.57 = 7.40742
    expect(mine[1].outRefundNo).toMatch(/^re_/);
  });

  it('another day is empty but complete', async () => {
    expect((await fetchDay('2026-02-27')).rows).toEqual([]);
  });

  it('faults: not ready, corrupt gzip, wrong hash are refused', async () => {
    sim.bills.faults.add('not_ready');
    expect(await failure('2026-03-01')).toBe('statement_not_ready');
    sim.bills.faults.add('corrupt');
    expect(await failure('2026-03-01')).toBe('statement_invalid');
    sim.bills.faults.add('wrong_hash');
    expect(await failure('2026-03-01')).toBe('statement_invalid');
    expect((await fetchDay('2026-03-01')).rows).toHaveLength(3);
  });

  it('faults: a row added or missing changes the rows (the file stays consistent)', async () => {
    sim.bills.faults.add('extra_row');
    const extra = await fetchDay('2026-03-01');
    expect(extra.rows).toHaveLength(4);
    expect(extra.rows.some((r) => r.outTradeNo.startsWith('STRANGER'))).toBe(true);
    sim.bills.faults.add('missing_row');
    expect((await fetchDay('2026-03-01')).rows).toHaveLength(2);
  });

  it('a fee rate change shows in the next bill', async () => {
    sim.bills.setFeeRate(3800);
    const { rows } = await fetchDay('2026-03-01');
    expect(rows.find((r) => r.amount === 123457)?.fee).toBe(469); // 0.38% of 1234.57 = 4.69137
    sim.bills.setFeeRate(6000);
  });
});
