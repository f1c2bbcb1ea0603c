import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/channels/_kit/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { Mct1Client } from './store-client.js';
import { startGateway } from './gateway.js';
import { newShop } from './store-shop.js';

/**
 * 4.5 paystatus is the document's "real time" status (4.4.1: "如需实时获取支付状态，请使用
 * 4.5查询付款状态paystatus接口"): a till polls it while the payer confirms a barcode
 * payment, which WeChat Pay never notifies. So an unsettled order's status comes from the
 * channel, not only from what notifications and the polling worker stored.
 */

/** What the upstream says when asked, per order (by auth_code); the sandbox otherwise. */
const upstream = new Map<string, 'paid' | 'down' | 'declined'>();
const refundsUpstream = new Map<number, 'refunded'>();

function answeringChannel(): Connector {
  const sandbox = sandboxConnector();
  return {
    ...sandbox,
    name: 'sandbox-answering',
    query: async (ctx) => {
      const says = upstream.get(String(ctx.charge.extra.auth_code ?? ctx.charge.orderNo));
      if (says === 'paid') return { status: 'succeeded', transactionNo: `4200${ctx.charge.orderSn}` };
      if (says === 'declined')
        return { status: 'failed', failureCode: 'PAYERROR', failureMessage: '支付失败' };
      if (says === 'down') throw new Error('connect ECONNREFUSED upstream');
      return sandbox.query!(ctx);
    },
    refund: async () => ({ status: 'pending' as const }),
    queryRefund: async (ctx) =>
      refundsUpstream.get(ctx.refund.amount) === 'refunded'
        ? { status: 'succeeded', transactionNo: `rf_${ctx.refund.id}` }
        : { status: 'pending' },
  };
}

describe.each(engines())('store paystatus asks the channel (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let client: Mct1Client;

  const sha1Of123456 = '7c4a8d09ca3762af61e59520943dc26494f8941b';

  async function ok(path: string, data: unknown) {
    const res = await client.call(path, data);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    expect(res.signed).toBe(true);
    return res.data;
  }

  const barcode = (outNo: string, authCode: string) => ({
    out_no: outNo,
    pmt_tag: 'WeixinBERL',
    original_amount: 800,
    trade_amount: 800,
    auth_code: authCode,
  });

  beforeAll(async () => {
    // Each engine's suite starts from an upstream that knows nothing.
    upstream.clear();
    refundsUpstream.clear();
    const channel = answeringChannel();
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: channel, wechatpay: channel }) });
    let base: string;
    ({ server: app, base } = await startGateway(core));
    ({ client } = await newShop(core, base));
  });

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  it('a barcode payment the payer confirmed is status 1 at once, with the trade number', async () => {
    const made = await ok('payorder', barcode('RT1', '134567890123450001'));
    expect(made.status).toBe('9');
    expect((await ok('paystatus', { out_no: 'RT1' })).status).toBe('9');
    // The payer enters the password; no notification comes (WeChat micropay sends none).
    upstream.set('134567890123450001', 'paid');
    const paid = await ok('paystatus', { out_no: 'RT1' });
    expect(paid).toMatchObject({ status: '1', trade_no: `4200${made.ord_no}`, ord_no: made.ord_no });
    expect(paid.trade_pay_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const [charge] = await core.db.query('SELECT status FROM charges WHERE order_sn = $1', [made.ord_no]);
    expect(charge!.status).toBe('succeeded');
  });

  it('a declined one is status 4; a QR order paid upstream is status 1', async () => {
    await ok('payorder', barcode('RT2', '134567890123450002'));
    upstream.set('134567890123450002', 'declined');
    expect((await ok('paystatus', { out_no: 'RT2' })).status).toBe('4');

    const qr = await ok('payorder', {
      out_no: 'RT3',
      pmt_tag: 'AlipayCS',
      original_amount: 5,
      trade_amount: 5,
    });
    expect(qr.status).toBe('2');
    upstream.set('RT3', 'paid');
    expect((await ok('paystatus', { ord_no: qr.ord_no })).status).toBe('1');
  });

  it('answers the stored status, never an error, when the channel cannot be asked', async () => {
    await ok('payorder', barcode('RT4', '134567890123450004'));
    upstream.set('134567890123450004', 'down');
    expect((await ok('paystatus', { out_no: 'RT4' })).status).toBe('9');
  });

  it('a refund order in progress is status 1 once the channel has refunded it', async () => {
    await ok('payorder', barcode('RT5', '134567890123450005'));
    upstream.set('134567890123450005', 'paid');
    expect((await ok('paystatus', { out_no: 'RT5' })).status).toBe('1');
    const refund = await client.call('payrefund', {
      out_no: 'RT5',
      refund_out_no: 'RT5R1',
      refund_amount: 300,
      shop_pass: sha1Of123456,
    });
    expect(refund.body.errcode, JSON.stringify(refund.body)).toBe(0);
    expect(refund.data.status).toBe('2');
    expect((await ok('paystatus', { out_no: 'RT5R1' })).status).toBe('2');
    refundsUpstream.set(300, 'refunded');
    expect((await ok('paystatus', { out_no: 'RT5R1' })).status).toBe('1');
  });
});
