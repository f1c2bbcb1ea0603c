import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { answer, deliveryRows, receiver, testEngine } from '../deliveries/support.js';
import { Mct1Client, docSign } from './store-client.js';
import { startGateway } from './gateway.js';
import { newShop } from './store-shop.js';
import { createHash } from 'node:crypto';
import type { Connector } from '../../src/channels/_kit/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const DEFAULT_PASS = sha1('123456');

/** A payer code and a refund amount the upstream declines; everything else is the sandbox. */
const DECLINED_CODE = '130000000000000000';
const DECLINED_REFUND = 13;

/** WeChat Pay as the sandbox plays it, except that it declines the two cases above. */
function decliningWechat(): Connector {
  const sandbox = sandboxConnector();
  return {
    ...sandbox,
    name: 'sandbox-declining',
    pay: async (ctx) =>
      ctx.charge.extra.auth_code === DECLINED_CODE
        ? {
            status: 'failed',
            failureCode: 'AUTHCODEEXPIRE',
            failureMessage: '二维码已过期，请用户在微信上刷新后再试',
          }
        : sandbox.pay(ctx),
    refund: async (ctx) =>
      ctx.refund.amount === DECLINED_REFUND
        ? { status: 'failed', failureCode: 'NOTENOUGH', failureMessage: '基本账户余额不足' }
        : sandbox.refund!(ctx),
  };
}

/**
 * payrefund end to end (refund orders of type 2 with their own ord_no, the document's
 * 8014-8023 and 8040 rules) and the notify_url notification a paid order sends, verified
 * by a receiver that checks the signature the way the document tells merchants to.
 */
