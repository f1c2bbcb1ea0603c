/**
 * The dialects over the real connectors: every maxpay and paymax channel that reaches an
 * upstream is created through its provider's connector and simulator (the dialect suites
 * pin a generic stand-in to test the dialect alone), so the credential each connector
 * returns is proven to be what the dialect's clients need, taken from the upstream answer
 * and never made up by the dialect.
 */
import { createSign, createVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/core/apps/stores.js';
import { findCharge } from '../../src/db/charges.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { Mct1Client } from './store-client.js';
import { UnifiedClient } from './unified-client.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, testServer } from '../support/server.js';

type Credentials = Awaited<ReturnType<typeof seedApp>>['credentials'];

describe.each(engines())('dialects over the real connectors (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let keys: Credentials;
  let store: Mct1Client;
  let counter = 0;
  // Zero-padded: Paymax wants at least 8 characters, and the clock's remainder may be short.
  const next = () => `RC${String(Date.now() % 1_000_000).padStart(6, '0')}${(counter += 1)}`;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    const seeded = await seedApp(core);
    keys = seeded.credentials;
    const made = await createStore(core.db, core, { appId: seeded.app.id, name: '门店', livemode: false });
    store = new Mct1Client(server.url, made.openId, made.openKey, () =>
      Math.floor(core.clock.now().getTime() / 1000),
    );
    // Generous: eight suites share two cores, and the simulators generate their keys here.
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  describe('maxpay /2.0/maxpay/bill', () => {
    const bill = async (params: Record<string, unknown>) => {
      const response = await fetch(`${server.url}/2.0/maxpay/bill`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json;charset=utf-8;',
          'X-ML-AppId': keys.maxpay.appId,
          'X-ML-Session-Token': keys.maxpay.sessionToken,
        },
        body: JSON.stringify({ totalFee: 1288, subject: '咖啡', billNum: next(), ...params }),
      });
      return (await response.json()) as Record<string, any>;
    };
    const returnUrl = 'https://shop.example/done';

    it.each([
      ['ali_app', {}, (b: any, cred: any) => expect(b.ali_app).toBe(cred.order_string)],
      ['ali_web', { returnUrl }, (b: any, cred: any) => expect(b.ali_web).toBe(cred.pay_url)],
      ['ali_qrcode', { returnUrl }, (b: any, cred: any) => expect(b.url).toBe(cred.qr_code)],
      [
        'wx_native',
        {},
        (b: any, cred: any) => {
          expect(b.codeUrl).toBe(cred.code_url);
          expect(b.prepayid).toBeTruthy();
        },
      ],
      [
        'wx_app',
        {},
        (b: any, cred: any) => {
          expect(b).toMatchObject({ prepayid: cred.app_params.prepayid, sign: cred.app_params.sign });
          expect(b.partnerid).toBe(cred.app_params.partnerid);
        },
      ],
      [
        'wx_jsapi',
        { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        (b: any, cred: any) => expect(b).toMatchObject({ ...cred.jsapi, signType: 'RSA' }),
      ],
      ['un_app', {}, (b: any, cred: any) => expect(b.tn).toBe(cred.tn)],
      ['un_web', { returnUrl }, (b: any, cred: any) => expect(b.html).toBe(cred.html)],
    ] as const)('%s: the bill carries the upstream credential', async (channel, extra, check) => {
      const answer = await bill({ channel, ...extra });
      expect(answer.code, JSON.stringify(answer)).toBe(0);
      const charge = (await findCharge(core.db, answer.id))!;
      expect(charge.status).toBe('pending');
      check(answer, charge.credential);
    });
  });

  describe('paymax /v1/charges', () => {
    const create = async (body: Record<string, unknown>) => {
      const raw = JSON.stringify({
        order_no: next(),
        amount: 12.88,
        subject: '咖啡',
        body: '一杯',
        app: keys.paymax.app,
        client_ip: '127.0.0.1',
        currency: 'cny',
        ...body,
      });
      const signer = createSign('RSA-SHA1');
      signer.update(Buffer.from(raw, 'utf8'));
      const response = await fetch(`${server.url}/v1/charges`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: keys.paymax.secretKey,
          sign: signer.sign(keys.paymax.merchantPrivateKeyPem!, 'base64'),
        },
        body: raw,
      });
      const json = (await response.json()) as Record<string, any>;
      expect(response.status, JSON.stringify(json)).toBe(200);
      const verifier = createVerify('RSA-SHA1');
      verifier.update(Buffer.from(json.res_data, 'utf8'));
      expect(verifier.verify(keys.paymax.platformPublicKeyPem, json.sign, 'base64')).toBe(true);
      return JSON.parse(json.res_data) as Record<string, any>;
    };

    it.each([
      ['alipay_app', {}, 'order_string', 'order_string'],
      ['wechat_app', {}, 'prepay_id', 'prepay_id'],
      ['apple_pay_app', {}, 'order_string', 'tn'],
      ['wechat_wap', { open_id: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }, null, null],
      ['alipay_web', { return_url: 'https://shop.example/done' }, 'pay_url', 'pay_url'],
      ['lakala_web', { user_id: 'u1' }, 'pay_url', 'pay_url'],
      [
        'lakala_app',
        { user_id: 'u1', return_url: 'https://shop.example/done' },
        'order_string',
        'order_string',
      ],
      [
        'lakala_h5',
        { user_id: 'u1', return_url: 'https://shop.example/done', show_url: 'https://shop.example/item' },
        'pay_url',
        'pay_url',
      ],
    ] as const)(
      '%s: the Charge credential comes from the upstream',
      async (channel, extra, key, upstreamKey) => {
        const charge = await create({ channel, extra });
        expect(charge.status).toBe('PROCESSING');
        const credential = charge.credential[channel] as Record<string, unknown>;
        expect(credential).toBeTruthy();
        const stored = (await findCharge(core.db, charge.id))!;
        expect(stored.status).toBe('pending');
        if (key) expect(credential[key]).toBeTruthy();
        if (key && upstreamKey) expect(credential[key]).toBe(stored.credential![upstreamKey]);
      },
    );
  });

  describe('store /mct1/payorder', () => {
    const order = (fields: Record<string, unknown>) => ({
      out_no: next(),
      original_amount: 1288,
      trade_amount: 1288,
      ord_name: '咖啡',
      ...fields,
    });
    const chargeOf = async (ordNo: string) => {
      const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
        ordNo,
      ]);
      return (await findCharge(core.db, row!.id))!;
    };

    it.each([
      ['AlipayCS', 'qr_code'],
      ['WeixinBERL', 'code_url'],
    ] as const)('%s QR: trade_qrcode is the upstream QR content', async (tag, key) => {
      const res = await store.call('payorder', order({ pmt_tag: tag }));
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      expect(res.signed).toBe(true);
      const charge = await chargeOf(res.data.ord_no);
      expect(charge).toMatchObject({ status: 'pending', method: 'qr' });
      expect(res.data.trade_qrcode).toBe(charge.credential![key]);
      expect(res.data.status).toBe('2');
    });

    it('WeixinBERL JSAPI=1: the JS payment parameters come from WeChat, signed with the merchant key', async () => {
      const res = await store.call(
        'payorder',
        order({
          pmt_tag: 'WeixinBERL',
          JSAPI: 1,
          sub_appid: 'wxsubapp0000000001',
          sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
        }),
      );
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      const charge = await chargeOf(res.data.ord_no);
      const js = charge.credential!.jsapi as Record<string, string>;
      expect(res.data).toMatchObject({
        appId: js.appId,
        timeStamp: js.timeStamp,
        nonceStr: js.nonceStr,
        package: js.package,
        signType: 'RSA',
        paySign: js.paySign,
      });
    });

    it('AlipayCS barcode: a payment code that pays at once is paid in the answer (status 1)', async () => {
      const res = await store.call(
        'payorder',
        order({ pmt_tag: 'AlipayCS', auth_code: '281234567890123456' }),
      );
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      expect(res.data.status).toBe('1');
      expect((await chargeOf(res.data.ord_no)).transactionNo).toBe(res.data.trade_no);
    });

    it("trade_account is the upstream's payer: Alipay buyer_logon_id, WeChat payer openid", async () => {
      const ali = await store.call(
        'payorder',
        order({ pmt_tag: 'AlipayCS', auth_code: '281234567890123457' }),
      );
      expect(ali.body.errcode, JSON.stringify(ali.body)).toBe(0);
      const [trade] = await core.db.query<{ buyer_logon_id: string }>(
        'SELECT buyer_logon_id FROM alipay_sandbox_trades WHERE trade_no = $1',
        [ali.data.trade_no],
      );
      expect(trade!.buyer_logon_id).toBeTruthy();
      expect(ali.data.trade_account).toBe(trade!.buyer_logon_id);
      expect((await chargeOf(ali.data.ord_no)).payerAccount).toBe(trade!.buyer_logon_id);

      // A WeChat QR order has no payer until it is paid; then order/view and paystatus name them.
      const wx = await store.call('payorder', order({ pmt_tag: 'WeixinBERL' }));
      expect(wx.data.trade_account).toBeNull();
      const sim = wechatSimulatorOf(core)!;
      await sim.payerAct(sim.keys.merchant.mchid, wx.data.ord_no, 'pay');
      const [paid] = await core.db.query<{ payer_openid: string }>(
        'SELECT payer_openid FROM wxsim_orders WHERE out_trade_no = $1',
        [wx.data.ord_no],
      );
      const view = await store.call('order/view', { ord_no: wx.data.ord_no });
      expect(view.data).toMatchObject({ status: '1', trade_account: paid!.payer_openid });
      const status = await store.call('paystatus', { out_no: wx.data.out_no ?? view.data.out_no });
      expect(status.data.trade_account).toBe(paid!.payer_openid);
    });
  });

  describe('unified POST /pay/api/pc/pay', () => {
    const client = () => new UnifiedClient(server.url, keys.unified.domainCode, keys.unified.domainSecret);
    const entry = (money: string) =>
      client().entry({
        requestChannel: '1',
        money,
        info: '咖啡',
        requestKey: next(),
        currencyType: 'CNY',
        pageUrl: 'https://shop.example/done',
        bgUrl: 'https://shop.example/notify',
        rate: '6.8',
      });
    const chargeOf = async (requestKey: string) => {
      const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_no = $1', [
        requestKey,
      ]);
      return (await findCharge(core.db, row!.id))!;
    };

    it('Wechat: the QR content is WeChat Pay code_url', async () => {
      const dto = entry('1288');
      const answer = await client().pcPay({ ...dto, payTypeCode: 'Wechat' });
      expect(answer.body.errcode, JSON.stringify(answer.body)).toBe('0');
      expect(answer.body.obj).toBe((await chargeOf(dto.requestKey!)).credential!.code_url);
    });

    it('ChinapayOld: the form is UnionPay front form, signed for the gateway', async () => {
      const dto = entry('1288');
      const answer = await client().pcPay({ ...dto, payTypeCode: 'ChinapayOld' });
      expect(answer.body.errcode, JSON.stringify(answer.body)).toBe('0');
      const charge = await chargeOf(dto.requestKey!);
      expect(answer.body.obj).toBe(charge.credential!.form);
      expect(answer.body.obj).toContain('/sandbox/unionpay/');
    });

    it('Paypal: a self-submitting form to the approve link, priced in USD at rate', async () => {
      const dto = entry('680');
      const answer = await client().pcPay({ ...dto, payTypeCode: 'Paypal' });
      expect(answer.body.errcode, JSON.stringify(answer.body)).toBe('0');
      const charge = await chargeOf(dto.requestKey!);
      expect(charge).toMatchObject({ channel: 'paypal', amount: 100, currency: 'USD' });
      const approve = new URL(String(charge.credential!.pay_url));
      expect(answer.body.obj).toContain(`action="${approve.origin}${approve.pathname}"`);
      expect(answer.body.obj).toContain(`value="${approve.searchParams.get('token')}"`);
    });
  });
});
