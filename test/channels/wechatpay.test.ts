/**
 * The WeChat Pay connector (official wechatpay-axios-plugin, every v3 response signature
 * verified against the simulator's platform certificate) against the WeChat Pay simulator
 * mounted in a real listening gateway: every method, the payer's actions, close and
 * expiry, query, refunds, and every callback fault the simulator can inject. Each scenario
 * asserts the exact transitions (events), statuses and amounts.
 */
import { X509Certificate, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import WechatpayPlugin from 'wechatpay-axios-plugin';
import { beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CONFIG_ID } from '../../src/channels/wechatpay/client.js';
import { wechatpayConnector } from '../../src/channels/wechatpay/connector.js';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  lines,
  nonce,
  rsaSign,
  v2Sign,
  wallSeconds,
} from '../../src/channels/wechatpay/protocol.js';
import { syncChargeFromChannel, syncRefundFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { expireCharges } from '../../src/core/payments/expire-charges.js';
import type { ChargeCreateParams } from '../../src/core/payments/create-charge.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { JuheError } from '../../src/domain/errors.js';
import {
  CALLBACK_RETRY_SCHEDULE_MS,
  type WechatpaySimulator,
  simulatorOf,
} from '../../src/sandbox/wechatpay/index.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { selfSignedCertificate } from '../../src/sandbox/wechatpay/x509.js';
import { captureLog } from '../support/capture-log.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import {
  deliveredWhenDue,
  expectCancelRefusedAsPaid,
  expectFailedByQuery,
  expectFoundByPolling,
  expectRefundedInTwoParts,
  expectUnknownCreate,
} from '../support/channel-scenarios.js';
import { SETTLE_BUDGET_MS } from '../../src/core/payments/settle-unknown-create.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { type TestServer, call } from '../support/server.js';

type Wx = {
  chain(path: string): {
    get(config?: Record<string, unknown>): Promise<{ status: number; data: any; headers: any }>;
    post(
      data: unknown,
      config?: Record<string, unknown>,
    ): Promise<{ status: number; data: any; headers: any }>;
  };
};
const Wechatpay = WechatpayPlugin as unknown as new (config: Record<string, unknown>) => Wx;

