/**
 * Issue #12, money path, in LIVE mode: a live WeChat Pay channel config whose base URL is
 * the simulator's (mounted in the listening gateway), so the live code path runs end to end
 * through every dialect's client.
 *  - maxpay `wx_native` bills answer code 0 with the v3 Native `code_url` (no prepay_id upstream);
 *  - an upstream create whose answer is lost (timeout, 5xx) is asked about within the request:
 *    settled answers normally, still unknown answers each dialect's documented channel error,
 *    and the charge stays pending with next_poll_at set until the poller settles it.
 */
import { createSign, createVerify } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, createMerchant, issueCredentials } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge, findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import {
  type WechatpaySimulator,
  simulatorOf,
  wechatpayDefaultMerchant,
} from '../../src/sandbox/wechatpay/index.js';
import { Mct1Client } from '../dialects/store-client.js';
import { UnifiedClient } from '../dialects/unified-client.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, call, testServer } from '../support/server.js';

type Keys = Awaited<ReturnType<typeof issueCredentials>>;

describe.each(engines())('live WeChat Pay create outcomes through every dialect (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let sim: WechatpaySimulator;
  let keys: Keys;
  let appId: string;
  let store: Mct1Client;
  let counter = 0;
  const next = () => `LV${String(Date.now() % 1_000_000).padStart(6, '0')}${(counter += 1)}`;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    sim = simulatorOf(core)!;
    const merchant = await createMerchant(core.db, core, { name: 'Live merchant' });
    appId = (await createApp(core.db, core, { merchantId: merchant.id, name: 'Live shop' })).id;
    keys = await issueCredentials(core.db, core, { appId, livemode: true });
    const made = await createStore(core.db, core, { appId, name: '门店', livemode: true });
    store = new Mct1Client(server.url, made.openId, made.openKey, () =>
      Math.floor(core.clock.now().getTime() / 1000),
    );
    // The merchant's LIVE config names the simulator as its WeChat Pay base URL.
    const { settings, secrets } = wechatpayDefaultMerchant(sim);
    const saved = await call(server, 'POST', '/api/v1/channel_configs', {
      token: server.tokens.owner,
      body: {
        app: appId,
        mode: 'live',
        provider: 'wechatpay',
        settings: { ...settings, timeout_ms: 600 },
        secrets,
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBeLessThan(300);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  beforeEach(() => sim.faults.clear());

  const maxpayBill = async (params: Record<string, unknown>) => {
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

  const paymaxCreate = async (body: Record<string, unknown>) => {
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
    if (response.status !== 200) return { status: response.status, body: json };
    const verifier = createVerify('RSA-SHA1');
    verifier.update(Buffer.from(json.res_data, 'utf8'));
    expect(verifier.verify(keys.paymax.platformPublicKeyPem, json.sign, 'base64')).toBe(true);
    return { status: 200, body: JSON.parse(json.res_data) as Record<string, any> };
  };

  const storePay = (fields: Record<string, unknown>) =>
    store.call('payorder', {
      out_no: next(),
      original_amount: 1288,
      trade_amount: 1288,
      ord_name: '咖啡',
      pmt_tag: 'Weixin',
      ...fields,
    });

  const adminCreate = (fields: Record<string, unknown>) =>
    call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: {
        app: appId,
        mode: 'live',
        order_no: next(),
        channel: 'wechatpay',
        method: 'qr',
        amount: 1288,
        currency: 'CNY',
        subject: '咖啡',
        ...fields,
      },
    });

  const chargeByOrderNo = async (orderNo: string): Promise<Charge & { nextPollAt: Date | null }> => {
    const [row] = await core.db.query<{ id: string; next_poll_at: Date | null }>(
      'SELECT id, next_poll_at FROM charges WHERE order_no LIKE $1',
      [`%${orderNo}`],
    );
    return { ...(await findCharge(core.db, row!.id))!, nextPollAt: row!.next_poll_at };
  };
  const upstream = (c: Charge) => sim.findOrderByOutTradeNo(c.orderSn);

  describe('live wx_native (v3 Native answers code_url only)', () => {
    it('maxpay bill: code 0, codeUrl is the upstream code_url, the order is live', async () => {
      const billNum = next();
      const answer = await maxpayBill({ channel: 'wx_native', billNum });
      expect(answer.code, JSON.stringify(answer)).toBe(0);
      const charge = (await findCharge(core.db, answer.id))!;
      expect(charge).toMatchObject({ livemode: true, status: 'pending', method: 'qr' });
      expect(answer.codeUrl).toBe(charge.credential!.code_url);
      expect(answer.codeUrl).toMatch(/\/sandbox\/wechatpay\/qr\/[0-9a-f]{24}$/);
      expect(answer.prepayid).toBe(charge.id);
      expect((await upstream(charge))?.tradeType).toBe('NATIVE');
    });

    it.each([
      ['wx_app', {}, (b: any, cred: any) => expect(b.prepayid).toBe(cred.app_params.prepayid)],
      [
        'wx_jsapi',
        { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        (b: any, cred: any) => expect(b).toMatchObject({ ...cred.jsapi, signType: 'RSA' }),
      ],
    ] as const)('maxpay %s live: code 0 with the upstream parameters', async (channel, extra, check) => {
      const answer = await maxpayBill({ channel, ...extra });
      expect(answer.code, JSON.stringify(answer)).toBe(0);
      check(answer, (await findCharge(core.db, answer.id))!.credential);
    });

    it('paymax wechat_csb and store Weixin live: the QR content reaches the client', async () => {
      const paymax = await paymaxCreate({ channel: 'wechat_csb' });
      expect(paymax.status, JSON.stringify(paymax.body)).toBe(200);
      expect(paymax.body.credential.wechat_csb.qr_code).toMatch(/\/sandbox\/wechatpay\/qr\//);
      const res = await storePay({});
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      expect(res.data.trade_qrcode).toMatch(/\/sandbox\/wechatpay\/qr\//);
    });

    it('admin h5 live: h5_url from the v3 H5 answer', async () => {
      const res = await adminCreate({ method: 'h5', client_ip: '203.0.113.9' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.credential.h5_url).toMatch(/\/sandbox\/wechatpay\/h5\/[0-9a-f]{24}$/);
    });
  });

  describe('create answer lost, settled by a query within the request', () => {
    it('store: a timed-out create answers errcode 0 with the QR (asked again, same order)', async () => {
      sim.faults.add('timeout', 1, 1500);
      const outNo = next();
      const res = await storePay({ out_no: outNo });
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      const charge = await chargeByOrderNo(outNo);
      expect(res.data.trade_qrcode).toBe(charge.credential!.code_url);
      expect(res.data.status).toBe('2');
      expect((await upstream(charge))?.state).toBe('NOTPAY');
      expect(sim.faults.active()).toEqual([]);
    });

    it('paymax: a 5xx create (nothing made upstream) is made again and answered with the credential', async () => {
      sim.faults.add('error_5xx', 1);
      const paymax = await paymaxCreate({ channel: 'wechat_csb' });
      expect(paymax.status, JSON.stringify(paymax.body)).toBe(200);
      expect(paymax.body.status).toBe('PROCESSING');
      expect(paymax.body.credential.wechat_csb.qr_code).toMatch(/\/sandbox\/wechatpay\/qr\//);
    });
  });

  describe('refunds: WeChat answers PROCESSING; the create waits (bounded) for what it says', () => {
    const sha1Of123456 = '7c4a8d09ca3762af61e59520943dc26494f8941b';
    const paidOrder = async () => {
      const outNo = next();
      const paid = await storePay({ out_no: outNo, auth_code: '101234567890123456' });
      expect(paid.body.errcode, JSON.stringify(paid.body)).toBe(0);
      expect(paid.data.status).toBe('1');
      return outNo;
    };
    const upstreamRefund = async (refundNo: string) =>
      (
        await core.db.query<{ status: string; refund_id: string }>(
          `SELECT r.status, r.refund_id FROM wxsim_refunds r JOIN refunds o ON o.id = r.out_refund_no
           WHERE o.refund_no LIKE $1`,
          [`%${refundNo}`],
        )
      )[0];

    it('store payrefund answers status 1 for a refund WeChat settles a moment later', async () => {
      const outNo = await paidOrder();
      const refundNo = next();
      const res = await store.call('payrefund', {
        out_no: outNo,
        refund_out_no: refundNo,
        refund_amount: 300,
        shop_pass: sha1Of123456,
      });
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
      expect(res.data.status).toBe('1');
      expect(await upstreamRefund(refundNo)).toMatchObject({ status: 'SUCCESS' });
      const [row] = await core.db.query<{
        status: string;
        transaction_no: string;
        next_poll_at: Date | null;
      }>('SELECT status, transaction_no, next_poll_at FROM refunds WHERE refund_no LIKE $1', [
        `%${refundNo}`,
      ]);
      expect(row).toMatchObject({
        status: 'succeeded',
        transaction_no: (await upstreamRefund(refundNo))!.refund_id,
        next_poll_at: null,
      });
    });

    it('a refund WeChat leaves ABNORMAL is answered 8023 (refund failed), not in progress', async () => {
      const outNo = await paidOrder();
      sim.faults.add('refund_abnormal', 1);
      const refundNo = next();
      const res = await store.call('payrefund', {
        out_no: outNo,
        refund_out_no: refundNo,
        refund_amount: 200,
        shop_pass: sha1Of123456,
      });
      // What WeChat said, in the document's own words: 8023 退款失败, not "in progress".
      expect(res.body).toMatchObject({ errcode: 8023, msg: '退款失败：WeChat Pay refund ABNORMAL' });
      expect(await upstreamRefund(refundNo)).toMatchObject({ status: 'ABNORMAL' });
    });

    it('a refund whose answer is lost is inserted with next_poll_at and settled by the poller', async () => {
      const outNo = await paidOrder();
      const charge = await chargeByOrderNo(outNo);
      sim.faults.add('timeout', 1, 1500);
      sim.faults.add('drop', 1);
      const refund = await createRefund(core, { chargeId: charge.id, amount: 100 });
      expect(refund.status).toBe('pending');
      const [row] = await core.db.query<{ next_poll_at: Date | null }>(
        'SELECT next_poll_at FROM refunds WHERE id = $1',
        [refund.id],
      );
      expect(row!.next_poll_at).not.toBeNull();
      await sim.runDue();
      core.clock.advance(60_000);
      await pollDue(core);
      expect((await findRefund(core.db, refund.id))!.status).toBe('succeeded');
    });
  });

  describe('create outcome still unknown after the budget: the dialect channel error, charge left to the poller', () => {
    const unknownFor = async (ms = 1500) => sim.faults.add('timeout', 50, ms);

    it('store 8011, paymax 400 CHANNEL_CHARGE_FAILED, maxpay 7, unified 20012, admin 502; the poller then settles each', async () => {
      await unknownFor();
      const outNo = next();
      const res = await storePay({ out_no: outNo });
      expect(res.body).toMatchObject({ errcode: 8011 });
      expect(res.body.msg).toMatch(/^支付失败/);
      const storeCharge = await chargeByOrderNo(outNo);

      const orderNo = next();
      const paymax = await paymaxCreate({ channel: 'wechat_csb', order_no: orderNo });
      expect(paymax).toMatchObject({ status: 400, body: { failure_code: 'CHANNEL_CHARGE_FAILED' } });
      const paymaxCharge = await chargeByOrderNo(orderNo);

      const billNum = next();
      const bill = await maxpayBill({ channel: 'wx_native', billNum });
      expect(bill.code, JSON.stringify(bill)).toBe(7);
      const maxpayCharge = await chargeByOrderNo(billNum);

      // unified: the PC cashier's WeChat QR answers the document's channel error.
      const unified = new UnifiedClient(server.url, keys.unified.domainCode, keys.unified.domainSecret);
      const requestKey = next();
      const dto = unified.entry({ money: '1', info: '报名费', requestKey, currencyType: 'CNY' });
      const pc = await unified.pcPay({ ...dto, payTypeCode: 'Wechat' });
      expect(pc.body).toMatchObject({ errcode: '20012', obj: null });
      expect(pc.body.errormsg).toMatch(/^支付渠道错误，请稍后再试/);
      const unifiedCharge = await chargeByOrderNo(requestKey);

      const adminOrder = next();
      const admin = await adminCreate({ order_no: adminOrder });
      expect(admin.status).toBe(502);
      expect(admin.body.error).toMatchObject({ code: 'channel_error', param: 'channel' });
      const adminCharge = await chargeByOrderNo(adminOrder);

      sim.faults.clear();
      for (const c of [storeCharge, paymaxCharge, maxpayCharge, unifiedCharge, adminCharge]) {
        expect(c).toMatchObject({ status: 'pending', credential: null, livemode: true });
        expect(c.nextPollAt).not.toBeNull();
        // WeChat did make the order: only its answers were lost.
        expect((await upstream(c))?.state).toBe('NOTPAY');
      }
      // Paid upstream (somehow) and its callback lost: the poller finds it.
      sim.faults.add('drop', 1);
      await sim.payerAct(sim.keys.merchant.mchid, storeCharge.orderSn, 'pay');
      core.clock.advance(60_000);
      await pollDue(core);
      expect((await findCharge(core.db, storeCharge.id))!.status).toBe('succeeded');
      expect((await findCharge(core.db, adminCharge.id))!.status).toBe('pending');
    }, 60_000);
  });
});
