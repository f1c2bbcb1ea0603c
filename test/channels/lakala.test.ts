/**
 * The Lakala connector (cashier orders, labs refunds, every answer's Lklapi-* signature
 * verified against the simulator's platform certificate) against the Lakala simulator
 * mounted in a real listening gateway: create for page, h5 and app, the payer's actions,
 * close and expiry, query, refunds, and every notification fault the simulator can
 * inject. Each scenario asserts the exact transitions (events), statuses and amounts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CONFIG_ID } from '../../src/channels/lakala/client.js';
import { lakalaConnector } from '../../src/channels/lakala/connector.js';
import {
  authorization,
  envelope,
  lakalaTime,
  notifyAuthorization,
  responseProblem,
  wallSeconds,
} from '../../src/channels/lakala/protocol.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { type ChargeCreateParams, createCharge } from '../../src/core/payments/create-charge.js';
import { expireCharges } from '../../src/core/payments/expire-charges.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { syncChargeFromChannel, syncRefundFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { JuheError } from '../../src/domain/errors.js';
import {
  type LakalaSimulator,
  NOTIFY_RETRY_SCHEDULE_MS,
  simulatorOf,
} from '../../src/sandbox/lakala/simulator.js';
import { selfSignedCertificate } from '../../src/sandbox/wechatpay/x509.js';
import { launchBrowser } from '../support/browser.js';
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
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { type TestServer, call } from '../support/server.js';

describe.each(engines())('lakala connector against the simulator (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'Lakala merchant',
    connectors: () => connectorRegistry({ lakala: lakalaConnector() }),
    simulator: simulatorOf,
  });
  const { events, current, testHelper, newApp, configureChannel } = gateway;
  let core: TestCore;
  let server: TestServer;
  let sim: LakalaSimulator;
  beforeAll(() => void ({ core, server, sim } = gateway));
  const charges = numberedCharges(gateway, 'lkl', {
    channel: 'lakala',
    amount: 1000,
    currency: 'CNY',
    subject: 'Coffee 咖啡',
    clientIp: '203.0.113.7',
  });

  const extras: Record<string, Record<string, unknown>> = {
    page: { user_id: 'aaa111' },
    h5: { user_id: 'aaa111', return_url: 'http://www.abc.cn/' },
    app: { user_id: 'aaa111', return_url: 'http://www.abc.cn/' },
  };

  const charge = (method: 'page' | 'h5' | 'app', overrides: Partial<ChargeCreateParams> = {}) =>
    charges.create({
      method,
      extra: extras[method],
      ...(method !== 'page' ? { returnUrl: 'http://www.abc.cn/' } : {}),
      ...overrides,
    });
  const order = async (c: Charge) =>
    (await core.db.query<any>('SELECT * FROM lklsim_orders WHERE out_order_no = $1', [c.orderSn]))[0];
  const pay = (c: Charge) => sim.payerAct(c.orderSn, 'pay');
  const decline = (c: Charge) => sim.payerAct(c.orderSn, 'decline');
  const deliveriesSince = (n: number) => sim.deliveries.slice(n);
  const codeOf = (url: string) => url.split('/').pop()!;
  /** A merchant's own config naming the sandbox merchant and the listening simulator. */
  const sandboxSettings = () => ({
    appid: sim.keys.merchant.appid,
    serial_no: sim.keys.merchant.serialNo,
    merchant_no: sim.keys.merchant.merchantNo,
    term_no: sim.keys.merchant.termNo,
    base_url: `${server.url}/sandbox/lakala`,
  });

  /** A request signed as the merchant would, straight to the simulator; the answer as Lakala sent it. */
  async function direct(
    path: string,
    reqData: Record<string, unknown>,
    o: { body?: string; key?: string } = {},
  ) {
    const { merchant } = sim.keys;
    const body = o.body ?? envelope(reqData, core.clock.now());
    const res = await fetch(`${server.url}/sandbox/lakala${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: authorization(
          merchant.appid,
          merchant.serialNo,
          body,
          o.key ?? merchant.privateKeyPem,
        ),
      },
      body,
    });
    const text = await res.text();
    const problem = responseProblem(Object.fromEntries(res.headers), text, merchant.appid, {
      [sim.keys.platform.serial]: sim.keys.platform.certificatePem,
    });
    return { status: res.status, body: JSON.parse(text), problem };
  }

  describe('create, for every method', () => {
    it('page (lakala_web): pay_url is the cashier; user_id goes as out_user_id; the cashier shows the order', async () => {
      const c = await charge('page');
      expect(c.status).toBe('pending');
      const url = String(c.credential!.pay_url);
      expect(url).toMatch(new RegExp(`^${server.url}/sandbox/lakala/counter/[0-9a-f]{24}$`));
      expect(c.credential).toEqual({ pay_url: url });
      expect(await events(c.id)).toEqual(['charge.created']);
      const row = await order(c);
      expect(row).toMatchObject({
        merchant_no: sim.keys.merchant.merchantNo,
        order_status: '0',
        out_user_id: 'aaa111',
        order_info: 'Coffee 咖啡',
        callback_url: null,
        support_refund: 1,
        notify_url: `${server.url}/notify/lakala/${SANDBOX_CONFIG_ID}`,
      });
      expect(Number(row.total_amount)).toBe(1000);
      expect(new Date(row.efficient_at).toISOString()).toBe(c.expiresAt.toISOString());
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('¥10.00');
      expect(html).toContain(c.orderSn);
      expect(html).toContain(row.pay_order_no);
    });

    it('h5 (lakala_h5): pay_url; return_url becomes callback_url', async () => {
      const c = await charge('h5');
      expect(Object.keys(c.credential!)).toEqual(['pay_url']);
      expect(await order(c)).toMatchObject({ callback_url: 'http://www.abc.cn/', out_user_id: 'aaa111' });
    });

    it('app (lakala_app): order_string (the cashier the app opens) and pay_url', async () => {
      const c = await charge('app', { amount: 1 });
      const url = String(c.credential!.pay_url);
      expect(c.credential).toEqual({ order_string: url, pay_url: url });
      expect(await order(c)).toMatchObject({ callback_url: 'http://www.abc.cn/' });
      expect(Number((await order(c)).total_amount)).toBe(1);
    });

    it('refuses non-CNY charges and methods Lakala has no cashier for, before calling Lakala', async () => {
      const usd = await charge('page', { currency: 'USD' }).catch((e: unknown) => e);
      expect((usd as JuheError).code).toBe('channel_not_supported');
      const qr = await createCharge(core, {
        appId: gateway.appId,
        livemode: false,
        dialect: 'admin',
        orderNo: 'lkl-qr',
        channel: 'lakala',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'x',
      }).catch((e: unknown) => e);
      expect((qr as JuheError).code).toBe('channel_not_supported');
      expect((await core.db.query('SELECT 1 FROM lklsim_orders WHERE total_amount = 100')).length).toBe(0);
    });
  });

  describe('the payer', () => {
    it('pays on the cashier: one signed notification, acknowledged, one transition, back to callback_url', async () => {
      const c = await charge('h5', { amount: 2345 });
      const before = sim.deliveries.length;
      const code = codeOf(String(c.credential!.pay_url));
      const answer = await fetch(`${server.url}/sandbox/lakala/counter/${code}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'pay_mode=ALIPAY',
        redirect: 'manual',
      });
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('http://www.abc.cn/');
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({
          outOrderNo: c.orderSn,
          attempt: 1,
          status: 200,
          acknowledged: true,
          forged: false,
        }),
      ]);
      const row = await order(c);
      expect(row).toMatchObject({ order_status: '2', pay_mode: 'ALIPAY' });
      const after = await current(c);
      expect(after).toMatchObject({ status: 'succeeded', amount: 2345, transactionNo: row.trade_no });
      expect(after.paidAt?.toISOString()).toBe(core.clock.now().toISOString());
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
      const again = await fetch(`${server.url}/sandbox/lakala/counter/${code}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(again.status).toBe(409);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('declines: Lakala notifies successes only; the order query fails the charge', async () => {
      const c = await charge('page');
      const before = sim.deliveries.length;
      expect(await decline(c)).toEqual({ ok: true });
      expect(deliveriesSince(before)).toEqual([]);
      await expectFailedByQuery(gateway, c, { failureCode: 'ORDER_FAILED', failureMsg: '支付失败' });
    });
  });

  describe('the admin API', () => {
    it('the test helper pays and declines through the simulator', async () => {
      const c = await charge('page');
      const before = sim.deliveries.length;
      const paid = await testHelper(c, 'pay');
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ id: c.id, applied: true });
      expect(deliveriesSince(before)).toEqual([expect.objectContaining({ status: 200, acknowledged: true })]);
      expect((await current(c)).transactionNo).toBe((await order(c)).trade_no);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);

      const d = await charge('app');
      const declined = await testHelper(d, 'decline');
      expect(declined.body).toMatchObject({ applied: true });
      expect(await current(d)).toMatchObject({ status: 'failed', failureCode: 'ORDER_FAILED' });
      expect((await order(d)).order_status).toBe('3');
    });

    it('shows the simulator identity (no private key), injects and clears faults, shows orders', async () => {
      const owner = { token: server.tokens.owner };
      const info = await call(server, 'GET', '/api/v1/sandbox/lakala', owner);
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({
        appid: sim.keys.merchant.appid,
        merchant_no: sim.keys.merchant.merchantNo,
        term_no: sim.keys.merchant.termNo,
        serial_no: sim.keys.merchant.serialNo,
        platform_serial: sim.keys.platform.serial,
        base_url: `${server.url}/sandbox/lakala`,
        faults: [],
      });
      expect(JSON.stringify(info.body)).not.toContain('PRIVATE KEY');
      expect(
        (await call(server, 'GET', '/api/v1/sandbox/lakala', { token: server.tokens.viewer })).status,
      ).toBe(403);
      const bad = await call(server, 'POST', '/api/v1/sandbox/lakala/faults', {
        ...owner,
        body: { kind: 'explode' },
      });
      expect(bad.status).toBe(400);
      const added = await call(server, 'POST', '/api/v1/sandbox/lakala/faults', {
        ...owner,
        body: { kind: 'drop', count: 1 },
      });
      expect(added).toMatchObject({ status: 201, body: { faults: [{ kind: 'drop', remaining: 1, ms: 0 }] } });
      const c = await charge('h5');
      await pay(c);
      expect(sim.faults.active()).toEqual([]);
      expect((await current(c)).status).toBe('pending');
      const shown = await call(server, 'GET', `/api/v1/sandbox/lakala/orders/${c.orderSn}`, owner);
      expect(shown.body).toMatchObject({ out_order_no: c.orderSn, order_status: '2', total_amount: 1000 });
      expect(shown.body.counter_url).toBe(c.credential!.pay_url);
      expect((await call(server, 'GET', '/api/v1/sandbox/lakala/orders/nosuch', owner)).status).toBe(404);
      await call(server, 'POST', '/api/v1/sandbox/lakala/faults', {
        ...owner,
        body: { kind: 'forge', count: 3 },
      });
      expect((await call(server, 'DELETE', '/api/v1/sandbox/lakala/faults', owner)).body).toEqual({
        faults: [],
      });
      expect((await call(server, 'POST', '/api/v1/sandbox/lakala/run', owner)).body).toEqual({
        deliveries: [],
      });
    });
  });

  describe('in a browser, as a payer would', () => {
    it('opens the cashier, picks Alipay, pays, and lands back on return_url with the charge paid', async () => {
      const c = await charge('h5', { amount: 1288, returnUrl: `${server.url}/healthz` });
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(String(c.credential!.pay_url));
        expect(await page.getByTestId('amount').textContent()).toBe('¥12.88');
        expect(await page.getByTestId('state').textContent()).toBe('0');
        if (process.env.LAKALA_SCREENSHOT) await page.screenshot({ path: process.env.LAKALA_SCREENSHOT });
        await page.getByLabel('支付宝 Alipay').check();
        await Promise.all([
          page.waitForURL(`${server.url}/healthz`),
          page.getByRole('button', { name: /^Pay/ }).click(),
        ]);
        expect(await page.textContent('body')).toContain('ok');
      } finally {
        await browser.close();
      }
      expect(await current(c)).toMatchObject({ status: 'succeeded', amount: 1288 });
      expect((await order(c)).pay_mode).toBe('ALIPAY');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });
  });

  describe('close and expiry', () => {
    it('cancel closes the order upstream; the payer can no longer pay', async () => {
      const c = await charge('app');
      expect((await cancelCharge(core, c.id)).status).toBe('canceled');
      expect((await order(c)).order_status).toBe('7');
      expect(await pay(c)).toEqual({ ok: false, reason: '订单已关闭' });
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({
        status: 'failed',
        failureCode: 'ORDER_CLOSED',
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.canceled']);
    });

    it('cancel of an order the payer already paid is refused and the payment applied', async () => {
      const c = await charge('page');
      sim.faults.add('drop');
      await pay(c);
      await expectCancelRefusedAsPaid(gateway, c);
      expect((await current(c)).status).toBe('succeeded');
      expect((await order(c)).order_status).toBe('2');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('expiry: order_efficient_time is the charge expiry; past it the cashier refuses and the worker closes', async () => {
      const c = await charge('h5', { expiresAt: new Date(core.clock.now().getTime() + 60_000) });
      core.clock.advance(61_000);
      expect(await pay(c)).toEqual({ ok: false, reason: '订单已过期' });
      expect((await sim.findOrder(c.orderSn))!.status).toBe('4');
      expect(await expireCharges(core)).toBeGreaterThanOrEqual(1);
      expect((await current(c)).status).toBe('closed');
      expect((await order(c)).order_status).toBe('7');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.closed']);
    });
  });

  describe('query', () => {
    it('maps order_status: 0 pending, 2 succeeded with trade_no and trade_time, 6 (refunded) still succeeded', async () => {
      const c = await charge('app');
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending' });
      sim.faults.add('drop');
      await pay(c);
      const paidAt = core.clock.now();
      expect(await syncChargeFromChannel(core, c.id)).toEqual({
        status: 'succeeded',
        transactionNo: (await order(c)).trade_no,
        paidAt: new Date(Math.floor(paidAt.getTime() / 1000) * 1000),
      });
      await createRefund(core, { chargeId: c.id, amount: 100 });
      expect((await sim.findOrder(c.orderSn))!.status).toBe('6');
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });
  });

  describe('refunds', () => {
    async function paid(amount = 1000) {
      const c = await charge('page', { amount });
      await pay(c);
      expect((await current(c)).status).toBe('succeeded');
      return c;
    }

    it('full refund: BBS00000 settles it at once, against the original trade_no', async () => {
      const c = await paid(1500);
      const r = await createRefund(core, { chargeId: c.id, description: 'customer returned it' });
      const [upstream] = await core.db.query<any>('SELECT * FROM lklsim_refunds WHERE out_trade_no = $1', [
        r.id,
      ]);
      expect(upstream).toMatchObject({
        trade_state: 'SUCCESS',
        origin_trade_no: (await current(c)).transactionNo,
        refund_reason: 'customer returned it',
      });
      expect(Number(upstream.refund_amount)).toBe(1500);
      expect(r).toMatchObject({ status: 'succeeded', amount: 1500, transactionNo: upstream.trade_no });
      expect(r.extra).toEqual({ trade_no: upstream.trade_no, log_no: upstream.log_no });
      expect(await current(c)).toMatchObject({ status: 'succeeded', amountRefunded: 1500 });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
    });

    it('partial refunds up to the amount paid; Lakala refuses more than the refundable rest', async () => {
      const c = await paid(1000);
      // Lakala settles a refund in its answer: nothing to wait for.
      await expectRefundedInTwoParts(gateway, c);
      const { merchant } = sim.keys;
      const answer = await direct('/api/v3/labs/relation/refund', {
        merchant_no: merchant.merchantNo,
        term_no: merchant.termNo,
        out_trade_no: 'extra1',
        origin_trade_no: (await current(c)).transactionNo,
        refund_amount: '1',
        location_info: { request_ip: '127.0.0.1' },
      });
      expect(answer).toMatchObject({ status: 200, problem: undefined });
      expect(answer.body).toMatchObject({ code: 'BBS11002', msg: '退款金额超过可退金额', resp_data: null });
      expect(answer.body.resp_time).toMatch(/^\d{14}$/);
    });

    it('refund failure: a refused refund fails, nothing is refunded, the money can be refunded again', async () => {
      const c = await paid(900);
      sim.faults.add('refund_fail');
      const r = await createRefund(core, { chargeId: c.id, amount: 400 });
      expect(r).toMatchObject({ status: 'failed', failureCode: 'BBS11004' });
      expect((await current(c)).amountRefunded).toBe(0);
      expect(await events(r.id)).toEqual(['refund.created', 'refund.failed']);
      const retry = await createRefund(core, { chargeId: c.id, amount: 900 });
      expect(retry.status).toBe('succeeded');
      expect((await current(c)).amountRefunded).toBe(900);
    });

    it('a processing refund (BBS11112) stays pending until the refund query finds it settled', async () => {
      const c = await paid(800);
      sim.faults.add('refund_processing', 1, 60_000);
      const r = await createRefund(core, { chargeId: c.id, amount: 800 });
      expect(r.status).toBe('pending');
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({
        status: 'pending',
        needsPolling: true,
      });
      core.clock.advance(60_000);
      const [upstream] = await core.db.query<any>(
        'SELECT trade_no FROM lklsim_refunds WHERE out_trade_no = $1',
        [r.id],
      );
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: upstream.trade_no,
      });
      expect((await current(c)).amountRefunded).toBe(800);
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
    });

    it('refund timeout: the answer is lost; the refund query settles it once', async () => {
      const c = await paid(700);
      sim.faults.add('timeout', 1, 1500);
      const started = Date.now();
      const r = await createRefund(core, { chargeId: c.id, amount: 700 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(r.status).toBe('pending');
      await pollDue(core); // not due yet: nothing happens
      core.clock.advance(10_000);
      await pollDue(core);
      expect(await findRefund(core.db, r.id)).toMatchObject({ status: 'succeeded', amount: 700 });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      expect((await current(c)).amountRefunded).toBe(700);
    });
  });

  describe('notifications', () => {
    it('duplicate: delivered twice, applied once, acknowledged both times', async () => {
      const c = await charge('page');
      sim.faults.add('duplicate');
      const before = sim.deliveries.length;
      await pay(c);
      expect(deliveriesSince(before).map((d) => [d.status, d.acknowledged])).toEqual([
        [200, true],
        [200, true],
      ]);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('out of order: two held notifications released newest first; each charge moves once', async () => {
      const a = await charge('page');
      const b = await charge('app');
      sim.faults.add('reorder', 2);
      const before = sim.deliveries.length;
      await pay(a);
      expect(deliveriesSince(before)).toEqual([]);
      await pay(b);
      await sim.runDue();
      expect(deliveriesSince(before).map((d) => d.outOrderNo)).toEqual([b.orderSn, a.orderSn]);
      expect(deliveriesSince(before).every((d) => d.acknowledged)).toBe(true);
      for (const c of [a, b]) expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it("forged: a notification signed by a foreign key is refused; Lakala's retry 1 s later applies", async () => {
      const c = await charge('h5');
      sim.faults.add('forge');
      const before = sim.deliveries.length;
      await pay(c);
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ forged: true, status: 401, acknowledged: false, attempt: 1 }),
      ]);
      expect((await current(c)).status).toBe('pending');
      core.clock.advance(NOTIFY_RETRY_SCHEDULE_MS[0]);
      await sim.runDue();
      expect(deliveriesSince(before)[1]).toMatchObject({
        forged: false,
        status: 200,
        acknowledged: true,
        attempt: 2,
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('delay: the notification arrives when the business clock reaches it', async () => {
      const c = await charge('app');
      const sent = await deliveredWhenDue(gateway, sim, () => pay(c));
      expect(sent).toEqual([expect.objectContaining({ status: 200, acknowledged: true })]);
      expect((await current(c)).status).toBe('succeeded');
    });

    it('lost (dropped) notification: the polling worker finds the payment by query', async () => {
      const c = await charge('page');
      sim.faults.add('drop');
      await pay(c);
      await expectFoundByPolling(gateway, c, async () => (await order(c)).trade_no);
    });

    it('a refused notification is retried on the schedule (1s/5s/5s/10s/3m/10m/20m/30m/1h/2h), then given up', async () => {
      const c = await charge('page');
      // The gateway cannot match this order to its charge until the charge row is back.
      await core.db.query(`UPDATE charges SET order_sn = 'hidden-' || order_sn WHERE id = $1`, [c.id]);
      const before = sim.deliveries.length;
      await pay(c);
      for (const wait of NOTIFY_RETRY_SCHEDULE_MS) {
        core.clock.advance(wait - 1);
        await sim.runDue();
        const count = deliveriesSince(before).length;
        core.clock.advance(1);
        await sim.runDue();
        expect(deliveriesSince(before).length).toBe(count + 1);
      }
      const sent = deliveriesSince(before);
      expect(sent).toHaveLength(NOTIFY_RETRY_SCHEDULE_MS.length + 1);
      expect(sent.every((d) => d.status === 404 && !d.acknowledged)).toBe(true);
      core.clock.advance(24 * 3600_000);
      await sim.runDue();
      expect(deliveriesSince(before)).toHaveLength(NOTIFY_RETRY_SCHEDULE_MS.length + 1);
      const [notice] = await core.db.query<any>(
        'SELECT status, attempts FROM lklsim_notices WHERE out_order_no = $1',
        [c.orderSn],
      );
      expect(notice).toEqual({ status: 'failed', attempts: 11 });
      await core.db.query(`UPDATE charges SET order_sn = $2 WHERE id = $1`, [c.id, c.orderSn]);
      expect(await events(c.id)).toEqual(['charge.created']);
    });

    it('forged, stale, tampered or malformed notifications change nothing, are refused and logged', async () => {
      const c = await charge('page', { amount: 1000 });
      const { merchant, platform } = sim.keys;
      const notice = {
        pay_order_no: '22011711012001101011025385338',
        out_order_no: c.orderSn,
        channel_id: '25',
        merchant_no: merchant.merchantNo,
        term_no: merchant.termNo,
        order_status: '2',
        total_amount: 1000,
        order_create_time: lakalaTime(core.clock.now()),
        order_efficient_time: lakalaTime(c.expiresAt),
        order_trade_info: {
          trade_no: '20260301110113230166212380030451',
          log_no: '66212380030451',
          trade_type: 'PAY',
          trade_status: 'S',
          trade_amount: 1000,
          payer_amount: 1000,
          busi_type: 'SCPAY',
          trade_time: lakalaTime(core.clock.now()),
        },
      };
      const url = `/notify/lakala/${SANDBOX_CONFIG_ID}`;
      const send = (body: string, authorizationHeader?: string) =>
        call(server, 'POST', url, {
          rawBody: body,
          headers: {
            'content-type': 'application/json',
            ...(authorizationHeader === undefined ? {} : { authorization: authorizationHeader }),
          },
        });
      const genuine = JSON.stringify(notice);
      const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const signed = (body: string) => notifyAuthorization(body, platform.privateKeyPem);
      const log = captureLog(core, 'info');
      const refusals = [
        await send(genuine),
        await send(genuine, notifyAuthorization(genuine, foreign)),
        await send(
          genuine,
          notifyAuthorization(genuine, platform.privateKeyPem, String(wallSeconds() - 301)),
        ),
        await send(genuine, signed(genuine).replace(/signature="[^"]+"/, 'signature="AAAA"')),
        await send(genuine.replace('"total_amount":1000', '"total_amount":1'), signed(genuine)),
        await send(genuine, signed(genuine).replace('LKLAPI-SHA256withRSA', 'WECHATPAY2-SHA256-RSA2048')),
        await send('{"out_order_no":', signed('{"out_order_no":')),
        await send(
          JSON.stringify({ ...notice, total_amount: 1 }),
          signed(JSON.stringify({ ...notice, total_amount: 1 })),
        ),
        await send(
          JSON.stringify({ ...notice, merchant_no: '822100041120005' }),
          signed(JSON.stringify({ ...notice, merchant_no: '822100041120005' })),
        ),
        await send(
          JSON.stringify({ ...notice, out_order_no: '20260301000000000000' }),
          signed(JSON.stringify({ ...notice, out_order_no: '20260301000000000000' })),
        ),
        await send(
          JSON.stringify({ ...notice, order_status: '0' }),
          signed(JSON.stringify({ ...notice, order_status: '0' })),
        ),
      ];
      log.restore();
      for (const answer of refusals) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.body.code).toBe('FAIL');
      }
      expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 400, 400, 400, 404, 400]);
      expect(log.lines.filter((l) => l.level >= 40)).toHaveLength(refusals.length);
      expect(await current(c)).toMatchObject({ status: 'pending', transactionNo: null });
      expect(await events(c.id)).toEqual(['charge.created']);
      // The genuine notification, correctly signed, applies once and is acknowledged.
      const ok = await send(genuine, signed(genuine));
      expect(ok).toMatchObject({ status: 200, body: { code: 'SUCCESS', message: '执行成功' } });
      const replay = await send(genuine, signed(genuine));
      expect(replay).toMatchObject({ status: 200, body: { code: 'SUCCESS' } });
      expect(await current(c)).toMatchObject({
        status: 'succeeded',
        transactionNo: '20260301110113230166212380030451',
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });
  });

  describe('upstream faults', () => {
    it('timeout on create: unknown, the order exists upstream; the query settles it once paid', async () => {
      sim.faults.add('timeout', 1, 1500);
      const c = await expectUnknownCreate(gateway, () => charge('page'));
      expect((await order(c)).order_status).toBe('0');
      sim.faults.add('drop');
      await pay(c);
      core.clock.advance(6_000);
      await pollDue(core);
      expect((await current(c)).status).toBe('succeeded');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('5xx on create: unknown, not failed; the query finds no order and leaves it pending', async () => {
      sim.faults.add('error_5xx');
      const c = await expectUnknownCreate(gateway, () => charge('app'));
      expect(await order(c)).toBeUndefined();
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending' });
      expect(await events(c.id)).toEqual(['charge.created']);
    });

    it('an answer signed by an impostor platform key (same serial) is unknown, never failed', async () => {
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
      const other = await newApp('Impostor merchant', 'Impostor shop');
      await configureChannel(other, 'lakala', sandboxSettings(), {
        private_key: merchant.privateKeyPem,
        platform_certificate: fake.pem,
      });
      // Asked again within the request, the answer stays unbelieved: a channel error, the
      // charge left pending for the poller.
      const c = await expectUnknownCreate(gateway, () => charge('page', { appId: other }));
      expect((await order(c)).order_status).toBe('0'); // Lakala did create it
      sim.faults.add('drop');
      await pay(c);
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({
        status: 'unknown',
        needsPolling: true,
      });
      expect((await current(c)).status).toBe('pending');
      expect(await events(c.id)).toEqual(['charge.created']);
    });
  });

  describe("a merchant's own channel config, over real sockets both ways", () => {
    it('create, cashier, notification to /notify/lakala/<config id>, refund and refund query', async () => {
      const { merchant, platform } = sim.keys;
      const other = await newApp('Config merchant', 'Configured shop');
      const configId = await configureChannel(
        other,
        'lakala',
        { ...sandboxSettings(), timeout_ms: 3000 },
        { private_key: merchant.privateKeyPem, platform_certificate: platform.certificatePem },
      );

      const c = await charge('app', { appId: other, amount: 4321 });
      expect((await order(c)).notify_url).toBe(`${server.url}/notify/lakala/${configId}`);
      const before = sim.deliveries.length;
      const code = codeOf(String(c.credential!.order_string));
      const paid = await fetch(`${server.url}/sandbox/lakala/counter/${code}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);
      expect(deliveriesSince(before)).toEqual([expect.objectContaining({ status: 200, acknowledged: true })]);
      expect(await current(c)).toMatchObject({ status: 'succeeded', amount: 4321 });
      const r = await createRefund(core, { chargeId: c.id, amount: 321 });
      expect(r.status).toBe('succeeded');
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({ status: 'succeeded' });
      expect((await current(c)).amountRefunded).toBe(321);
    });

    it('a config without what Lakala needs is channel_not_available, one with an unreadable key or certificate channel_certificate_invalid; neither is sent upstream', async () => {
      const other = await newApp('Broken merchant', 'Broken shop');
      const settings = { appid: 'OP1', serial_no: 'ab', merchant_no: '8221' };
      await configureChannel(other, 'lakala', settings, { private_key: 'nope' });
      const missing = await charge('page', { appId: other }).catch((e: unknown) => e);
      expect((missing as JuheError).code).toBe('channel_not_available');

      const { merchant } = sim.keys;
      await configureChannel(other, 'lakala', settings, {
        private_key: merchant.privateKeyPem,
        platform_certificate: 'not a certificate',
      });
      const unreadableCert = await charge('page', { appId: other }).catch((e: unknown) => e);
      expect((unreadableCert as JuheError).code).toBe('channel_certificate_invalid');
      expect((unreadableCert as JuheError).message).toContain('secrets.platform_certificate');

      await configureChannel(other, 'lakala', settings, {
        private_key: 'nope',
        platform_certificate: sim.keys.platform.certificatePem,
      });
      const unreadableKey = await charge('page', { appId: other }).catch((e: unknown) => e);
      expect((unreadableKey as JuheError).code).toBe('channel_certificate_invalid');
      expect((unreadableKey as JuheError).message).toContain('secrets.private_key');
    });
  });

  describe('the simulator, as a merchant calling it directly sees it', () => {
    let directOrders = 0;
    const create = (over: Record<string, unknown> = {}) => ({
      out_order_no: `direct${++directOrders}`,
      merchant_no: sim.keys.merchant.merchantNo,
      total_amount: 100,
      order_efficient_time: lakalaTime(new Date(core.clock.now().getTime() + 3600_000)),
      order_info: 'direct',
      ...over,
    });

    it('answers are signed; a success carries counter_url and echoes the amount', async () => {
      const answer = await direct(
        '/api/v3/ccss/counter/order/special_create',
        create({ total_amount: '100' }),
      );
      expect(answer).toMatchObject({
        status: 200,
        problem: undefined,
        body: { code: '000000', msg: '操作成功' },
      });
      expect(answer.body.resp_data).toMatchObject({
        total_amount: 100,
        merchant_no: sim.keys.merchant.merchantNo,
      });
      expect(answer.body.resp_data.pay_order_no).toMatch(/^\d{29}$/);
    });

    it('refuses bad amounts, times and fields with CSS00001 and changes nothing', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ total_amount: '10.00' }, 'total_amount'],
        [{ total_amount: 0 }, 'total_amount'],
        [{ total_amount: -5 }, 'total_amount'],
        [{ order_efficient_time: '2026-03-01' }, 'order_efficient_time'],
        [
          { order_efficient_time: lakalaTime(new Date(core.clock.now().getTime() - 1000)) },
          'order_efficient_time',
        ],
        [{ order_efficient_time: lakalaTime(new Date(core.clock.now().getTime() + 8 * 86_400_000)) }, '7天'],
        [{ order_info: '' }, 'order_info'],
        [{ notify_url: 'ftp://x' }, 'notify_url'],
        [{ support_refund: 2 }, 'support_refund'],
        [{ merchant_no: '822100041120005' }, '商户号'],
      ];
      for (const [over, mention] of cases) {
        const data = create(over);
        const answer = await direct('/api/v3/ccss/counter/order/special_create', data);
        expect(answer.body.code, JSON.stringify(over)).toBe('CSS00001');
        expect(answer.body.msg).toContain(mention);
        expect(answer.problem).toBeUndefined();
        expect(
          (await core.db.query('SELECT 1 FROM lklsim_orders WHERE out_order_no = $1', [data.out_order_no]))
            .length,
        ).toBe(0);
      }
    });

    it('a reused out_order_no with other fields is refused CSS00002; the same request again is idempotent', async () => {
      const data = create();
      const first = await direct('/api/v3/ccss/counter/order/special_create', data);
      const same = await direct('/api/v3/ccss/counter/order/special_create', data);
      expect(same.body.resp_data.counter_url).toBe(first.body.resp_data.counter_url);
      const reused = await direct('/api/v3/ccss/counter/order/special_create', {
        ...data,
        total_amount: 200,
      });
      expect(reused.body).toMatchObject({ code: 'CSS00002', msg: '商户订单号重复' });
    });

    it('refuses bad signatures, unknown keys and malformed envelopes at the gateway', async () => {
      const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string;
      const forged = await direct('/api/v3/ccss/counter/order/query', { merchant_no: '1' }, { key: foreign });
      expect(forged).toMatchObject({
        status: 401,
        problem: undefined,
        body: { code: '000002', msg: '签名验证失败' },
      });
      const noTime = await direct(
        '/api/v3/ccss/counter/order/query',
        {},
        {
          body: JSON.stringify({ version: '3.0', req_data: {} }),
        },
      );
      expect(noTime).toMatchObject({ status: 400, problem: undefined, body: { code: '000001' } });
      const malformed = await direct(
        '/api/v3/ccss/counter/order/query',
        {},
        {
          body: JSON.stringify({ req_time: '20260301160000', version: '2.0', req_data: {} }),
        },
      );
      expect(malformed).toMatchObject({ status: 400, body: { code: '000001' } });
      const missing = await direct('/api/v3/ccss/counter/order/query', {
        merchant_no: sim.keys.merchant.merchantNo,
        out_order_no: 'nosuchorder',
      });
      expect(missing.body).toMatchObject({ code: 'CSS00003', msg: '订单不存在' });
    });
  });
});

describe.each(engines())('lakala without a listening simulator (%s)', (engine) => {
  it('a core with no Lakala simulator mounted falls back to the generic sandbox in test mode', async () => {
    const core = await testCore(engine, { connectors: connectorRegistry({ lakala: lakalaConnector() }) });
    try {
      const merchant = await createMerchant(core.db, core, { name: 'm' });
      const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'a' });
      const c = await createCharge(core, {
        appId: app.id,
        livemode: false,
        dialect: 'admin',
        orderNo: 'standin-1',
        channel: 'lakala',
        method: 'app',
        amount: 100,
        currency: 'CNY',
        subject: 'x',
      });
      expect(c.status).toBe('pending');
      expect(c.credential).toHaveProperty('order_string');
      const live = await createCharge(core, {
        appId: app.id,
        livemode: true,
        dialect: 'admin',
        orderNo: 'live-1',
        channel: 'lakala',
        method: 'page',
        amount: 100,
        currency: 'CNY',
        subject: 'x',
      }).catch((e: unknown) => e);
      expect((live as JuheError).code).toBe('channel_not_available');
    } finally {
      await core.drop();
    }
  });
});
