import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorOf, type WechatpaySimulator } from '../../src/sandbox/wechatpay/index.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import type { Mct1Client } from './store-client.js';
import { startGateway } from './gateway.js';
import { newShop } from './store-shop.js';

/**
 * 4.5 paystatus is the document's "real time" status (4.4.1: "如需实时获取支付状态，请使用
 * 4.5查询付款状态paystatus接口"): a till polls it while the payer confirms a barcode
 * payment, which WeChat Pay never notifies. So an unsettled order's status comes from the
 * channel, not only from what notifications and the polling worker stored.
 *
 * Against the real WeChat Pay connector and its simulator (a test store without a channel
 * config pays the simulator's sandbox merchant). Where WeChat would send a callback (QR
 * payments, refunds), the simulator is told to drop it, so what paystatus answers can only
 * have come from its own query.
 */
describe.each(engines())('store paystatus asks the channel (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let client: Mct1Client;
  let sim: WechatpaySimulator;

  const sha1Of123456 = '7c4a8d09ca3762af61e59520943dc26494f8941b';

  async function ok(path: string, data: unknown) {
    const res = await client.call(path, data);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    expect(res.signed).toBe(true);
    return res.data;
  }

  /** The simulator's sandbox payer: auth codes starting 13 need the payer's password (USERPAYING). */
  const barcode = (outNo: string, authCode: string, amount = 800) => ({
    out_no: outNo,
    pmt_tag: 'WeixinBERL',
    original_amount: amount,
    trade_amount: amount,
    auth_code: authCode,
  });
  const payer = (ordNo: string, action: 'pay' | 'decline') =>
    sim.payerAct(sim.keys.merchant.mchid, ordNo, action);
  const upstreamOrder = async (ordNo: string) =>
    (await core.db.query('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [ordNo]))[0]!;
  const stored = async (ordNo: string) =>
    (await core.db.query('SELECT status FROM charges WHERE order_sn = $1', [ordNo]))[0]!.status;

  beforeAll(async () => {
    core = await testCore(engine);
    let base: string;
    ({ server: app, base } = await startGateway(core));
    core.publicUrl = base;
    sim = simulatorOf(core)!;
    // The simulator holds a 'timeout' fault's answer for 1.5 s: give up well before that.
    sim.setClientTimeout(600);
    ({ client } = await newShop(core, base));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  it('a barcode payment the payer confirmed is status 1 at once, with the trade number', async () => {
    const made = await ok('payorder', barcode('RT1', '134567890123450001'));
    expect(made.status).toBe('9');
    expect((await ok('paystatus', { out_no: 'RT1' })).status).toBe('9');
    // The payer enters the password; no notification comes (WeChat micropay sends none).
    expect(await payer(made.ord_no, 'pay')).toEqual({ ok: true });
    const paid = await ok('paystatus', { out_no: 'RT1' });
    expect(paid).toMatchObject({
      status: '1',
      trade_no: (await upstreamOrder(made.ord_no)).transaction_id,
      ord_no: made.ord_no,
    });
    expect(paid.trade_pay_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await stored(made.ord_no)).toBe('succeeded');
  });

  it('a declined one is status 4; a QR order whose callback was lost is status 1 once paid', async () => {
    const declined = await ok('payorder', barcode('RT2', '134567890123450002'));
    expect(await payer(declined.ord_no, 'decline')).toEqual({ ok: true });
    expect((await ok('paystatus', { out_no: 'RT2' })).status).toBe('4');

    const qr = await ok('payorder', {
      out_no: 'RT3',
      pmt_tag: 'WeixinBERL',
      original_amount: 5,
      trade_amount: 5,
    });
    expect(qr.status).toBe('2');
    sim.faults.add('drop');
    expect(await payer(qr.ord_no, 'pay')).toEqual({ ok: true });
    await sim.runDue();
    expect(await stored(qr.ord_no)).toBe('pending'); // nothing told us
    expect((await ok('paystatus', { ord_no: qr.ord_no })).status).toBe('1');
    expect(await stored(qr.ord_no)).toBe('succeeded');
  });

  it('answers the stored status, never an error, when the channel cannot be asked', async () => {
    const made = await ok('payorder', barcode('RT4', '134567890123450004'));
    sim.faults.add('timeout', 1, 1500);
    expect((await ok('paystatus', { out_no: 'RT4' })).status).toBe('9');
    expect(sim.faults.active()).toEqual([]);
    expect(await stored(made.ord_no)).toBe('user_paying');
  });

  it('a refund order in progress is status 1 once the channel has refunded it', async () => {
    const made = await ok('payorder', barcode('RT5', '134567890123450005'));
    await payer(made.ord_no, 'pay');
    expect((await ok('paystatus', { out_no: 'RT5' })).status).toBe('1');
    sim.faults.add('drop');
    // The refund's answer is lost (a PROCESSING answer would be waited for within the request).
    sim.faults.add('timeout', 1, 1500);
    const refund = await client.call('payrefund', {
      out_no: 'RT5',
      refund_out_no: 'RT5R1',
      refund_amount: 300,
      shop_pass: sha1Of123456,
    });
    expect(refund.body.errcode, JSON.stringify(refund.body)).toBe(0);
    expect(refund.data.status).toBe('2');
    // WeChat settles the refund (its REFUND.SUCCESS callback is dropped): only a query can tell.
    await sim.runDue();
    const refundStatus = async () =>
      (await core.db.query("SELECT status FROM refunds WHERE refund_no LIKE '%:RT5R1'"))[0]!.status;
    expect(await refundStatus()).toBe('pending'); // nothing told us
    expect((await ok('paystatus', { out_no: 'RT5R1' })).status).toBe('1');
    expect(await refundStatus()).toBe('succeeded');
  });
});
