/**
 * A day reconciled against the Alipay simulator's trade bill: the bill itself (a zip of GBK
 * CSV files with Alipay's header, columns, end marker and summary lines, fetched through the
 * official alipay-sdk), then one scenario per class of result: matched (fee and settlement
 * written on the charge and refund), paid upstream but pending here (repaired by query
 * through the normal transition, with its event), here but not upstream, upstream but
 * unknown here, amount, status and refund mismatches; and every statement fault.
 */
import { Readable } from 'node:stream';
import { AlipaySdk } from 'alipay-sdk';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tradeBillRows } from '../../src/channels/alipay/statement.js';
import { alipayConnector } from '../../src/channels/alipay/connector.js';
import type { StatementRow } from '../../src/channels/_kit/statement.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import type { JuheError } from '../../src/domain/errors.js';
import { TRADE_BILL_COLUMNS } from '../../src/sandbox/alipay/bills.js';
import { type AlipaySimulator, alipaySimulatorFor } from '../../src/sandbox/alipay/index.js';
import { defaultSandboxApp, type SandboxAlipayApp } from '../../src/sandbox/alipay/keys.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { type TestServer, testServer } from '../support/server.js';

describe.each(engines())('reconciling an Alipay day (%s)', (engine) => {
  const gateway = {} as { core: TestCore; server: TestServer; appId: string };
  let core: TestCore;
  let sim: AlipaySimulator;
  let sandbox: SandboxAlipayApp;
  beforeAll(async () => {
    core = gateway.core = await testCore(engine, {
      connectors: connectorRegistry({ alipay: alipayConnector() }),
    });
    gateway.server = await testServer(core);
    core.publicUrl = gateway.server.url;
    sim = alipaySimulatorFor(core);
    sandbox = await defaultSandboxApp(core);
    gateway.appId = await core.db.tx(async (q) => {
      const m = await createMerchant(q, core, { name: 'Alipay recon' });
      return (await createApp(q, core, { merchantId: m.id, name: 'Shop' })).id;
    });
  }, 300_000);
  afterAll(async () => {
    await gateway.server?.close();
    await gateway.core?.drop();
  });

  const charges = numberedCharges(gateway, 'ar', {
    channel: 'alipay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Dumplings, 饺子',
  });
  const pay = async (c: Charge) => sim.pay((await sim.latestTradeFor(c.id))!.tradeNo);
  const current = async (c: { id: string }) => (await findCharge(core.db, c.id))!;
  const events = async (id: string) =>
    (
      await core.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY seq', [id])
    ).map((r) => r.type);
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, charge_id, refund_id, out_trade_no, upstream_amount, local_amount, fee FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
  const run = () => reconcileDay(core, { provider: 'alipay' }, { date: '2026-03-01', trigger: 'manual' });
  const sdk = () =>
    new AlipaySdk({
      appId: sandbox.appId,
      privateKey: sandbox.appPrivateKey!,
      alipayPublicKey: sandbox.alipayPublicKey,
      gateway: `${gateway.server.url}/sandbox/alipay/gateway.do`,
      camelcase: false,
    });
  const billQuery = (biz: Record<string, string>) =>
    sdk().exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: biz }, { validateSign: true });

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
    await sim.addFault('drop', {}); // its notification never comes: pending here, paid there
    await pay(lost);
    failedHere = await charges.create({ method: 'qr' });
    await sim.addFault('drop', {});
    await pay(failedHere);
    // The books and the upstream disagree: Alipay took 9.99 for shortPaid and refunded 0.99;
    // our books wrongly failed a charge Alipay took.
    await core.db.query('UPDATE alipay_sandbox_trades SET total_amount = 999 WHERE out_trade_no = $1', [
      shortPaid.id,
    ]);
    await core.db.query('UPDATE alipay_sandbox_refunds SET refund_amount = 99 WHERE out_request_no = $1', [
      refundShort,
    ]);
    await core.db.query(`UPDATE charges SET status = 'failed' WHERE id = $1`, [failedHere.id]);
  }, 120_000);

  it('has no bill before the day is over: isp.bill_not_exist, and the run is not_ready', async () => {
    const answer = await billQuery({ bill_type: 'trade', bill_date: '2026-03-01' });
    expect([answer.code, answer.sub_code]).toEqual(['40004', 'isp.bill_not_exist']);
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['not_ready', 0]);
    const bad = await billQuery({ bill_type: 'trade', bill_date: '2026-02-30' });
    expect([bad.code, bad.sub_code]).toEqual(['40002', 'isv.invalid-parameter']);
    core.clock.set('2026-03-02T03:00:00Z');
  });

  it("writes Alipay's zip of GBK CSV files: header, columns, lines, end marker, summaries", async () => {
    const answer = await billQuery({ bill_type: 'trade', bill_date: '2026-03-01' });
    expect(answer.code).toBe('10000');
    const url = new URL(String(answer.bill_download_url));
    expect([url.pathname, url.searchParams.get('fileType')]).toEqual([
      '/sandbox/alipay/downloadBillFile.resource',
      'csv.zip',
    ]);
    const zip = unzipSync(new Uint8Array(await (await fetch(url)).arrayBuffer()));
    const account = `2088${sandbox.appId.slice(-12)}0156`;
    expect(Object.keys(zip).sort()).toEqual([
      `${account}_20260301_业务明细(汇总).csv`,
      `${account}_20260301_业务明细.csv`,
    ]);
    const text = iconv.decode(Buffer.from(zip[`${account}_20260301_业务明细.csv`]), 'gbk');
    const lines = text.split('\r\n');
    expect(lines.slice(0, 5)).toEqual([
      '#支付宝业务明细查询',
      `#账号：[${account}]`,
      '#起始日期：[2026年03月01日 00:00:00]   终止日期：[2026年03月02日 00:00:00]',
      '#-----------------------------------------业务明细列表----------------------------------------',
      TRADE_BILL_COLUMNS.join(','),
    ]);
    const detail = lines.filter((l) => /^\d{28}\t,/.test(l));
    expect(detail).toHaveLength(7); // 5 payments, 2 refunds
    const refund = detail.find((l) => l.includes(refundId))!;
    // 退款: order amount 10.00, 商家实收 -3.00, the fee of 0.02 handed back
    expect(refund).toMatch(/,退款\t,"Dumplings, 饺子",.*,10\.00,-3\.00,.*,0\.02,0\.00,$/);
    expect(lines.slice(-5)).toEqual([
      '#-----------------------------------------业务明细列表结束------------------------------------',
      '#交易合计：5笔，商家实收共49.99元，商家优惠共0.00元',
      '#退款合计：2笔，商家实收退款共-3.99元，商家优惠退款共0.00元',
      '#导出时间：[2026年03月02日 11:00:00]',
      '',
    ]);
    const account2 = await billQuery({ bill_type: 'signcustomer', bill_date: '2026-03' });
    expect([account2.code, account2.sub_code]).toEqual(['40004', 'isp.bill_not_exist']); // March is not over
    const signcustomer = await billQuery({ bill_type: 'signcustomer', bill_date: '2026-03-01' });
    const files = unzipSync(
      new Uint8Array(await (await fetch(String(signcustomer.bill_download_url))).arrayBuffer()),
    );
    const log = iconv.decode(Buffer.from(Object.values(files)[0]), 'gbk').split('\r\n');
    expect(log[0]).toBe('#支付宝账务明细查询');
    expect(log).toContain('#收入合计：7笔，共50.02元'); // 5 payments, 2 fees handed back
  });

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
    expect(r.statementId).toMatch(/^alipay:trade:2026-03-01:[0-9a-f]{40}$/);
    const refund = (await core.db.query<any>('SELECT * FROM refunds WHERE id = $1', [refundId]))[0];
    expect([Number(refund.fee), Number(refund.amount_settle)]).toEqual([-2, 298]);
    expect(r.feeTotal).toBe(6 + 6 - 2 + 6);
  });

  it('repairs through the normal transition, with its event', async () => {
    expect((await current(lost)).status).toBe('succeeded');
    expect(await events(lost.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect((await current(failedHere)).status).toBe('failed');
  });

  it('here but not upstream: a paid charge the bill leaves out', async () => {
    sim.bills.faults.add('missing_row');
    const r = (await run())!;
    const missing = (await items(r.id)).filter((i) => i.class === 'missing_upstream');
    expect(missing.map((i) => [i.charge_id, Number(i.local_amount)])).toEqual([[gone.id, 1000]]);
    expect(r.counts.matched).toBe(3); // matched, its refund, and now the repaired one
  });

  it('a corrupt file fails the run and changes nothing', async () => {
    const before = await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id');
    sim.bills.faults.add('corrupt');
    const r = (await run())!;
    expect([r.status, r.rowsRead]).toEqual(['failed', 0]);
    expect(r.error).toMatch(/statement could not be read|业务明细/);
    expect(await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id')).toEqual(before);
  });

  it('a bill not ready yet (fault) is not_ready; a fee rate change shows on the next bill', async () => {
    sim.bills.faults.add('not_ready');
    expect((await run())!.status).toBe('not_ready');
    sim.bills.setFeeRate(3800); // 0.38%
    const config = await core.testModeConfigs!.configFor('alipay');
    const statement = await alipayConnector().statement!({ config, date: '2026-03-01', clock: core.clock });
    const rows: StatementRow[] = [];
    for await (const row of statement.rows()) rows.push(row);
    await statement.dispose();
    expect(rows.find((row) => row.outTradeNo === matched.id)).toMatchObject({
      kind: 'payment',
      amount: 1000,
      fee: 4,
    });
    expect(rows.find((row) => row.outRefundNo === refundId)).toMatchObject({
      kind: 'refund',
      amount: 300,
      fee: -1,
    });
    sim.bills.setFeeRate(6000);
  });
});

describe('the trade bill parser', () => {
  const bill = (lines: string[], summary: string[]) =>
    [
      '#支付宝业务明细查询',
      '#账号：[20880000000000000156]',
      TRADE_BILL_COLUMNS.join(','),
      ...lines,
      '#-----------------------------------------业务明细列表结束------------------------------------',
      ...summary,
      '#导出时间：[2026年03月02日 11:00:00]',
    ].join('\r\n');
  const line = (type: string, order: string, received: string, fee: string, refundNo = '') =>
    `2026030122001000000000000001\t,ch_1\t,${type}\t,Tea,2026-03-01 10:00:00,2026-03-01 10:00:05,\t,\t,\t,\t,b***@x.com\t,${order},${received},0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,${refundNo}\t,${fee},0.00,`;
  const read = async (text: string) => {
    const rows: StatementRow[] = [];
    for await (const row of tradeBillRows(Readable.from([text]))) rows.push(row);
    return rows;
  };
  const ok = [
    '#交易合计：1笔，商家实收共12.34元，商家优惠共0.00元',
    '#退款合计：1笔，商家实收退款共-1.00元，商家优惠退款共0.00元',
  ];

  it('reads payments and refunds, amounts in fen from strings, fees turned to the gateway sign', async () => {
    const rows = await read(
      bill([line('交易', '12.34', '12.34', '-0.07'), line('退款', '12.34', '-1.00', '0.01', 're_1')], ok),
    );
    expect(rows.map((r) => [r.kind, r.outTradeNo, r.amount, r.fee, r.outRefundNo])).toEqual([
      ['payment', 'ch_1', 1234, 7, undefined],
      ['refund', 'ch_1', 100, -1, 're_1'],
    ]);
    expect(rows[0].at.toISOString()).toBe('2026-03-01T02:00:05.000Z');
  });

  it('refunds a bill whose lines disagree with its summary, or that has none', async () => {
    const refused = (text: string) =>
      read(text).then(
        () => undefined,
        (e: JuheError) => e.code,
      );
    expect(await refused(bill([line('交易', '12.34', '12.34', '-0.07')], ok))).toBe('statement_invalid');
    const more = ['#交易合计：1笔，商家实收共12.35元，商家优惠共0.00元', ok[1]];
    expect(
      await refused(
        bill([line('交易', '12.34', '12.34', '-0.07'), line('退款', '12.34', '-1.00', '0.01', 're_1')], more),
      ),
    ).toBe('statement_invalid');
    expect(await refused(bill([line('交易', '12.34', '12.34', '-0.07')], []))).toBe('statement_invalid');
    expect(await refused(bill([line('交易', '12.3x', '12.34', '-0.07')], ok))).toBe('statement_invalid');
  });
});