describe.each(engines())('store dialect refunds and notifications (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let base: string;
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);

  const newStore = (shopPassword?: string) => newShop(core, base, { name: '退款门店', shopPassword });

  async function counts() {
    const [row] = await core.db.query(
      `SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM refunds)::int AS refunds,
              (SELECT count(*) FROM store_orders)::int AS orders, (SELECT count(*) FROM events)::int AS events,
              (SELECT COALESCE(SUM(amount_refunded), 0)::int FROM charges) AS refunded`,
    );
    return row;
  }

  async function ok(c: Mct1Client, path: string, data: unknown) {
    const res = await c.call(path, data);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    expect(res.signed).toBe(true);
    return res;
  }

  async function refused(c: Mct1Client, path: string, data: unknown, errcode: number) {
    const before = await counts();
    const res = await c.call(path, data);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(errcode);
    expect(res.body.data).toBeUndefined();
    expect(await counts()).toEqual(before);
    return res;
  }

  /** A paid order of `amount` fen. */
  async function paidOrder(c: Mct1Client, outNo: string, amount: number, pmtTag = 'AlipayCS') {
    const res = await ok(c, 'payorder', {
      out_no: outNo,
      pmt_tag: pmtTag,
      original_amount: amount,
      trade_amount: amount,
    });
    if (res.data.status !== '1') {
      const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
        res.data.ord_no,
      ]);
      await applyChargeResult(core, row!.id, { status: 'succeeded', transactionNo: `t_${outNo}` });
    }
    return res.data;
  }

  const refund = (
    outNo: string,
    refundOutNo: string,
    amount: number,
    extra: Record<string, unknown> = {},
  ) => ({
    out_no: outNo,
    refund_out_no: refundOutNo,
    refund_amount: amount,
    shop_pass: DEFAULT_PASS,
    ...extra,
  });

  beforeAll(async () => {
    // Connectors pinned to the sandbox (WeChat with its two declines): the suite tests the dialect.
    core = await testCore(engine, {
      connectors: connectorRegistry({ alipay: sandboxConnector(), wechatpay: decliningWechat() }),
    });
    ({ server: app, base } = await startGateway(core));
  });

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  it('refunds in parts as new type-2 orders; the original stays paid; over-refunds refused', async () => {
    const { client } = await newStore();
    const paid = await paidOrder(client, 'R1', 1000);
    core.clock.advance(1_000);
    const first = await ok(
      client,
      'payrefund',
      refund('R1', 'RF1', 300, { refund_ord_name: '退货', remark: '顾客退货' }),
    );
    expect(first.body.msg).toBe('订单退款成功');
    expect(first.data).toMatchObject({
      out_no: 'RF1',
      trade_amount: '300',
      original_ord_no: paid.ord_no,
      status: '1',
      ord_currency: 'CNY',
      currency_sign: '¥',
      trade_discout_amount: '0',
    });
    expect(first.data.ord_no).toMatch(/^\d{22}$/);
    expect(first.data.ord_no).not.toBe(paid.ord_no);
    expect(first.data.ord_shop_id).toBe('2');

    // paystatus finds the refund order by its out_no and by its ord_no.
    const byOut = (await ok(client, 'paystatus', { out_no: 'RF1' })).data;
    expect(byOut).toMatchObject({
      ord_type: '2',
      status: '1',
      ord_no: first.data.ord_no,
      original_ord_no: paid.ord_no,
      trade_amount: '300',
      ord_name: '退货',
      remark: '顾客退货',
      pmt_tag: 'AlipayCS',
    });
    expect((await ok(client, 'order/view', { ord_no: first.data.ord_no })).data).toEqual(byOut);
    // The original order keeps status 1 and its amount.
    expect((await ok(client, 'paystatus', { out_no: 'R1' })).data).toMatchObject({
      status: '1',
      trade_amount: '1000',
      ord_type: '1',
    });
    const [charge] = await core.db.query('SELECT amount_refunded FROM charges WHERE order_sn = $1', [
      paid.ord_no,
    ]);
    expect(Number(charge!.amount_refunded)).toBe(300);
    const [stored] = await core.db.query('SELECT refund_no, amount, status FROM refunds');
    expect(stored).toMatchObject({ status: 'succeeded' });
    expect(String(stored!.refund_no)).toMatch(/^sto_[0-9a-f]{24}:RF1$/);

    await refused(client, 'payrefund', refund('R1', 'RF2', 701), 8021);
    await refused(client, 'payrefund', refund('R1', 'RF2', 1001), 8022);
    // By ord_no, the rest.
    await ok(client, 'payrefund', { ...refund('', 'RF2', 700), ord_no: paid.ord_no });
    await refused(client, 'payrefund', refund('R1', 'RF3', 1), 8021);

    // The list shows the payment and both refund orders; ord_type filters.
    const list = await ok(client, 'order', { ord_type: 2 });
    expect(list.data.list.map((o: any) => o.out_no)).toEqual(['RF2', 'RF1']);
    expect((await ok(client, 'order', {})).data.pages.totalnum).toBe('3');
  });

  it('refuses with the documented errcodes and changes nothing', async () => {
    const { client } = await newStore('888888');
    const mine = sha1('888888');
    await paidOrder(client, 'P1', 500);
    await ok(client, 'payorder', {
      out_no: 'U1',
      pmt_tag: 'AlipayCS',
      original_amount: 500,
      trade_amount: 500,
    });

    await refused(client, 'payrefund', { refund_out_no: 'X1', refund_amount: 1, shop_pass: mine }, 8014);
    await refused(client, 'payrefund', refund('P1', 'X1', 0, { shop_pass: mine }), 8015);
    await refused(
      client,
      'payrefund',
      { ...refund('P1', 'X1', 1), refund_amount: undefined, shop_pass: mine },
      8015,
    );
    await refused(client, 'payrefund', refund('P1', 'X1', 1.5, { shop_pass: mine }), 8015);
    await refused(client, 'payrefund', refund('P1', 'X1', 1, { shop_pass: '' }), 8016);
    // The default password is not this store's; a plain-text password is not its sha1.
    await refused(client, 'payrefund', refund('P1', 'X1', 1), 8017);
    await refused(client, 'payrefund', refund('P1', 'X1', 1, { shop_pass: '888888' }), 8017);
    await refused(client, 'payrefund', refund('NOPE', 'X1', 1, { shop_pass: mine }), 8018);
    await refused(client, 'payrefund', refund('U1', 'X1', 1, { shop_pass: mine }), 8019);
    await refused(client, 'payrefund', refund('P1', '', 1, { shop_pass: mine }), 8044);
    // Upper-case sha1 hex is the same password.
    await ok(client, 'payrefund', refund('P1', 'X1', 100, { shop_pass: mine.toUpperCase() }));
    await refused(client, 'payrefund', refund('P1', 'X1', 100, { shop_pass: mine }), 8020);
    // A refund order cannot be refunded; refund_out_no and out_no share one namespace.
    await refused(client, 'payrefund', refund('X1', 'X2', 1, { shop_pass: mine }), 8019);
    await refused(client, 'payrefund', refund('P1', 'U1', 1, { shop_pass: mine }), 8020);
    await refused(
      client,
      'payorder',
      { out_no: 'X1', pmt_tag: 'Cash', original_amount: 1, trade_amount: 1 },
      8045,
    );
    // Cancel is for unpaid barcode orders, never for refunds.
    await refused(client, 'paycancel', { out_no: 'X1' }, 8013);
  });

  it("refuses a refund above the app's net takings on that channel today (8040)", async () => {
    const { client } = await newStore();
    const start = core.clock.now();
    core.clock.set(new Date(start.getTime() - 24 * 3600 * 1000));
    await paidOrder(client, 'Y1', 800, 'WeixinBERL');
    await paidOrder(client, 'Y2', 800, 'Cash');
    core.clock.set(start);
    // Nothing taken today on WeChat: yesterday's order cannot be refunded from today's takings.
    const res = await refused(client, 'payrefund', refund('Y1', 'YR1', 100), 8040);
    expect(res.body.msg).toContain('0');
    // Cash is not settled through an acquirer: no such rule.
    await ok(client, 'payrefund', refund('Y2', 'YR2', 800));
    // Today's WeChat takings of 300 allow refunds up to 300, refunds included.
    await paidOrder(client, 'T1', 300, 'WeixinBERL');
    await ok(client, 'payrefund', refund('Y1', 'YR3', 200));
    await refused(client, 'payrefund', refund('Y1', 'YR4', 101), 8040);
    await ok(client, 'payrefund', refund('Y1', 'YR4', 100));
  });

  it('notifies notify_url with a signed GET when paid; "notify_success" acknowledges', async () => {
    const { client, store } = await newStore();
    const r = await receiver(core.clock, answer(200, 'notify_success\n'));
    const engineWorker = testEngine(core);
    try {
      const made = await ok(client, 'payorder', {
        out_no: 'NT1',
        pmt_tag: 'WeixinBERL',
        original_amount: 100,
        trade_amount: 100,
        notify_url: `${r.url}/notify.php?shop=7`,
      });
      const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
        made.data.ord_no,
      ]);
      // Created and pending: nothing to tell yet.
      await engineWorker.runDue();
      await engineWorker.settle();
      expect(r.requests).toHaveLength(0);
      await applyChargeResult(core, row!.id, { status: 'succeeded', transactionNo: 'wx_1' });
      await engineWorker.runDue();
      await engineWorker.settle();
      expect(r.requests).toHaveLength(1);
      const req = r.requests[0]!;
      expect(req.method).toBe('GET');
      const url = new URL(req.url, r.url);
      expect(url.pathname).toBe('/notify.php');
      const q = Object.fromEntries(url.searchParams);
      expect(Object.keys(q).sort()).toEqual([
        'ord_no',
        'out_no',
        'rand_str',
        'shop',
        'sign',
        'status',
        'timestamp',
      ]);
      expect(q).toMatchObject({
        ord_no: made.data.ord_no,
        out_no: 'NT1',
        status: '1',
        shop: '7',
        timestamp: String(nowSec()),
      });
      expect(q.rand_str!.length).toBeGreaterThanOrEqual(16);
      expect(docSign(q, store.openKey)).toBe(q.sign);
      const [delivery] = await deliveryRows(core, "d.format = 'store'");
      expect(delivery!.status).toBe('succeeded');
      expect(String(delivery!.url).startsWith(`${r.url}/notify.php?shop=7`)).toBe(true);
    } finally {
      await engineWorker.close();
      await r.close();
    }
  });

  it('reports an upstream decline: payment 8011 (order kept as status 4), refund 8023 (refund order status 4)', async () => {
    const { client } = await newStore();
    const declined = await client.call('payorder', {
      out_no: 'D1',
      pmt_tag: 'WeixinBERL',
      original_amount: 100,
      trade_amount: 100,
      auth_code: DECLINED_CODE,
    });
    expect(declined.body.errcode).toBe(8011);
    expect(declined.body.msg).toBe('支付失败：二维码已过期，请用户在微信上刷新后再试');
    // The out_no was used by a real (failed) attempt: it is not reusable, and reads as status 4.
    expect((await ok(client, 'paystatus', { out_no: 'D1' })).data.status).toBe('4');
    expect(
      (await client.call('payorder', { out_no: 'D1', pmt_tag: 'Cash', original_amount: 1, trade_amount: 1 }))
        .body.errcode,
    ).toBe(8045);

    await paidOrder(client, 'D2', 100, 'WeixinBERL');
    const refundDeclined = await client.call('payrefund', refund('D2', 'DR1', DECLINED_REFUND));
    expect(refundDeclined.body.errcode).toBe(8023);
    expect(refundDeclined.body.msg).toBe('退款失败：基本账户余额不足');
    expect((await ok(client, 'paystatus', { out_no: 'DR1' })).data).toMatchObject({
      ord_type: '2',
      status: '4',
    });
    // Nothing was refunded: the whole amount is still refundable.
    await ok(client, 'payrefund', refund('D2', 'DR2', 100));
  });

  it('keeps stores apart: another store neither sees nor refunds an order', async () => {
    const a = await newStore();
    const b = await newStore();
    const paid = await paidOrder(a.client, 'S1', 100);
    await refused(b.client, 'paystatus', { out_no: 'S1' }, 8002);
    await refused(b.client, 'order/view', { ord_no: paid.ord_no }, 8002);
    await refused(b.client, 'paycancel', { ord_no: paid.ord_no }, 8002);
    await refused(b.client, 'payrefund', { ...refund('', 'SR1', 1), ord_no: paid.ord_no }, 8018);
    expect((await ok(b.client, 'order', {})).data.pages.totalnum).toBe('0');
  });

  it('under concurrency: one out_no pays once, refunds never exceed what was paid', async () => {
    const { client } = await newStore();
    const orders = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.call('payorder', {
          out_no: 'C1',
          pmt_tag: 'AlipayCS',
          original_amount: 1000,
          trade_amount: 1000,
        }),
      ),
    );
    expect(orders.map((r) => r.body.errcode).sort()).toEqual([0, 8045, 8045, 8045, 8045, 8045]);
    const [{ n }] = await core.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM charges WHERE order_no = 'C1'",
    );
    expect(n).toBe(1);
    const ordNo = orders.find((r) => r.body.errcode === 0)!.data.ord_no;
    const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [ordNo]);
    await applyChargeResult(core, row!.id, { status: 'succeeded', transactionNo: 't_c1' });

    const refunds = await Promise.all(
      Array.from({ length: 5 }, (_, i) => client.call('payrefund', refund('C1', `CR${i}`, 300))),
    );
    const codes = refunds.map((r) => r.body.errcode);
    expect(codes.filter((c) => c === 0)).toHaveLength(3);
    expect(codes.filter((c) => c !== 0).every((c) => c === 8021)).toBe(true);
    const [sum] = await core.db.query<{ refunded: number }>(
      "SELECT COALESCE(SUM(amount), 0)::int AS refunded FROM refunds WHERE charge_id = $1 AND status = 'succeeded'",
      [row!.id],
    );
    expect(sum!.refunded).toBe(900);
    // Refused refunds left no refund order behind.
    expect((await ok(client, 'order', { ord_type: 2 })).data.pages.totalnum).toBe('3');
  });

  it('recovers from a crash between reserving an out_no and creating its charge or refund', async () => {
    const { client, store } = await newStore();
    const paid = await paidOrder(client, 'K1', 500);
    // A refund created whose order row was never linked to it: found and linked on lookup.
    await ok(client, 'payrefund', refund('K1', 'KR1', 100));
    await core.db.query("UPDATE store_orders SET refund_id = NULL WHERE out_no = 'KR1'");
    expect((await ok(client, 'order', { ord_type: 2 })).data.pages.totalnum).toBe('0');
    expect((await ok(client, 'paystatus', { out_no: 'KR1' })).data).toMatchObject({
      ord_type: '2',
      status: '1',
      original_ord_no: paid.ord_no,
    });
    expect((await ok(client, 'order', { ord_type: 2 })).data.pages.totalnum).toBe('1');

    // A payment reservation whose charge never came to be: held while it may be in flight,
    // reclaimed once it is a minute old.
    const reserve = (outNo: string, at: Date) =>
      core.db.query(
        `INSERT INTO store_orders (store_id, out_no, ord_type, charge_id, ord_mct_id, ord_shop_id, pmt_tag, created_at)
         VALUES ($1, $2, 1, $3, 99, 99, 'Cash', $4)`,
        [store.id, outNo, core.ids.next('charge'), at],
      );
    await reserve('K2', core.clock.now());
    await refused(
      client,
      'payorder',
      { out_no: 'K2', pmt_tag: 'Cash', original_amount: 1, trade_amount: 1 },
      8045,
    );
    await reserve('K3', new Date(core.clock.now().getTime() - 61_000));
    const reclaimed = await ok(client, 'payorder', {
      out_no: 'K3',
      pmt_tag: 'Cash',
      original_amount: 1,
      trade_amount: 1,
    });
    expect(reclaimed.data).toMatchObject({ out_no: 'K3', status: '1' });
    // A real order is never reclaimed, however old.
    core.clock.advance(3_600_000);
    await refused(
      client,
      'payorder',
      { out_no: 'K3', pmt_tag: 'Cash', original_amount: 1, trade_amount: 1 },
      8045,
    );
    await refused(client, 'payrefund', refund('K1', 'KR1', 1), 8020);
  });
});
