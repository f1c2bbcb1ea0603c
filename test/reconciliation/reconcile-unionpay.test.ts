/**
 * A day reconciled against the UnionPay simulator's settlement file (ACP file download,
 * txnType 76): matched lines carry UnionPay's fee and settlement, paid upstream but pending
 * here is repaired by query, here but not upstream, upstream but unknown here, amount,
 * status and refund mismatches; each statement fault (no file yet, a corrupt file, a file
 * its signature does not cover, a line added or left out).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { connectorRegistry } from '../../src/channels/registry.js';
import { signRequest } from '../../src/channels/unionpay/protocol.js';
import { reconcileDay } from '../../src/core/reconciliation/reconcile-day.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { type UnionpaySimulator, unionpaySimulatorOf } from '../../src/sandbox/unionpay/simulator.js';
import { ZM_WIDTHS } from '../../src/sandbox/unionpay/bills.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import type { TestServer } from '../support/server.js';

describe.each(engines())('reconciling a UnionPay day (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'UnionPay recon',
    connectors: () => connectorRegistry(),
    simulator: unionpaySimulatorOf,
  });
  let core: TestCore;
  let server: TestServer;
  let sim: UnionpaySimulator;
  beforeAll(() => void ({ core, server, sim } = gateway));
  const charges = numberedCharges(gateway, 'urc', {
    channel: 'unionpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Tea',
  });
  const pay = (c: Charge) => sim.payerAct(c.orderSn, 'pay');
  const current = async (c: { id: string }) => (await findCharge(core.db, c.id))!;
  const items = async (runId: string) =>
    core.db.query<Record<string, any>>(
      'SELECT class, charge_id, refund_id, out_trade_no, upstream_amount, local_amount, fee FROM reconciliation_items WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
  const run = () => reconcileDay(core, { provider: 'unionpay' }, { date: '2026-03-01', trigger: 'manual' });

  let matched: Charge, lost: Charge, gone: Charge, shortPaid: Charge, failedHere: Charge;
  let refundId: string, refundShort: string;
  beforeAll(async () => {
    sim.setClientTimeout(20_000); // a loaded machine: the upstream answer must not be lost
    core.clock.set('2026-03-01T02:00:00Z'); // 10:00 in Shanghai
    gone = await charges.create({ method: 'app' }); // paid first: the `missing_row` fault drops it
    await pay(gone);
    core.clock.advance(60_000);
    matched = await charges.create({ method: 'app' });
    await pay(matched);
    refundId = (await createRefund(core, { chargeId: matched.id, amount: 300 })).id;
    shortPaid = await charges.create({ method: 'app' });
    await pay(shortPaid);
    refundShort = (await createRefund(core, { chargeId: shortPaid.id, amount: 100 })).id;
    lost = await charges.create({ method: 'app' });
    sim.faults.add('drop'); // its back notification never comes: pending here, paid there
    await pay(lost);
    failedHere = await charges.create({ method: 'app' });
    sim.faults.add('drop');
    await pay(failedHere);
    await sim.runDue(); // the refunds settle and are notified
    // UnionPay settled 999 for shortPaid and 99 of its refund; our books wrongly failed a charge it took.
    await core.db.query('UPDATE upsim_txns SET txn_amt = 999 WHERE order_id = $1', [shortPaid.orderSn]);
    await core.db.query('UPDATE upsim_txns SET txn_amt = 99 WHERE order_id = $1', [
      refundShort.replace('_', ''),
    ]);
    await core.db.query(`UPDATE charges SET status = 'failed' WHERE id = $1`, [failedHere.id]);
    core.clock.set('2026-03-02T03:00:00Z');
  }, 120_000);

  it('answers the file download as ACP does: signed, base64 of a zlib-deflated zip of fixed-width ZM lines', async () => {
    const fields = signRequest(
      {
        version: '5.1.0', encoding: 'UTF-8', txnType: '76', txnSubType: '01', bizType: '000000',
        accessType: '0', merId: sim.keys.merId, settleDate: '0301', txnTime: '20260302110000', fileType: '00',
      }, // prettier-ignore
      sim.keys.merchant.certId,
      sim.keys.merchant.privateKeyPem,
    );
    const res = await fetch(`${server.url}/sandbox/unionpay/filedownload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await res.text();
    const answer = Object.fromEntries(
      text
        .split(/&(?=[A-Za-z]+=)/)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect([answer.respCode, answer.fileName]).toEqual(['00', `${sim.keys.merId}_20260301.zip`]);
    const zip = unzipSync(inflateSync(Buffer.from(answer.fileContent, 'base64')));
    const [name] = Object.keys(zip);
    expect(name).toBe(`INN26030188ZM_${sim.keys.merId}`);
    const lines = Buffer.from(zip[name]).toString('utf8').replace(/\r\n$/, '').split('\r\n');
    expect(lines).toHaveLength(7); // 5 consumes, 2 refunds
    const width = ZM_WIDTHS.reduce((a, w) => a + w, 0) + ZM_WIDTHS.length - 1;
    expect(lines.every((l) => l.length === width)).toBe(true);
    expect(lines[0].slice(0, 3)).toBe('S22');
    // A day not over yet has no file: 98.
    const today = signRequest(
      { ...fields, settleDate: '0302', signature: '' },
      sim.keys.merchant.certId,
      sim.keys.merchant.privateKeyPem,
    );
    const early = await (await fetch(`${server.url}/sandbox/unionpay/filedownload/`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(today).toString(),
    })).text(); // prettier-ignore
    expect(early).toMatch(/respCode=98&/);
  });

  it('classes every line; matched lines carry UnionPay fee and settlement', async () => {
    expect((await current(lost)).status).toBe('pending');
    sim.bills.faults.add('extra_row');
    const r = (await run())!;
    expect([r.status, r.error]).toEqual(['completed', null]);
    expect(r.rowsRead).toBe(8); // 5 consumes + 2 refunds + the stranger
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
    // fee 0.50% of 10.00 = 5 fen; the refund of 3.00 hands 1.5 -> 2 fen back
    const charge = (await core.db.query<any>('SELECT * FROM charges WHERE id = $1', [matched.id]))[0];
    expect([Number(charge.fee), Number(charge.amount_settle), charge.statement_id]).toEqual([
      5,
      995,
      r.statementId,
    ]);
    expect(r.statementId).toMatch(/^unionpay:zm:2026-03-01:[0-9a-f]{40}$/);
    const refund = (await core.db.query<any>('SELECT * FROM refunds WHERE id = $1', [refundId]))[0];
    expect([Number(refund.fee), Number(refund.amount_settle)]).toEqual([-2, 298]);
    expect(r.feeTotal).toBe(5 + 5 - 2 + 5);
    expect((await current(lost)).status).toBe('succeeded');
  });

  it('here but not upstream: a paid charge the file leaves out', async () => {
    sim.bills.faults.add('missing_row');
    const r = (await run())!;
    const missing = (await items(r.id)).filter((i) => i.class === 'missing_upstream');
    expect(missing.map((i) => [i.charge_id, Number(i.local_amount)])).toEqual([[gone.id, 1000]]);
  });

  it('the fee follows the configured rate', async () => {
    sim.bills.setFeeRate(10_000); // 1%
    const r = (await run())!;
    expect(r.status).toBe('completed');
    const charge = (await core.db.query<any>('SELECT fee FROM charges WHERE id = $1', [gone.id]))[0];
    expect(Number(charge.fee)).toBe(10);
    sim.bills.setFeeRate(5000);
  });

  it('no file yet, a corrupt file, a file the signature does not cover: the run says so and changes nothing', async () => {
    const before = await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id');
    sim.bills.faults.add('not_ready');
    const notReady = (await run())!;
    expect([notReady.status, notReady.rowsRead]).toEqual(['not_ready', 0]);
    sim.bills.faults.add('corrupt');
    const corrupt = (await run())!;
    expect([corrupt.status, corrupt.rowsRead]).toEqual(['failed', 0]);
    expect(corrupt.error).toMatch(/could not be read/);
    sim.bills.faults.add('wrong_hash');
    const unsigned = (await run())!;
    expect([unsigned.status, unsigned.rowsRead]).toEqual(['failed', 0]);
    expect(unsigned.error).toMatch(/signature/);
    expect(await core.db.query('SELECT id, fee, statement_id FROM charges ORDER BY id')).toEqual(before);
  });
});