describe.each(engines())('wechatpay connector against the simulator (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'WeChat merchant',
    connectors: () => connectorRegistry({ wechatpay: wechatpayConnector() }),
    simulator: simulatorOf,
  });
  const { events, current, testHelper, newApp, configureChannel } = gateway;
  let core: TestCore;
  let server: TestServer;
  let sim: WechatpaySimulator;
  beforeAll(() => void ({ core, server, sim } = gateway));
  const charges = numberedCharges(gateway, 'wx', {
    channel: 'wechatpay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Coffee 咖啡',
    clientIp: '203.0.113.7',
  });

  /** The official client configured as a merchant would, against the listening simulator. */
  function officialClient(overrides: Record<string, unknown> = {}): Wx {
    const { merchant, platform } = sim.keys;
    return new Wechatpay({
      mchid: merchant.mchid,
      serial: merchant.serialNo,
      privateKey: merchant.privateKeyPem,
      certs: { [platform.serial]: platform.certificatePem },
      secret: merchant.apiV2Key,
      baseURL: `${server.url}/sandbox/wechatpay/`,
      ...overrides,
    });
  }

  const charge = (method: ChargeCreateParams['method'], overrides: Partial<ChargeCreateParams> = {}) =>
    charges.create({ method, ...overrides });
  const order = async (c: Charge) =>
    (await core.db.query('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [c.orderSn]))[0];
  const pay = (c: Charge) => sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay');
  const decline = (c: Charge) => sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'decline');
  const deliveriesSince = (n: number) => sim.deliveries.slice(n);
  /** A merchant's own config naming the sandbox merchant and the listening simulator. */
  const sandboxSettings = () => ({
    mch_id: sim.keys.merchant.mchid,
    appid: sim.keys.merchant.appid,
    serial_no: sim.keys.merchant.serialNo,
    base_url: `${server.url}/sandbox/wechatpay/`,
  });

  describe('create, for every method', () => {
    it('native (qr): code_url, pending, the QR landing page shows the order', async () => {
      const c = await charge('qr');
      expect(c.status).toBe('pending');
      const code = String(c.credential!.code_url);
      expect(code).toMatch(new RegExp(`^${server.url}/sandbox/wechatpay/qr/[0-9a-f]{24}$`));
      expect(c.credential).toEqual({ qr_code: code, code_url: code });
      expect(await events(c.id)).toEqual(['charge.created']);
      expect(await order(c)).toMatchObject({
        trade_type: 'NATIVE',
        trade_state: 'NOTPAY',
        attach: c.id,
        notify_url: `${server.url}/notify/wechatpay/${SANDBOX_CONFIG_ID}`,
      });
      expect(Number((await order(c)).total)).toBe(1000);
      const landing = await fetch(code);
      expect(landing.status).toBe(200);
      const html = await landing.text();
      expect(html).toContain('¥10.00');
      expect(html).toContain(c.orderSn);
    });

    it('jsapi and mini: prepay_id and the paySign parameter set, signed with the merchant key', async () => {
      const merchantKey = createPublicKey(sim.keys.merchant.publicKeyPem);
      for (const [method, extra] of [
        ['jsapi', { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }],
        ['mini', { sub_openid: 'oMini8uMuAJO_M2pxb1Q9zNjWeS6' }],
      ] as const) {
        const c = await charge(method, { extra });
        expect(c.status).toBe('pending');
        const row = await order(c);
        expect(row).toMatchObject({ trade_type: 'JSAPI', payer_openid: Object.values(extra)[0] });
        const jsapi = c.credential!.jsapi as Record<string, string>;
        expect(c.credential!.prepay_id).toBe(row.prepay_id);
        expect(Object.keys(jsapi).sort()).toEqual([
          'appId',
          'nonceStr',
          'package',
          'paySign',
          'signType',
          'timeStamp',
        ]);
        expect(jsapi).toMatchObject({
          appId: sim.keys.merchant.appid,
          package: `prepay_id=${row.prepay_id}`,
          signType: 'RSA',
        });
        expect(jsapi.timeStamp).toMatch(/^\d{10}$/);
        const message = lines(jsapi.appId, jsapi.timeStamp, jsapi.nonceStr, jsapi.package);
        expect(
          verify('sha256', Buffer.from(message), merchantKey, Buffer.from(jsapi.paySign, 'base64')),
        ).toBe(true);
      }
    });

    it('jsapi without the payer openid is refused before anything is written or WeChat is called', async () => {
      const ordersBefore = (await core.db.query('SELECT 1 FROM wxsim_orders')).length;
      const error = await charge('jsapi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JuheError);
      expect((error as JuheError).code).toBe('missing_parameter');
      // No failed charge (its order number stays free for the corrected retry), no upstream order.
      const stored = await core.db.query('SELECT 1 FROM charges WHERE order_no = $1', [
        charges.lastOrderNo(),
      ]);
      expect(stored).toHaveLength(0);
      expect((await core.db.query('SELECT 1 FROM wxsim_orders')).length).toBe(ordersBefore);
    });

    it('app: app_params for the WeChat SDK, signed over appid, timestamp, noncestr, prepayid', async () => {
      const c = await charge('app');
      const row = await order(c);
      expect(row.trade_type).toBe('APP');
      const p = c.credential!.app_params as Record<string, string>;
      expect(p).toMatchObject({
        appid: sim.keys.merchant.appid,
        partnerid: sim.keys.merchant.mchid,
        prepayid: row.prepay_id,
        package: 'Sign=WXPay',
      });
      const message = lines(p.appid, p.timestamp, p.noncestr, p.prepayid);
      expect(
        verify(
          'sha256',
          Buffer.from(message),
          createPublicKey(sim.keys.merchant.publicKeyPem),
          Buffer.from(p.sign, 'base64'),
        ),
      ).toBe(true);
    });

    it('h5: h5_url opens the H5 cashier', async () => {
      const c = await charge('h5');
      const url = String(c.credential!.h5_url);
      expect(url).toMatch(new RegExp(`^${server.url}/sandbox/wechatpay/h5/[0-9a-f]{24}$`));
      expect(c.credential!.pay_url).toBe(url);
      expect((await order(c)).trade_type).toBe('MWEB');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('WeChat Pay · H5');
    });

    it('barcode (v2 micropay): paid at once, USERPAYING, or declined by the wallet', async () => {
      const paid = await charge('barcode', {
        extra: { auth_code: '134567890123456789'.replace(/^13/, '10') },
      });
      expect(paid.status).toBe('succeeded');
      expect(paid.transactionNo).toMatch(/^4200\d{24}$/);
      expect(await events(paid.id)).toEqual(['charge.created', 'charge.succeeded']);

      const waiting = await charge('barcode', { extra: { auth_code: '134567890123456789' } });
      expect(waiting.status).toBe('user_paying');
      expect((await order(waiting)).trade_state).toBe('USERPAYING');

      const poor = await charge('barcode', { extra: { auth_code: '144567890123456789' } });
      expect(poor).toMatchObject({ status: 'failed', failureCode: 'NOTENOUGH', failureMsg: '余额不足' });

      const bad = await charge('barcode', { extra: { auth_code: '99' } });
      expect(bad).toMatchObject({ status: 'failed', failureCode: 'AUTH_CODE_INVALID' });
      const missing = await charge('barcode').catch((e: unknown) => e);
      expect((missing as JuheError).code).toBe('missing_parameter');
    });

    it('non-CNY charges are refused', async () => {
      const error = await charge('qr', { currency: 'USD' }).catch((e: unknown) => e);
      expect((error as JuheError).code).toBe('channel_not_supported');
    });
  });

  describe('the payer', () => {
    it('pays on the QR landing page: one callback, one transition, exact amounts', async () => {
      const c = await charge('qr', { amount: 2345 });
      const before = sim.deliveries.length;
      const code = String(c.credential!.code_url).split('/').pop();
      const answer = await fetch(`${server.url}/sandbox/wechatpay/cashier/${code}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(answer.status).toBe(303);
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ eventType: 'TRANSACTION.SUCCESS', attempt: 1, status: 204, forged: false }),
      ]);
      const after = await current(c);
      const row = await order(c);
      expect(after).toMatchObject({ status: 'succeeded', amount: 2345, transactionNo: row.transaction_id });
      expect(after.paidAt?.toISOString()).toBe(core.clock.now().toISOString());
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
      // Paying again is refused by the page; nothing changes.
      const again = await fetch(`${server.url}/sandbox/wechatpay/cashier/${code}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(again.status).toBe(409);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('declines: WeChat sends no callback; the order query fails the charge', async () => {
      const c = await charge('qr');
      const before = sim.deliveries.length;
      expect(await decline(c)).toEqual({ ok: true });
      expect(deliveriesSince(before)).toEqual([]);
      await expectFailedByQuery(gateway, c, { failureCode: 'PAYERROR', failureMsg: '用户取消支付' });
    });

    it('barcode: the payer cancels the password prompt; polling fails the charge', async () => {
      const c = await charge('barcode', { extra: { auth_code: '132222222222222222' } });
      expect(c.status).toBe('user_paying');
      expect(await decline(c)).toEqual({ ok: true });
      core.clock.advance(6_000);
      await pollDue(core);
      expect(await current(c)).toMatchObject({
        status: 'failed',
        failureCode: 'PAYERROR',
        failureMsg: '用户取消支付',
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.failed']);
    });

    it('the admin test helper pays and declines through the simulator', async () => {
      const c = await charge('qr');
      const before = sim.deliveries.length;
      const paid = await testHelper(c, 'pay');
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ id: c.id, applied: true });
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ eventType: 'TRANSACTION.SUCCESS', status: 204 }),
      ]);
      expect((await current(c)).transactionNo).toBe((await order(c)).transaction_id);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);

      const d = await charge('jsapi', { extra: { openid: 'o-helper' } });
      const declined = await testHelper(d, 'decline');
      expect(declined.body).toMatchObject({ applied: true });
      expect(await current(d)).toMatchObject({ status: 'failed', failureCode: 'PAYERROR' });
      expect((await order(d)).trade_state).toBe('PAYERROR');
    });
  });

  describe('close and expiry', () => {
    it('cancel closes the order upstream; the payer can no longer pay', async () => {
      const c = await charge('qr');
      expect((await cancelCharge(core, c.id)).status).toBe('canceled');
      expect((await order(c)).trade_state).toBe('CLOSED');
      expect(await pay(c)).toEqual({ ok: false, reason: '订单已关闭' });
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({
        status: 'failed',
        failureCode: 'CLOSED',
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.canceled']);
    });

    it('cancel of an order the payer already paid is refused and the payment applied', async () => {
      const c = await charge('qr');
      sim.faults.add('drop');
      await pay(c);
      await expectCancelRefusedAsPaid(gateway, c);
      expect((await current(c)).status).toBe('succeeded');
      expect((await order(c)).trade_state).toBe('SUCCESS');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('expiry closes the order upstream; an expired order cannot be paid', async () => {
      const c = await charge('qr', { expiresAt: new Date(core.clock.now().getTime() + 60_000) });
      expect(new Date((await order(c)).time_expire).toISOString()).toBe(c.expiresAt.toISOString());
      core.clock.advance(61_000);
      expect(await pay(c)).toEqual({ ok: false, reason: '订单已过期' });
      expect(await expireCharges(core)).toBeGreaterThanOrEqual(1);
      expect((await current(c)).status).toBe('closed');
      expect((await order(c)).trade_state).toBe('CLOSED');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.closed']);
    });

    it('barcode: cancel reverses the USERPAYING payment', async () => {
      const c = await charge('barcode', { extra: { auth_code: '130000000000000001' } });
      expect(c.status).toBe('user_paying');
      expect((await cancelCharge(core, c.id)).status).toBe('canceled');
      expect((await order(c)).trade_state).toBe('REVOKED');
      expect(await pay(c)).toEqual({ ok: false, reason: '订单已撤销' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.canceled']);
    });
  });

  describe('query', () => {
    it('maps trade_state: NOTPAY pending, SUCCESS succeeded (with transaction and time), REFUND still succeeded', async () => {
      const c = await charge('app');
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending' });
      sim.faults.add('drop');
      await pay(c);
      const paidAt = core.clock.now();
      const result = await syncChargeFromChannel(core, c.id);
      expect(result).toEqual({
        status: 'succeeded',
        transactionNo: (await order(c)).transaction_id,
        paidAt: new Date(Math.floor(paidAt.getTime() / 1000) * 1000),
        // The payer's openid: the store API's trade_account.
        payerAccount: (await order(c)).payer_openid,
      });
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('barcode USERPAYING is resolved by polling the order query', async () => {
      const c = await charge('barcode', { extra: { auth_code: '131111111111111111' }, amount: 888 });
      expect(c.status).toBe('user_paying');
      expect(await syncChargeFromChannel(core, c.id)).toEqual({
        status: 'pending',
        payerActing: true,
        needsPolling: true,
      });
      expect((await current(c)).status).toBe('user_paying');
      expect(await pay(c)).toEqual({ ok: true });
      const result = await syncChargeFromChannel(core, c.id);
      expect(result).toMatchObject({ status: 'succeeded', transactionNo: (await order(c)).transaction_id });
      expect(await current(c)).toMatchObject({ status: 'succeeded', amount: 888 });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.succeeded']);
    });
  });

  describe('refunds', () => {
    async function paid(amount = 1000) {
      const c = await charge('qr', { amount });
      await pay(c);
      expect((await current(c)).status).toBe('succeeded');
      return c;
    }

    it('full refund: PROCESSING, then the REFUND.SUCCESS callback settles it', async () => {
      const c = await paid(1500);
      const before = sim.deliveries.length;
      const r = await createRefund(core, { chargeId: c.id, description: 'customer returned it' });
      // PROCESSING at first (the simulator's 1 s background run may settle it at any moment).
      expect(['pending', 'succeeded']).toContain(r.status);
      expect(r.amount).toBe(1500);
      expect(r.extra.refund_id).toMatch(/^5030\d{28}$/);
      await sim.runDue();
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ eventType: 'REFUND.SUCCESS', attempt: 1, status: 204 }),
      ]);
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: r.extra.refund_id,
      });
      expect(await current(c)).toMatchObject({ status: 'succeeded', amountRefunded: 1500 });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      const [upstream] = await core.db.query('SELECT * FROM wxsim_refunds WHERE out_refund_no = $1', [r.id]);
      expect(upstream).toMatchObject({ status: 'SUCCESS', reason: 'customer returned it' });
      // The order query now says REFUND: still a paid charge.
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('partial refunds up to the amount paid; WeChat refuses more than the refundable rest', async () => {
      const c = await paid(1000);
      await expectRefundedInTwoParts(gateway, c, sim.runDue);
      // WeChat itself refuses a refund beyond what is left (asked directly, with the official client).
      const error = await officialClient()
        .chain('v3/refund/domestic/refunds')
        .post({
          out_trade_no: c.orderSn,
          out_refund_no: 'extra-1',
          amount: { refund: 1, total: 1000, currency: 'CNY' },
        })
        .catch((e: any) => e);
      expect(error.response.status).toBe(400);
      expect(error.response.data).toEqual({
        code: 'INVALID_REQUEST',
        message: '申请退款金额超过订单可退金额',
      });
    });

    it('refund failure: the refund settles ABNORMAL; nothing is refunded', async () => {
      const c = await paid(900);
      sim.faults.add('refund_abnormal');
      const r = await createRefund(core, { chargeId: c.id, amount: 400 });
      expect(['pending', 'failed']).toContain(r.status); // PROCESSING, unless the 1 s background run was quicker
      await sim.runDue();
      expect(await findRefund(core.db, r.id)).toMatchObject({ status: 'failed', failureCode: 'ABNORMAL' });
      expect((await current(c)).amountRefunded).toBe(0);
      expect(await events(r.id)).toEqual(['refund.created', 'refund.failed']);
      // The money can be refunded again.
      const retry = await createRefund(core, { chargeId: c.id, amount: 900 });
      await sim.runDue();
      expect((await findRefund(core.db, retry.id))!.status).toBe('succeeded');
      expect((await current(c)).amountRefunded).toBe(900);
    });

    it('a barcode (v2) payment is refunded through the v3 refund API', async () => {
      const c = await charge('barcode', { extra: { auth_code: '103333333333333333' }, amount: 520 });
      expect(c.status).toBe('succeeded');
      const r = await createRefund(core, { chargeId: c.id, amount: 20 });
      await sim.runDue();
      expect(await findRefund(core.db, r.id)).toMatchObject({ status: 'succeeded', amount: 20 });
      expect((await current(c)).amountRefunded).toBe(20);
    });

    it("refund timeout: the answer is lost, WeChat's callback still settles the refund once", async () => {
      const c = await paid(700);
      sim.faults.add('timeout', 1, 1500);
      const started = Date.now();
      const r = await createRefund(core, { chargeId: c.id, amount: 700 });
      // The client gave up after its timeout (the simulator's 1 s tick may already have settled it).
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(sim.faults.active()).toEqual([]);
      expect(['pending', 'succeeded']).toContain(r.status);
      await sim.runDue();
      const [upstream] = await core.db.query(
        'SELECT refund_id, status FROM wxsim_refunds WHERE out_refund_no = $1',
        [r.id],
      );
      expect(upstream.status).toBe('SUCCESS');
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: upstream.refund_id,
      });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      expect((await current(c)).amountRefunded).toBe(700);
    });

    it('a lost refund callback is resolved by the refund query (the create asks while WeChat processes)', async () => {
      const c = await paid(600);
      sim.faults.add('drop');
      const r = await createRefund(core, { chargeId: c.id });
      // PROCESSING at first; the create's bounded wait asked again and got SUCCESS.
      expect(r.status).toBe('succeeded');
      await sim.runDue();
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({ status: 'succeeded' });
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: r.extra.refund_id,
      });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
    });
  });

  describe('callbacks', () => {
    it('duplicate: delivered twice, applied once', async () => {
      const c = await charge('qr');
      sim.faults.add('duplicate');
      const before = sim.deliveries.length;
      await pay(c);
      const sent = deliveriesSince(before);
      expect(sent.map((d) => [d.eventType, d.status])).toEqual([
        ['TRANSACTION.SUCCESS', 204],
        ['TRANSACTION.SUCCESS', 204],
      ]);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('out of order: two held callbacks released newest first; each charge moves once', async () => {
      const a = await charge('qr');
      const b = await charge('jsapi', { extra: { openid: 'o-reorder' } });
      sim.faults.add('reorder', 2);
      const before = sim.deliveries.length;
      await pay(a);
      expect(deliveriesSince(before)).toEqual([]);
      await pay(b);
      await sim.runDue();
      const sent = deliveriesSince(before);
      const [first, second] = await core.db.query<{ id: string }>(
        `SELECT id FROM wxsim_callbacks WHERE id = ANY($1) ORDER BY seq`,
        [sent.map((d) => d.callbackId)],
      );
      // a's callback was queued first but delivered last.
      expect(sent.map((d) => d.callbackId)).toEqual([second.id, first.id]);
      expect(sent.every((d) => d.status === 204)).toBe(true);
      for (const c of [a, b]) expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('forged: a callback signed by a foreign key is refused, the genuine retry 15 s later applies', async () => {
      const c = await charge('qr');
      sim.faults.add('forge');
      const before = sim.deliveries.length;
      await pay(c);
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ forged: true, status: 401, attempt: 1 }),
      ]);
      expect((await current(c)).status).toBe('pending');
      core.clock.advance(14_000);
      await sim.runDue();
      expect(deliveriesSince(before)).toHaveLength(1);
      core.clock.advance(1_000);
      await sim.runDue();
      expect(deliveriesSince(before)[1]).toMatchObject({ forged: false, status: 204, attempt: 2 });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('delay: the callback arrives when the business clock reaches it', async () => {
      const c = await charge('h5');
      const sent = await deliveredWhenDue(gateway, sim, () => pay(c));
      expect(sent).toEqual([expect.objectContaining({ status: 204 })]);
      expect((await current(c)).status).toBe('succeeded');
    });

    it('lost (dropped) callback: the polling worker finds the payment by query', async () => {
      const c = await charge('qr');
      sim.faults.add('drop');
      await pay(c);
      await expectFoundByPolling(gateway, c, async () => (await order(c)).transaction_id);
    });

    it('forged, replayed, stale or malformed callbacks change nothing and are refused', async () => {
      const c = await charge('qr');
      const { merchant, platform } = sim.keys;
      const url = `/notify/wechatpay/${SANDBOX_CONFIG_ID}`;
      const resource = {
        mchid: merchant.mchid,
        appid: merchant.appid,
        out_trade_no: c.orderSn,
        transaction_id: '4200000000202603010000000001',
        trade_type: 'NATIVE',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        success_time: '2026-03-01T16:00:00+08:00',
        payer: { openid: 'o-forger' },
        amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
      };
      const envelope = (res: unknown, key = merchant.apiV3Key) => {
        const iv = nonce(12);
        return JSON.stringify({
          id: 'EV-forged',
          create_time: '2026-03-01T16:00:00+08:00',
          resource_type: 'encrypt-resource',
          event_type: 'TRANSACTION.SUCCESS',
          summary: '支付成功',
          resource: {
            original_type: 'transaction',
            algorithm: 'AEAD_AES_256_GCM',
            ciphertext: aesGcmEncrypt(JSON.stringify(res), key, iv, 'transaction'),
            associated_data: 'transaction',
            nonce: iv,
          },
        });
      };
      const send = (
        body: string,
        o: { key?: string; serial?: string; ts?: number; sign?: string; nonce?: string } = {},
      ) => {
        const ts = String(o.ts ?? wallSeconds());
        const n = o.nonce ?? nonce(32);
        return call(server, 'POST', url, {
          rawBody: body,
          headers: {
            'content-type': 'application/json',
            'wechatpay-timestamp': ts,
            'wechatpay-nonce': n,
            'wechatpay-serial': o.serial ?? platform.serial,
            'wechatpay-signature': o.sign ?? rsaSign(lines(ts, n, body), o.key ?? platform.privateKeyPem),
          },
        });
      };
      const genuine = envelope(resource);
      /** Headers genuinely signed for `body`: sent with another body, they must not verify. */
      const signedFor = (body: string) => {
        const ts = wallSeconds();
        const n = nonce(32);
        return { ts, nonce: n, sign: rsaSign(lines(ts, n, body), platform.privateKeyPem) };
      };
      const foreign = await import('node:crypto').then(
        (m) =>
          m
            .generateKeyPairSync('rsa', { modulusLength: 2048 })
            .privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      );
      // Every refusal is logged: capture the gateway's log while they arrive.
      const log = captureLog(core, 'info');
      const refusals = [
        ['foreign key', await send(genuine, { key: foreign })],
        ['unknown serial', await send(genuine, { serial: 'ABCDEF' })],
        ['stale timestamp', await send(genuine, { ts: wallSeconds() - 301 })],
        ['bad signature', await send(genuine, { sign: 'AAAA' })],
        ['tampered body', await send(genuine.replace('EV-forged', 'EV-forgeD'), signedFor(genuine))],
        ['wrong API v3 key', await send(envelope(resource, 'x'.repeat(32)))],
        ['not JSON', await send('{"id":')],
        ['another amount', await send(envelope({ ...resource, amount: { ...resource.amount, total: 1 } }))],
        ['another merchant', await send(envelope({ ...resource, mchid: '1900000001' }))],
        ['unknown order', await send(envelope({ ...resource, out_trade_no: '20260301000000000000' }))],
      ] as const;
      log.restore();
      const warnings = log.lines.filter((l) => l.level >= 40);
      expect(warnings).toHaveLength(refusals.length);
      expect(warnings.filter((l) => l.msg === 'rejected WeChat Pay callback').map((l) => l.reason)).toEqual([
        'signature does not verify',
        'unknown platform serial ABCDEF',
        'Wechatpay-Timestamp outside the allowed window',
        'signature does not verify',
        'signature does not verify',
        'resource does not decrypt with the API v3 key',
        'body is not JSON',
      ]);
      for (const [why, answer] of refusals) {
        expect([why, answer.status >= 400 && answer.status < 500, answer.body?.code]).toEqual([
          why,
          true,
          'FAIL',
        ]);
      }
      expect(await current(c)).toMatchObject({ status: 'pending' });
      expect(await events(c.id)).toEqual(['charge.created']);
      // A genuine one, ten times at once: every copy is acknowledged, the charge moves once.
      const copies = await Promise.all(Array.from({ length: 10 }, () => send(genuine)));
      expect(copies.map((r) => r.status)).toEqual(Array(10).fill(204));
      // Replaying it later changes nothing either.
      expect((await send(genuine)).status).toBe(204);
      expect(await current(c)).toMatchObject({ status: 'succeeded', transactionNo: resource.transaction_id });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it("retries on WeChat's schedule (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h), then gives up", async () => {
      expect(CALLBACK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBe((24 * 60 + 4) * 60 * 1000);
      const wx = officialClient();
      const outTradeNo = `retry${Date.now()}`;
      await wx.chain('v3/pay/transactions/native').post({
        appid: sim.keys.merchant.appid,
        mchid: sim.keys.merchant.mchid,
        description: 'nobody listens',
        out_trade_no: outTradeNo,
        notify_url: 'http://127.0.0.1:9/notify',
        amount: { total: 1 },
      });
      const before = sim.deliveries.length;
      await sim.payerAct(sim.keys.merchant.mchid, outTradeNo, 'pay');
      const times: number[] = [];
      const start = core.clock.now().getTime();
      for (let i = 0; i < 20 && sim.deliveries.length - before < 16; i++) {
        const [row] = await core.db.query<{ next_at: Date | null }>(
          `SELECT next_at FROM wxsim_callbacks WHERE notify_url = 'http://127.0.0.1:9/notify' ORDER BY seq DESC LIMIT 1`,
        );
        if (!row.next_at) break;
        core.clock.set(new Date(row.next_at));
        times.push(core.clock.now().getTime() - start);
        await sim.runDue();
      }
      const made = deliveriesSince(before);
      expect(made.map((d) => [d.attempt, d.status])).toEqual(
        Array.from({ length: 16 }, (_, i) => [i + 1, null]),
      );
      let at = 0;
      expect(times).toEqual(CALLBACK_RETRY_SCHEDULE_MS.map((ms) => (at += ms)));
      const [last] = await core.db.query(
        `SELECT status, attempts, next_at FROM wxsim_callbacks WHERE notify_url = 'http://127.0.0.1:9/notify'`,
      );
      expect(last).toMatchObject({ status: 'failed', attempts: 16, next_at: null });
    });
  });

  describe('upstream faults', () => {
    it('timeout on create: the query finds the order, the repeated create gives its code_url', async () => {
      sim.faults.add('timeout', 1, 1500);
      const c = await charge('qr');
      expect(c.status).toBe('pending');
      // WeChat did create the order before the answer was lost; the repeat answers its QR.
      expect((await order(c)).trade_state).toBe('NOTPAY');
      expect(c.credential!.code_url).toBe(`${server.url}/sandbox/wechatpay/qr/${(await order(c)).pay_code}`);
      expect(
        (await core.db.query('SELECT 1 FROM wxsim_orders WHERE out_trade_no = $1', [c.orderSn])).length,
      ).toBe(1);
      sim.faults.add('drop');
      await pay(c);
      core.clock.advance(6_000);
      await pollDue(core);
      expect((await current(c)).status).toBe('succeeded');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('5xx on create: unknown, not failed; the query finds no order, the repeated create makes it', async () => {
      sim.faults.add('error_5xx');
      const c = await charge('jsapi', { extra: { openid: 'o-5xx' } });
      expect(c.status).toBe('pending');
      expect(c.credential!.prepay_id).toBe((await order(c)).prepay_id);
      expect(await events(c.id)).toEqual(['charge.created']);
    });

    it('5xx on every call: channel_error within the budget, the charge left pending for the poller', async () => {
      sim.faults.add('error_5xx', 20);
      const started = Date.now();
      const c = await expectUnknownCreate(gateway, () => charge('jsapi', { extra: { openid: 'o-5xx-all' } }));
      expect(Date.now() - started).toBeLessThan(SETTLE_BUDGET_MS + 1_000);
      sim.faults.clear();
      expect(await order(c)).toBeUndefined();
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending' });
      expect(await events(c.id)).toEqual(['charge.created']);
    });

    it('an answer that does not verify (impostor platform key, same serial) is unknown, never failed', async () => {
      const { merchant, platform } = sim.keys;
      const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const fake = selfSignedCertificate({
        ...impostor,
        commonName: 'impostor',
        organization: 'impostor',
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 86_400_000),
        serial: Buffer.from(platform.serial, 'hex'),
      });
      expect(fake.serial).toBe(platform.serial);
      // The official client alone: the signature digest check fails.
      const c0 = await charge('qr');
      const wrong = officialClient({ certs: { [platform.serial]: fake.pem } });
      const error = await wrong
        .chain(`v3/pay/transactions/out-trade-no/${c0.orderSn}`)
        .get({ params: { mchid: merchant.mchid } })
        .catch((e: any) => e);
      expect(error.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
      // Through the connector, for a merchant whose config trusts the impostor.
      const other = await newApp('Impostor merchant', 'Impostor shop');
      await configureChannel(other, 'wechatpay', sandboxSettings(), {
        private_key: merchant.privateKeyPem,
        api_v3_key: merchant.apiV3Key,
        platform_certificate: fake.pem,
      });
      const c = await expectUnknownCreate(gateway, () => charge('qr', { appId: other }));
      expect((await order(c)).trade_state).toBe('NOTPAY'); // WeChat did create it
      // Even once paid upstream, an unverifiable query answer changes nothing.
      sim.faults.add('drop');
      await pay(c);
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({
        status: 'unknown',
        needsPolling: true,
      });
      expect((await current(c)).status).toBe('pending');
      expect(await events(c.id)).toEqual(['charge.created']);
    });

    it('micropay timeout: unknown, then the order query within the request settles it', async () => {
      sim.faults.add('timeout', 1, 1500);
      const c = await charge('barcode', { extra: { auth_code: '101234567890123456' } });
      expect(c.status).toBe('succeeded');
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });
  });

  describe("a merchant's own channel config, over real sockets both ways", () => {
    it('native, callback, refund and MD5-signed micropay with settings/secrets from the admin API', async () => {
      const { merchant, platform } = sim.keys;
      const other = await newApp('Config merchant', 'Configured shop');
      const configId = await configureChannel(
        other,
        'wechatpay',
        { ...sandboxSettings(), timeout_ms: 3000, v2_sign_type: 'MD5' },
        {
          private_key: merchant.privateKeyPem,
          api_v3_key: merchant.apiV3Key,
          api_v2_key: merchant.apiV2Key,
          platform_certificate: platform.certificatePem,
        },
      );

      const c = await charge('qr', { appId: other, amount: 4321 });
      expect((await order(c)).notify_url).toBe(`${server.url}/notify/wechatpay/${configId}`);
      const before = sim.deliveries.length;
      const code = String(c.credential!.code_url).split('/').pop();
      const paid = await fetch(`${server.url}/sandbox/wechatpay/cashier/${code}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ status: 204, eventType: 'TRANSACTION.SUCCESS' }),
      ]);
      expect(await current(c)).toMatchObject({ status: 'succeeded', amount: 4321 });

      const r = await createRefund(core, { chargeId: c.id, amount: 1321 });
      await sim.runDue();
      expect((await findRefund(core.db, r.id))!.status).toBe('succeeded');
      expect((await current(c)).amountRefunded).toBe(1321);

      const b = await charge('barcode', { appId: other, extra: { auth_code: '109876543210987654' } });
      expect(b.status).toBe('succeeded');
      // The sandbox merchant's callbacks are not accepted on this config's route and vice versa: config ids matter.
      const wrongRoute = await call(server, 'POST', `/notify/wechatpay/chc_000000000000000000000000`, {
        rawBody: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(wrongRoute).toMatchObject({ status: 404, body: { code: 'FAIL' } });
    });
  });

  describe('an unusable channel config', () => {
    it('with an unreadable key or certificate is channel_certificate_invalid (MaxPay CERT_FILE_ERROR), never sent upstream or left unknown', async () => {
      const { merchant, platform } = sim.keys;
      const other = await newApp('Broken config merchant', 'Broken shop');
      const good = { private_key: merchant.privateKeyPem, api_v3_key: merchant.apiV3Key };
      for (const [secrets, named] of [
        [{ ...good, platform_certificate: 'not a certificate' }, 'platform_certificate'],
        [
          { ...good, platform_certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
          'platform_certificate',
        ],
        [{ ...good, platform_certificate: platform.certificatePem, private_key: 'not a key' }, 'private_key'],
      ] as const) {
        await configureChannel(other, 'wechatpay', sandboxSettings(), secrets);
        const error = await charge('qr', { appId: other }).catch((e: unknown) => e);
        expect((error as JuheError).code).toBe('channel_certificate_invalid');
        expect((error as JuheError).message).toContain(`secrets.${named}`);
      }
      const [{ count }] = await core.db.query<{ count: string }>(
        `SELECT count(*) FROM wxsim_orders o JOIN charges c ON c.order_sn = o.out_trade_no WHERE c.app_id = $1`,
        [other],
      );
      expect(Number(count)).toBe(0);
    });
  });

  describe('the simulator, as the official client sees it', () => {
    const base = () => ({
      appid: sim.keys.merchant.appid,
      mchid: sim.keys.merchant.mchid,
      description: 'Tea',
      notify_url: `${server.url}/notify/wechatpay/${SANDBOX_CONFIG_ID}`,
      amount: { total: 100, currency: 'CNY' },
    });
    const failure = async (promise: Promise<unknown>) => {
      const error: any = await promise.catch((e: unknown) => e);
      return [error.response?.status, error.response?.data];
    };

    it('validates like WeChat: PARAM_ERROR for bad amounts and fields, with the right statuses', async () => {
      const wx = officialClient();
      const native = (body: unknown) => wx.chain('v3/pay/transactions/native').post(body);
      for (const [why, body] of [
        ['zero amount', { ...base(), out_trade_no: 'bad-amount-1', amount: { total: 0 } }],
        ['decimal amount', { ...base(), out_trade_no: 'bad-amount-2', amount: { total: 1.5 } }],
        ['string amount', { ...base(), out_trade_no: 'bad-amount-3', amount: { total: '100' } }],
        ['no description', { ...base(), out_trade_no: 'bad-desc-1', description: undefined }],
        ['short out_trade_no', { ...base(), out_trade_no: 'abc' }],
        [
          'notify_url with query',
          { ...base(), out_trade_no: 'bad-notify', notify_url: 'https://x.example/n?a=1' },
        ],
        ['currency', { ...base(), out_trade_no: 'bad-cur', amount: { total: 1, currency: 'USD' } }],
      ] as const) {
        const [status, data] = await failure(native(body));
        expect([why, status, data.code]).toEqual([why, 400, 'PARAM_ERROR']);
      }
      const [status, data] = await failure(
        wx.chain('v3/pay/transactions/jsapi').post({ ...base(), out_trade_no: 'no-openid-1' }),
      );
      expect([status, data]).toEqual([400, { code: 'PARAM_ERROR', message: '缺少参数payer.openid' }]);
      expect(
        await failure(native({ ...base(), out_trade_no: 'other-app-1', appid: 'wx0000000000000000' })),
      ).toEqual([400, { code: 'APPID_MCHID_NOT_MATCH', message: 'appid和mch_id不匹配' }]);
    });

    it('out_trade_no: an identical retry gets the same code_url, other parameters OUT_TRADE_NO_USED, a paid one ORDERPAID', async () => {
      const wx = officialClient();
      const body = { ...base(), out_trade_no: `dup${Date.now()}` };
      const first = await wx.chain('v3/pay/transactions/native').post(body);
      const again = await wx.chain('v3/pay/transactions/native').post(body);
      expect(first.status).toBe(200);
      expect(again.data).toEqual(first.data);
      expect(
        await failure(wx.chain('v3/pay/transactions/native').post({ ...body, amount: { total: 101 } })),
      ).toEqual([403, { code: 'OUT_TRADE_NO_USED', message: '商户订单号重复' }]);
      await sim.payerAct(sim.keys.merchant.mchid, body.out_trade_no, 'pay');
      expect(await failure(wx.chain('v3/pay/transactions/native').post(body))).toEqual([
        400,
        { code: 'ORDERPAID', message: '该订单已支付' },
      ]);
      const query = await wx
        .chain(`v3/pay/transactions/out-trade-no/${body.out_trade_no}`)
        .get({ params: { mchid: sim.keys.merchant.mchid } });
      expect(query.data).toMatchObject({
        out_trade_no: body.out_trade_no,
        trade_state: 'SUCCESS',
        trade_type: 'NATIVE',
        amount: { total: 100, payer_total: 100, currency: 'CNY' },
      });
      expect(query.headers['wechatpay-serial']).toBe(sim.keys.platform.serial);
      expect(
        await failure(
          wx
            .chain('v3/pay/transactions/out-trade-no/nope12345')
            .get({ params: { mchid: sim.keys.merchant.mchid } }),
        ),
      ).toEqual([404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }]);
    });

    it('refuses a request signed with another key or serial: 401 SIGN_ERROR', async () => {
      const { privateKey } = await import('node:crypto').then((m) =>
        m.generateKeyPairSync('rsa', { modulusLength: 2048 }),
      );
      const forged = officialClient({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
      expect(
        await failure(
          forged.chain('v3/pay/transactions/native').post({ ...base(), out_trade_no: 'forged-1' }),
        ),
      ).toEqual([401, { code: 'SIGN_ERROR', message: '签名错误' }]);
      const wrongSerial = officialClient({ serial: '0123456789ABCDEF' });
      expect(
        (
          await failure(
            wrongSerial.chain('v3/pay/transactions/native').post({ ...base(), out_trade_no: 'forged-2' }),
          )
        )[1].code,
      ).toBe('SIGN_ERROR');
      expect(await order({ orderSn: 'forged-1' } as Charge)).toBeUndefined();
    });

    it('serves the platform certificate encrypted with the API v3 key', async () => {
      const { data } = await officialClient().chain('v3/certificates').get();
      const [entry] = data.data;
      expect(entry.serial_no).toBe(sim.keys.platform.serial);
      const pem = aesGcmDecrypt(
        entry.encrypt_certificate.ciphertext,
        sim.keys.merchant.apiV3Key,
        entry.encrypt_certificate.nonce,
        entry.encrypt_certificate.associated_data,
      );
      const cert = new X509Certificate(pem);
      expect(cert.serialNumber).toBe(sim.keys.platform.serial);
      expect(cert.verify(cert.publicKey)).toBe(true);
    });

    it('v2: refuses a wrong sign; validates total_fee; signs answers the client verifies', async () => {
      const fields = {
        appid: sim.keys.merchant.appid,
        mch_id: sim.keys.merchant.mchid,
        body: 'Snack',
        out_trade_no: `mp${Date.now()}`,
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        auth_code: '101111111111111111',
      };
      const wrong = officialClient({ secret: 'y'.repeat(32) });
      const error: any = await wrong
        .chain('v2/pay/micropay')
        .post(fields)
        .catch((e: unknown) => e);
      expect(error.response.data).toMatchObject({ return_code: 'FAIL', return_msg: '签名错误' });
      const wx = officialClient();
      const bad: any = await wx
        .chain('v2/pay/micropay')
        .post({ ...fields, total_fee: '1.5' })
        .catch((e: unknown) => e);
      expect(bad.response.data).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'PARAM_ERROR',
      });
      const ok = await wx.chain('v2/pay/micropay').post({ ...fields, sign_type: 'HMAC-SHA256' });
      expect(ok.data).toMatchObject({ result_code: 'SUCCESS', total_fee: '1', trade_type: 'MICROPAY' });
      expect(ok.data.sign).toBe(v2Sign(ok.data, sim.keys.merchant.apiV2Key, 'HMAC-SHA256'));
    });

    it('admin API: identity without keys, fault injection guarded by test_helpers', async () => {
      const info = await call(server, 'GET', '/api/v1/sandbox/wechatpay', { token: server.tokens.developer });
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({
        mch_id: sim.keys.merchant.mchid,
        appid: sim.keys.merchant.appid,
        platform_serial: sim.keys.platform.serial,
        base_url: `${server.url}/sandbox/wechatpay/`,
        faults: [],
      });
      expect(JSON.stringify(info.body)).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(info.body)).not.toContain(sim.keys.merchant.apiV3Key);
      const denied = await call(server, 'POST', '/api/v1/sandbox/wechatpay/faults', {
        token: server.tokens.finance,
        body: { kind: 'drop' },
      });
      expect(denied.status).toBe(403);
      const bad = await call(server, 'POST', '/api/v1/sandbox/wechatpay/faults', {
        token: server.tokens.developer,
        body: { kind: 'explode' },
      });
      expect(bad.status).toBe(400);
      const added = await call(server, 'POST', '/api/v1/sandbox/wechatpay/faults', {
        token: server.tokens.developer,
        body: { kind: 'delay', count: 2, ms: 60000 },
      });
      expect(added).toMatchObject({
        status: 201,
        body: { faults: [{ kind: 'delay', remaining: 2, ms: 60000 }] },
      });
      const cleared = await call(server, 'DELETE', '/api/v1/sandbox/wechatpay/faults', {
        token: server.tokens.developer,
      });
      expect(cleared.body).toEqual({ faults: [] });

      // A JSAPI order: its prepay_id opens the cashier; the admin API names the payer page of any order.
      const j = await charge('jsapi', { extra: { openid: 'o-cashier' }, amount: 321 });
      const prepay = await fetch(
        `${server.url}/sandbox/wechatpay/jsapi?prepay_id=${String(j.credential!.prepay_id)}`,
        {
          redirect: 'manual',
        },
      );
      expect(prepay.status).toBe(303);
      const cashier = prepay.headers.get('location')!;
      expect(cashier).toMatch(/^\/sandbox\/wechatpay\/cashier\/[0-9a-f]{24}$/);
      const held = await call(server, 'GET', `/api/v1/sandbox/wechatpay/orders/${j.orderSn}`, {
        token: server.tokens.developer,
      });
      expect(held.body).toEqual({
        out_trade_no: j.orderSn,
        mch_id: sim.keys.merchant.mchid,
        trade_type: 'JSAPI',
        trade_state: 'NOTPAY',
        total: 321,
        cashier_url: `${server.url}${cashier}`,
      });
      const missing = await call(server, 'GET', '/api/v1/sandbox/wechatpay/orders/nope', {
        token: server.tokens.developer,
      });
      expect(missing.status).toBe(404);
      const paidThere = await fetch(`${server.url}${cashier}/pay`, { method: 'POST', redirect: 'manual' });
      expect(paidThere.status).toBe(303);
      expect((await current(j)).status).toBe('succeeded');

      const clearedAgain = await call(server, 'DELETE', '/api/v1/sandbox/wechatpay/faults', {
        token: server.tokens.developer,
      });
      expect(clearedAgain.body).toEqual({ faults: [] });
      expect(sim.faults.active()).toEqual([]);
    });
  });
});
