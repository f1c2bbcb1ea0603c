import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { forgetChannelConfigs } from '../../src/core/apps/credential-cache.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { Mct1Client, docEncrypt, docSign } from './store-client.js';
import { startGateway } from './gateway.js';
import { newShop } from './store-shop.js';

/**
 * The `store` dialect end to end: a client written from the document (store-client.ts)
 * against a listening server, on both engines. Every refused request is checked to
 * change nothing (charges, refunds, store orders, events).
 */
describe.each(engines())('store dialect /mct1 (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let base: string;
  let client: Mct1Client;
  let storeId: string;
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);

  const newStore = (options: { livemode?: boolean; name?: string } = {}) =>
    newShop(core, base, { name: '专用测试门店', ...options });

  async function counts() {
    const [row] = await core.db.query(
      `SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM refunds)::int AS refunds,
              (SELECT count(*) FROM store_orders)::int AS orders, (SELECT count(*) FROM events)::int AS events`,
    );
    return row;
  }

  /** Asserts the call is refused with `errcode` and leaves every table as it was. */
  async function refused(c: Mct1Client, path: string, data: unknown, errcode: number, options = {}) {
    const before = await counts();
    const res = await c.call(path, data, options);
    expect(res.status).toBe(200);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(errcode);
    expect(res.body.data).toBeUndefined();
    expect(await counts()).toEqual(before);
    return res;
  }

  async function ok(c: Mct1Client, path: string, data: unknown) {
    const res = await c.call(path, data);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    expect(res.signed).toBe(true);
    expect(res.body.timestamp).toBe(nowSec());
    return res;
  }

  async function pay(ordNo: string, transactionNo = `txn_${ordNo}`) {
    const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [ordNo]);
    await applyChargeResult(core, row!.id, { status: 'succeeded', transactionNo });
  }

  const qrOrder = (outNo: string, extra: Record<string, unknown> = {}) => ({
    out_no: outNo,
    pmt_tag: 'AlipayCS',
    ord_name: '香烟啤酒饮料',
    original_amount: 1000,
    discount_amount: 60,
    ignore_amount: 5,
    trade_amount: 935,
    ...extra,
  });

  beforeAll(async () => {
    // Connectors pinned to the sandbox: this suite is about the dialect, whatever
    // simulator-backed connectors the registry gains.
    const sandbox = sandboxConnector();
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: sandbox, wechatpay: sandbox }) });
    ({ server: app, base } = await startGateway(core));
    const made = await newStore();
    client = made.client;
    storeId = made.store.id;
  });

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  describe('authentication and envelope', () => {
    it('answers a signed, encrypted envelope the document client verifies', async () => {
      const res = await ok(client, 'paylist', { pmt_type: 0 });
      expect(Object.keys(res.body).sort()).toEqual(['data', 'errcode', 'msg', 'sign', 'timestamp']);
      expect(res.body.msg).toBe('ok');
      expect(res.body.data).toMatch(/^[0-9a-f]+$/);
    });

    it('accepts upper case hex data and an upper case sign', async () => {
      const fields = client.fields({ pmt_type: '2,3' });
      fields.data = fields.data!.toUpperCase();
      fields.sign = docSign({ ...fields, sign: undefined }, client.openKey).toUpperCase();
      const res = await client.send('paylist', fields);
      expect(res.body.errcode).toBe(0);
      expect(res.signed).toBe(true);
    });

    it('refuses a request without open_id (8), also a JSON body, without signing', async () => {
      const before = await counts();
      const fields = client.fields({});
      delete fields.open_id;
      const res = await client.send('paylist', fields);
      expect(res.body).toMatchObject({ errcode: 8 });
      expect(res.signed).toBeNull();
      const json = await fetch(`${base}/mct1/paylist`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(client.fields({})),
      });
      expect(json.status).toBe(200);
      expect(await json.json()).toMatchObject({ errcode: 8 });
      expect(await counts()).toEqual(before);
    });

    it('refuses an unknown open_id (3002)', async () => {
      const res = await refused(client, 'paylist', {}, 3002, { openId: 'nosuchopenid000000000000000000000' });
      expect(res.signed).toBeNull();
    });

    it('refuses a bad sign (5): tampered field, wrong key, missing sign', async () => {
      const fields = client.fields(qrOrder('SIGN1'));
      const tampered = { ...fields, timestamp: String(Number(fields.timestamp) + 1) };
      const before = await counts();
      expect((await client.send('payorder', tampered)).body.errcode).toBe(5);
      // Signed and encrypted with another store's key.
      const other = await newStore();
      expect(
        (await client.call('payorder', qrOrder('SIGN2'), { key: other.store.openKey })).body.errcode,
      ).toBe(5);
      const unsigned = { ...fields };
      delete unsigned.sign;
      const res = await client.send('payorder', unsigned);
      expect(res.body.errcode).toBe(5);
      // The refusal itself is signed with the store's key.
      expect(res.signed).toBe(true);
      const extra = { ...fields, randStr: 'abc' };
      expect((await client.send('payorder', extra)).body.errcode).toBe(5);
      // An extra field is fine when it is signed like the others (the paystatus example sends randStr).
      const withRand = {
        open_id: client.openId,
        timestamp: String(nowSec()),
        randStr: 'abc',
        data: fields.data!,
      };
      const signedRand = await client.send('paylist', {
        ...withRand,
        sign: docSign(withRand, client.openKey),
      });
      expect(signedRand.body.errcode).toBe(0);
      expect(await counts()).toEqual(before);
    });

    it('refuses a timestamp more than 600 s off (9), and a captured request replayed later', async () => {
      await refused(client, 'payorder', qrOrder('TS1'), 9, { timestamp: nowSec() - 601 });
      await refused(client, 'payorder', qrOrder('TS2'), 9, { timestamp: nowSec() + 601 });
      // Exactly 600 s is inside the window.
      expect((await client.call('paylist', {}, { timestamp: nowSec() - 600 })).body.errcode).toBe(0);

      const captured = client.fields({
        out_no: 'REPLAY1',
        pmt_tag: 'Cash',
        original_amount: 5,
        trade_amount: 5,
      });
      expect((await client.send('payorder', captured)).body.errcode).toBe(0);
      core.clock.advance(601_000);
      const before = await counts();
      const replay = await client.send('payorder', captured);
      expect(replay.body.errcode).toBe(9);
      expect(await counts()).toEqual(before);
    });

    it('takes signed fields from the query string too (GET paystatus) and multipart bodies', async () => {
      const made = await ok(client, 'payorder', qrOrder('GET1'));
      const fields = client.fields({ out_no: 'GET1' });
      const get = await client.read(
        await fetch(`${base}/mct1/paystatus?${new URLSearchParams(fields)}`),
        fields,
      );
      expect(get.body.errcode).toBe(0);
      expect(get.data.ord_no).toBe(made.data.ord_no);

      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const multipart = await client.read(
        await fetch(`${base}/mct1/paystatus`, { method: 'POST', body: form }),
        fields,
      );
      expect(multipart.body.errcode).toBe(0);
      expect(multipart.data.out_no).toBe('GET1');
    });

    it('refuses data that does not decrypt (8044) and answers 404 for unknown endpoints', async () => {
      const fields = { open_id: client.openId, timestamp: String(nowSec()), data: 'abcd' };
      const res = await client.send('paystatus', { ...fields, sign: docSign(fields, client.openKey) });
      expect(res.body.errcode).toBe(8044);
      expect(res.body.msg).toContain('data解密失败');
      const wrongKey = { ...fields, data: docEncrypt('{"out_no":"x"}', 'k'.repeat(32)) };
      const res2 = await client.send('paystatus', { ...wrongKey, sign: docSign(wrongKey, client.openKey) });
      expect(res2.body.errcode).toBe(8044);
      const missing = await fetch(`${base}/mct1/nothing`, { method: 'POST' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ errcode: 404, msg: '接口不存在：POST /mct1/nothing' });
      const huge = await fetch(`${base}/mct1/paylist`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `data=${'a'.repeat(1_100_000)}`,
      });
      expect(huge.status).toBe(413);
      expect(await huge.json()).toMatchObject({ errcode: 413 });
    });
  });

  describe('paylist', () => {
    it("lists a test store's tags (test names), narrowed by pmt_type, Cash and Diy always", async () => {
      const res = await ok(client, 'paylist', { pmt_type: 0 });
      expect(res.data.map((t: any) => t.pmt_tag)).toEqual(['AlipayCS', 'WeixinBERL', 'Cash', 'Diy']);
      expect(res.data[0]).toEqual({
        pmt_name: '支付宝',
        pmt_internal_name: 'AlipayCS',
        pmt_type: '2,3,4',
        pmt_icon: '/Public/images/Alipay.jpg',
        pmt_ticket_icon: '/Public/images/ticket/Alipay.png',
        pmt_tag: 'AlipayCS',
        pmt_currency: 'CNY',
        pmt_split_refund: '1',
        ticket_name: '支付宝签购单',
      });
      expect(res.data[2]).toMatchObject({ pmt_tag: 'Cash', pmt_name: '现金', pmt_type: '0' });
      expect((await ok(client, 'paylist', { pmt_type: '2,3' })).data).toHaveLength(4);
      expect((await ok(client, 'paylist', {})).data).toHaveLength(4);
      expect((await client.call('paylist', { pmt_type: 'qr' })).body.errcode).toBe(8000);
    });

    it('lists production names for a live store, online tags only with an enabled channel', async () => {
      const live = await newStore({ livemode: true });
      expect((await ok(live.client, 'paylist', {})).data.map((t: any) => t.pmt_tag)).toEqual(['Cash', 'Diy']);
      const now = core.clock.now();
      await core.db.query(
        `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, settings, created_at, updated_at)
         VALUES ($1, $2, true, 'wechatpay', true, '{}', $3, $3)`,
        [core.ids.next('channelConfig'), live.appId, now],
      );
      forgetChannelConfigs(core); // written past the admin API, which would do this itself
      expect((await ok(live.client, 'paylist', {})).data.map((t: any) => t.pmt_tag)).toEqual([
        'Weixin',
        'Cash',
        'Diy',
      ]);
      // A test store does not know production names, and a disabled provider is gone.
      await refused(client, 'payorder', qrOrder('LIVE1', { pmt_tag: 'Weixin' }), 8007);
      const off = await newStore();
      await core.db.query(
        `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, settings, created_at, updated_at)
         VALUES ($1, $2, false, 'alipay', false, '{}', $3, $3)`,
        [core.ids.next('channelConfig'), off.appId, now],
      );
      forgetChannelConfigs(core);
      expect((await ok(off.client, 'paylist', {})).data.map((t: any) => t.pmt_tag)).toEqual([
        'WeixinBERL',
        'Cash',
        'Diy',
      ]);
      await refused(off.client, 'payorder', qrOrder('OFF1'), 8007);
    });
  });

  describe('payorder', () => {
    it('QR (C scans B): pending with trade_qrcode, then paid', async () => {
      const res = await ok(
        client,
        'payorder',
        qrOrder('QR1', { remark: '备注', tag: 'A1', notify_url: 'https://m.example/n?x=1' }),
      );
      const d = res.data;
      expect(d).toMatchObject({
        out_no: 'QR1',
        pmt_tag: 'AlipayCS',
        pmt_name: '支付宝',
        ord_type: '1',
        ord_name: '香烟啤酒饮料',
        ord_currency: 'CNY',
        currency_sign: '¥',
        original_amount: '1000',
        discount_amount: '60',
        ignore_amount: '5',
        trade_amount: '935',
        trade_discout_amount: '0',
        status: '2',
        remark: '备注',
        tag: 'A1',
        trade_no: null,
        trade_pay_time: null,
        shop_name: '专用测试门店',
      });
      expect(d.ord_no).toMatch(/^\d{22}$/);
      expect(d.ord_mct_id).toMatch(/^\d+$/);
      expect(d.trade_qrcode).toMatch(/^http:\/\/127\.0\.0\.1:3000\/sandbox\/pay\/ch_[0-9a-f]{24}$/);
      const [charge] = await core.db.query('SELECT * FROM charges WHERE order_sn = $1', [d.ord_no]);
      expect(charge).toMatchObject({
        store_id: storeId,
        dialect: 'store',
        order_no: 'QR1',
        channel: 'alipay',
        method: 'qr',
        status: 'pending',
        notify_url: 'https://m.example/n?x=1',
        subject: '香烟啤酒饮料',
      });
      expect(Number(charge!.amount)).toBe(935);

      expect((await ok(client, 'paystatus', { out_no: 'QR1' })).data.status).toBe('2');
      core.clock.advance(5_000);
      await pay(d.ord_no, '2017103021001004950010956927');
      const paid = (await ok(client, 'paystatus', { ord_no: d.ord_no })).data;
      expect(paid).toMatchObject({
        status: '1',
        trade_no: '2017103021001004950010956927',
        ord_no: d.ord_no,
        out_no: 'QR1',
        ord_type: '1',
      });
      expect(paid.trade_pay_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const view = (await ok(client, 'order/view', { out_no: 'QR1', ord_no: d.ord_no })).data;
      expect(view).toEqual(paid);
      // ord_no and out_no naming different orders is no order.
      expect((await client.call('order/view', { out_no: 'GET1', ord_no: d.ord_no })).body.errcode).toBe(8002);
    });

    it('numbers orders merchant-wide and store-wide from 1', async () => {
      const fresh = await newStore();
      const a = await ok(fresh.client, 'payorder', {
        out_no: 'N1',
        pmt_tag: 'Cash',
        original_amount: 1,
        trade_amount: 1,
      });
      const b = await ok(fresh.client, 'payorder', {
        out_no: 'N2',
        pmt_tag: 'Cash',
        original_amount: 1,
        trade_amount: 1,
      });
      expect([a.data.ord_mct_id, a.data.ord_shop_id, b.data.ord_mct_id, b.data.ord_shop_id]).toEqual([
        '1',
        '1',
        '2',
        '2',
      ]);
    });

    it('barcode (B scans C): status 9 while the payer confirms, then paid', async () => {
      const res = await ok(
        client,
        'payorder',
        qrOrder('BAR1', { pmt_tag: 'WeixinBERL', auth_code: '134567890123456789' }),
      );
      expect(res.data).toMatchObject({
        status: '9',
        pmt_tag: 'WeixinBERL',
        pmt_name: '微信支付',
        trade_qrcode: null,
      });
      const [charge] = await core.db.query('SELECT method, status, extra FROM charges WHERE order_sn = $1', [
        res.data.ord_no,
      ]);
      expect(charge).toMatchObject({ method: 'barcode', status: 'user_paying' });
      expect(charge!.extra).toMatchObject({ auth_code: '134567890123456789', pmt_tag: 'WeixinBERL' });
      expect((await ok(client, 'paystatus', { out_no: 'BAR1' })).data.status).toBe('9');
      await pay(res.data.ord_no);
      expect((await ok(client, 'paystatus', { out_no: 'BAR1' })).data.status).toBe('1');
      await refused(client, 'payorder', qrOrder('BAR2', { auth_code: '12ab' }), 8011);
    });

    it('WeChat official account: jump_url returns jsapi_pay_url; JSAPI=1 returns the JS parameters', async () => {
      const jump = await ok(
        client,
        'payorder',
        qrOrder('WXJ1', {
          pmt_tag: 'WeixinBERL',
          jump_url: 'https://m.example/done',
          JSAPI: '',
          auth_code: '',
        }),
      );
      expect(jump.data.status).toBe('2');
      expect(jump.data.jsapi_pay_url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/cashier\/pay\/ch_[0-9a-f]{24}$/);
      const charge = await chargeOf(jump.data.ord_no);
      expect(charge.method).toBe('jsapi');
      expect(charge.return_url).toBe(`http://127.0.0.1:3000/mct1/jump/${charge.id}`);
      expect(charge.extra).toMatchObject({ jump_url: 'https://m.example/done' });
      // The payer comes back through the return URL and goes on to jump_url, signed (4.8.2).
      const pending = await jumpBack(charge.id);
      expect(pending).toMatchObject({
        ord_no: jump.data.ord_no,
        out_no: 'WXJ1',
        status: '2',
        target: 'https://m.example/done',
      });
      await pay(jump.data.ord_no);
      expect(await jumpBack(charge.id)).toMatchObject({ ord_no: jump.data.ord_no, status: '1' });
      expect(
        (await fetch(`${base}/mct1/jump/ch_000000000000000000000000`, { redirect: 'manual' })).status,
      ).toBe(404);

      const js = await ok(
        client,
        'payorder',
        qrOrder('WXJ2', {
          pmt_tag: 'WeixinBERL',
          JSAPI: 1,
          sub_appid: 'wxde66bf91cac57773',
          sub_openid: 'oRBXQs6pH6F9R5Yw4dkJ8y9aXPqA',
        }),
      );
      expect(js.data).toMatchObject({ status: '2', jsapi_pay_url: '', appId: 'sandbox', signType: 'RSA' });
      expect(js.data.package).toMatch(/^prepay_id=ch_/);
      for (const key of ['timeStamp', 'nonceStr', 'paySign']) expect(typeof js.data[key]).toBe('string');
      const [jsCharge] = await core.db.query('SELECT method, extra FROM charges WHERE order_sn = $1', [
        js.data.ord_no,
      ]);
      expect(jsCharge!.method).toBe('jsapi');
      expect(jsCharge!.extra).toMatchObject({
        sub_appid: 'wxde66bf91cac57773',
        openid: 'oRBXQs6pH6F9R5Yw4dkJ8y9aXPqA',
      });
      await refused(
        client,
        'payorder',
        qrOrder('WXJ3', { pmt_tag: 'WeixinBERL', JSAPI: '1', sub_appid: 'wx1' }),
        8011,
      );
      await refused(client, 'payorder', qrOrder('WXJ4', { pmt_tag: 'WeixinBERL', JSAPI: 'yes' }), 8008);
    });

    it("WeChat mini program: JSAPI=1 with the app's configured mini program appid pays as a mini program", async () => {
      const shop = await newStore();
      await core.db.query(
        `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, settings, created_at, updated_at)
         VALUES ($1, $2, false, 'wechatpay', true, $3, $4, $4)`,
        [
          core.ids.next('channelConfig'),
          shop.appId,
          JSON.stringify({ appid: 'wx_official_1', mini_appid: 'wx_mini_123' }),
          core.clock.now(),
        ],
      );
      const mini = await ok(
        shop.client,
        'payorder',
        qrOrder('MINI1', {
          pmt_tag: 'WeixinBERL',
          JSAPI: '1',
          sub_appid: 'wx_mini_123',
          sub_openid: 'o_mini_openid',
        }),
      );
      expect(mini.data).toMatchObject({ status: '2', out_no: 'MINI1', appId: 'sandbox', jsapi_pay_url: '' });
      const charge = await chargeOf(mini.data.ord_no);
      expect(mini.data.package).toBe(`prepay_id=${charge.id}`);
      expect(charge.method).toBe('mini');
      const official = await ok(
        shop.client,
        'payorder',
        qrOrder('MINI2', {
          pmt_tag: 'WeixinBERL',
          JSAPI: '1',
          sub_appid: 'wx_official_1',
          sub_openid: 'o_oa_openid',
        }),
      );
      expect((await chargeOf(official.data.ord_no)).method).toBe('jsapi');
    });

    it('Alipay service window: jump_url, or JSAPI=1 with buyer_id', async () => {
      // A payment link: Alipay's mobile cashier (here the sandbox's page), back through jump_url.
      const jump = await ok(client, 'payorder', qrOrder('ALJ1', { jump_url: 'https://m.example/ali' }));
      const charge = await chargeOf(jump.data.ord_no);
      expect(charge.method).toBe('wap');
      expect(jump.data.jsapi_pay_url).toBe(`http://127.0.0.1:3000/sandbox/pay/${charge.id}`);
      expect(await jumpBack(charge.id)).toMatchObject({
        out_no: 'ALJ1',
        status: '2',
        target: 'https://m.example/ali',
      });
      const js = await ok(client, 'payorder', qrOrder('ALJ2', { JSAPI: 1, buyer_id: '2088202642306951' }));
      expect(js.data).toMatchObject({ status: '2', jsapi_pay_url: '', trade_no: null });
      expect((await chargeOf(js.data.ord_no)).extra).toMatchObject({ buyer_id: '2088202642306951' });
      await refused(client, 'payorder', qrOrder('ALJ3', { JSAPI: 1 }), 8011);
    });

    it('Cash is paid at once; Diy needs pmt_name', async () => {
      const cash = await ok(client, 'payorder', {
        out_no: 'CASH1',
        pmt_tag: 'Cash',
        original_amount: '300',
        trade_amount: '300',
      });
      expect(cash.data).toMatchObject({
        status: '1',
        pmt_name: '现金',
        trade_amount: '300',
        trade_qrcode: null,
      });
      expect(cash.data.trade_pay_time).not.toBeNull();
      await refused(
        client,
        'payorder',
        { out_no: 'DIY1', pmt_tag: 'Diy', original_amount: 300, trade_amount: 300 },
        8004,
      );
      const diy = await ok(client, 'payorder', {
        out_no: 'DIY2',
        pmt_tag: 'Diy',
        pmt_name: '会员卡',
        original_amount: 300,
        trade_amount: 300,
        trade_no: 'CARD-778',
        trade_account: '6222****1234',
      });
      expect(diy.data).toMatchObject({
        status: '1',
        pmt_tag: 'Diy',
        pmt_name: '会员卡',
        diy_pmt_name: '会员卡',
        trade_no: 'CARD-778',
        trade_account: '6222****1234',
      });
    });

    it('refuses missing and wrong-typed fields with their errcodes, changing nothing', async () => {
      await refused(client, 'payorder', qrOrder('', {}), 8044);
      await refused(client, 'payorder', { ...qrOrder('X1'), out_no: undefined }, 8044);
      await refused(client, 'payorder', qrOrder('X2', { pmt_tag: '' }), 8004);
      await refused(client, 'payorder', qrOrder('X3', { pmt_tag: 'Baifubao' }), 8007);
      await refused(client, 'payorder', qrOrder('X4', { pmt_tag: 'alipaycs' }), 8007);
      await refused(client, 'payorder', qrOrder('X5', { trade_amount: 940 }), 8006);
      // (935.0 is what a Java double of 935 prints, so it is 935: store-compat.test.ts.)
      await refused(client, 'payorder', qrOrder('X6', { trade_amount: '935.5' }), 8006);
      await refused(client, 'payorder', qrOrder('X7', { original_amount: -1000 }), 8006);
      await refused(client, 'payorder', qrOrder('X8', { original_amount: undefined }), 8006);
      await refused(
        client,
        'payorder',
        qrOrder('X9', { original_amount: 0, discount_amount: 0, ignore_amount: 0, trade_amount: 0 }),
        8006,
      );
      await refused(client, 'payorder', qrOrder('X10', { discount_amount: { a: 1 } }), 8006);
      await refused(client, 'payorder', qrOrder('X11', { ord_name: 'x'.repeat(101) }), 8003);
      await refused(client, 'payorder', qrOrder('X12', { notify_url: 'ftp://x' }), 8008);
      await refused(client, 'payorder', qrOrder('X13 bad'), 8008);
      await refused(client, 'payorder', qrOrder('X14', { out_no: ['a'] }), 8008);
      await refused(client, 'payorder', [1, 2], 8044);
    });

    it('refuses an out_no used in the store (8045); another store may use it', async () => {
      await ok(client, 'payorder', qrOrder('DUP1'));
      const res = await refused(
        client,
        'payorder',
        qrOrder('DUP1', { pmt_tag: 'Cash', discount_amount: 0, ignore_amount: 0, trade_amount: 1000 }),
        8045,
      );
      expect(res.body.msg).toContain('out_no已经存在');
      // Another store may use the same out_no.
      const other = await newStore();
      await ok(other.client, 'payorder', qrOrder('DUP1'));
    });
  });

  /** Follows a jump_url order's return URL: the query of the merchant URL it redirects to, signature checked. */
  async function jumpBack(chargeId: string) {
    const res = await fetch(`${base}/mct1/jump/${chargeId}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    const q = Object.fromEntries(location.searchParams);
    expect(docSign(q, client.openKey)).toBe(q.sign);
    expect(Number(q.timestamp)).toBe(nowSec());
    return { ...q, target: `${location.origin}${location.pathname}` };
  }

  async function chargeOf(ordNo: string) {
    const [row] = await core.db.query('SELECT * FROM charges WHERE order_sn = $1', [ordNo]);
    return row!;
  }

  describe('paycancel', () => {
    it('cancels an unpaid barcode order; refuses paid, ended and non-barcode orders', async () => {
      const bar = await ok(client, 'payorder', qrOrder('CAN1', { auth_code: '281234567890123456' }));
      const canceled = await ok(client, 'paycancel', { out_no: 'CAN1' });
      expect(canceled.body.msg).toBe('订单取消成功');
      expect(canceled.data).toEqual({ ord_no: bar.data.ord_no, ord_status: '4', ord_stautus: '4' });
      expect((await ok(client, 'paystatus', { ord_no: bar.data.ord_no })).data.status).toBe('4');
      await refused(client, 'paycancel', { out_no: 'CAN1' }, 8012);

      const paid = await ok(client, 'payorder', qrOrder('CAN2', { auth_code: '281234567890123457' }));
      await pay(paid.data.ord_no);
      await refused(client, 'paycancel', { ord_no: paid.data.ord_no }, 8012);
      await refused(client, 'paycancel', { out_no: 'CASH1' }, 8012);
      await ok(client, 'payorder', qrOrder('CAN3'));
      const qr = await refused(client, 'paycancel', { out_no: 'CAN3' }, 8013);
      expect(qr.body.msg).toContain('支付场景不支持');
      await refused(client, 'paycancel', {}, 8001);
      await refused(client, 'paycancel', { out_no: 'NOPE' }, 8002);
      await refused(client, 'paystatus', { ord_no: '99999999999999999999' }, 8002);
      await refused(client, 'order/view', {}, 8001);
    });
  });

  describe('order list', () => {
    it('pages newest first with the document page block and filters', async () => {
      const shop = await newStore();
      for (let i = 1; i <= 12; i++) {
        core.clock.advance(1_000);
        await ok(shop.client, 'payorder', {
          out_no: `L${i}`,
          pmt_tag: i % 3 === 0 ? 'Cash' : 'AlipayCS',
          original_amount: i,
          trade_amount: i,
        });
      }
      const first = await ok(shop.client, 'order', {});
      expect(first.data.pages).toEqual({ totalnum: '12', totalpage: 2, pagesize: 10, page: 1 });
      expect(first.data.page).toEqual(first.data.pages);
      expect(first.data.list.map((o: any) => o.out_no)).toEqual([
        'L12',
        'L11',
        'L10',
        'L9',
        'L8',
        'L7',
        'L6',
        'L5',
        'L4',
        'L3',
      ]);
      const second = await ok(shop.client, 'order', { page: '2', pagesize: '10' });
      expect(second.data.list.map((o: any) => o.out_no)).toEqual(['L2', 'L1']);
      const cash = await ok(shop.client, 'order', { pmt_tag: 'Cash', pagesize: 100 });
      expect(cash.data.list.map((o: any) => o.out_no)).toEqual(['L12', 'L9', 'L6', 'L3']);
      const paidOnly = await ok(shop.client, 'order', { status: 1, pagesize: 100 });
      expect(paidOnly.data.pages.totalnum).toBe('4');
      const unpaid = await ok(shop.client, 'order', { status: '2', ord_type: 1 });
      expect(unpaid.data.pages.totalnum).toBe('8');
      const one = await ok(shop.client, 'order', { out_no: 'L5' });
      expect(one.data.list).toHaveLength(1);
      const byOrdNo = await ok(shop.client, 'order', { ord_no: one.data.list[0].ord_no });
      expect(byOrdNo.data.list[0].out_no).toBe('L5');
      expect((await ok(shop.client, 'order', { ord_type: 2 })).data).toEqual({
        pages: { totalnum: '0', totalpage: 0, pagesize: 10, page: 1 },
        page: { totalnum: '0', totalpage: 0, pagesize: 10, page: 1 },
        list: [],
      });

      for (const bad of [
        { pagesize: 101 },
        { page: 0 },
        { page: 'x' },
        { status: 3 },
        { ord_type: 3 },
        { sdate: '2017-13-01' },
      ]) {
        await refused(shop.client, 'order', bad, 8000);
      }
    });

    it('defaults to the last 90 days; sdate/edate reach further back', async () => {
      const shop = await newStore();
      const now = core.clock.now();
      core.clock.set(new Date(now.getTime() - 91 * 24 * 3600 * 1000));
      await ok(shop.client, 'payorder', {
        out_no: 'OLD1',
        pmt_tag: 'Cash',
        original_amount: 1,
        trade_amount: 1,
      });
      const oldDay = new Date(core.clock.now().getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
      core.clock.set(now);
      await ok(shop.client, 'payorder', {
        out_no: 'NEW1',
        pmt_tag: 'Cash',
        original_amount: 1,
        trade_amount: 1,
      });
      expect((await ok(shop.client, 'order', {})).data.list.map((o: any) => o.out_no)).toEqual(['NEW1']);
      const range = await ok(shop.client, 'order', { sdate: `${oldDay} 00:00:00`, edate: oldDay });
      expect(range.data.list.map((o: any) => o.out_no)).toEqual(['OLD1']);
      expect(
        (await ok(shop.client, 'order', { sdate: oldDay.replaceAll('-', '') })).data.pages.totalnum,
      ).toBe('2');
    });
  });
});
