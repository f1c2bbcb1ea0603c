/**
 * The PayPal connector (hand-written Orders v2 / Payments v2 client) against the PayPal
 * simulator mounted in a real listening gateway: every method, the payer approving or
 * cancelling on the checkout page, capture on return / webhook / poll, close and expiry,
 * query, refunds, every webhook fault, forged and replayed webhooks, upstream timeouts and
 * 5xx, token expiry. Each scenario asserts the exact transitions (events), statuses and amounts.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CONFIG_ID } from '../../src/channels/paypal/client.js';
import { paypalConnector } from '../../src/channels/paypal/connector.js';
import { signWebhook, webhookSignedMessage } from '../../src/channels/paypal/protocol.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import type { ChargeCreateParams } from '../../src/core/payments/create-charge.js';
import { expireCharges } from '../../src/core/payments/expire-charges.js';
import { syncChargeFromChannel, syncRefundFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { JuheError } from '../../src/domain/errors.js';
import {
  type PaypalSimulator,
  TOKEN_LIFETIME_S,
  WEBHOOK_RETRY_SCHEDULE_MS,
  paypalSimulatorOf,
} from '../../src/sandbox/paypal/index.js';
import { captureLog } from '../support/capture-log.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import { deliveredWhenDue, expectFoundByPolling } from '../support/channel-scenarios.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { type TestServer, call } from '../support/server.js';

describe.each(engines())('paypal connector against the simulator (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'PayPal merchant',
    connectors: () => connectorRegistry({ paypal: paypalConnector() }),
    simulator: paypalSimulatorOf,
  });
  const { events, current, testHelper, newApp, configureChannel } = gateway;
  let core: TestCore;
  let server: TestServer;
  let sim: PaypalSimulator;
  beforeAll(() => void ({ core, server, sim } = gateway));
  afterEach(() => sim?.faults.clear());
  const charges = numberedCharges(gateway, 'pp', {
    channel: 'paypal',
    amount: 1234,
    currency: 'USD',
    subject: 'Tea set',
  });
  const charge = (
    method: ChargeCreateParams['method'] = 'page',
    overrides: Partial<ChargeCreateParams> = {},
  ) => charges.create({ method, ...overrides });
  const orderIdOf = (c: Charge) => String(c.credential!.paypal_order_id);
  const order = async (c: Charge) =>
    (await core.db.query('SELECT * FROM ppsim_orders WHERE invoice_id = $1', [c.orderSn]))[0];
  const deliveriesSince = (n: number) => sim.deliveries.slice(n);
  /** The payer approves on the checkout page; the browser is not sent back (yet). */
  const approve = (c: Charge) => sim.payerAct(orderIdOf(c), 'pay');

  /** A raw REST call to the simulator as any PayPal client would make it (for PayPal's own refusals). */
  async function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const basic = Buffer.from(`${sim.keys.clientId}:${sim.keys.clientSecret}`).toString('base64');
    const token = await fetch(`${server.url}/sandbox/paypal/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const res = await fetch(`${server.url}/sandbox/paypal${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  describe('create, for every method', () => {
    it.each(['page', 'wap', 'app'] as const)(
      '%s: an order with the approve link, amounts as decimal strings',
      async (method) => {
        const c = await charge(method, { amount: 1205 });
        expect(c.status).toBe('pending');
        const id = orderIdOf(c);
        expect(id).toMatch(/^[A-Z0-9]{17}$/);
        const approveUrl = `${server.url}/sandbox/paypal/checkoutnow?token=${id}`;
        expect(c.credential).toEqual({ pay_url: approveUrl, approve_url: approveUrl, paypal_order_id: id });
        expect(await events(c.id)).toEqual(['charge.created']);
        const row = await order(c);
        expect(row).toMatchObject({
          id,
          intent: 'CAPTURE',
          status: 'PAYER_ACTION_REQUIRED',
          reference_id: c.orderSn,
          custom_id: c.orderSn,
          invoice_id: c.orderSn,
          currency: 'USD',
          return_url: `${server.url}/return/paypal/${SANDBOX_CONFIG_ID}?order=${c.orderSn}`,
          cancel_url: `${server.url}/return/paypal/${SANDBOX_CONFIG_ID}/cancel?order=${c.orderSn}`,
        });
        expect(Number(row.amount)).toBe(1205);
        // PayPal itself reads the order back with "12.05".
        const shown = await raw('GET', `/v2/checkout/orders/${id}`);
        expect(shown.body.purchase_units[0].amount).toEqual({ currency_code: 'USD', value: '12.05' });
        const page = await fetch(approveUrl);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('12.05 USD');
      },
    );

    it('other methods and currencies PayPal does not take are refused before PayPal is called', async () => {
      const qr = await charge('qr').catch((e: unknown) => e);
      expect((qr as JuheError).code).toBe('channel_not_supported');
      expect(
        await core.db.query(
          'SELECT 1 FROM ppsim_orders WHERE invoice_id = (SELECT order_sn FROM charges WHERE order_no = $1)',
          [charges.lastOrderNo()],
        ),
      ).toEqual([]);
    });

    it('one order per charge attempt: the create is idempotent by PayPal-Request-Id', async () => {
      const c = await charge();
      const [{ n }] = await core.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM ppsim_orders WHERE invoice_id = $1',
        [c.orderSn],
      );
      expect(Number(n)).toBe(1);
      const [{ request_id }] = await core.db.query<{ request_id: string }>(
        `SELECT request_id FROM ppsim_requests WHERE path = '/sandbox/paypal/v2/checkout/orders' AND body LIKE $1`,
        [`%${orderIdOf(c)}%`],
      );
      expect(request_id).toBe(`juhe-create-${c.orderSn}`);
    });
  });

  describe('the payer', () => {
    it('pays: approve, back to the return URL, captured once; webhooks then change nothing', async () => {
      const c = await charge('page', { amount: 2345 });
      const before = sim.deliveries.length;
      const page = await fetch(`${server.url}/sandbox/paypal/checkoutnow/${orderIdOf(c)}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(page.status).toBe(303);
      const back = new URL(page.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(`${server.url}/return/paypal/${SANDBOX_CONFIG_ID}`);
      expect(back.searchParams.get('order')).toBe(c.orderSn);
      expect(back.searchParams.get('token')).toBe(orderIdOf(c));
      expect(back.searchParams.get('PayerID')).toMatch(/^[A-Z0-9]{13}$/);
      const returned = await fetch(back, { redirect: 'manual' });
      expect(returned.status).toBe(200);
      expect(await returned.text()).toContain('Payment complete');
      await sim.runDue();
      const row = await order(c);
      expect(row).toMatchObject({ status: 'COMPLETED', capture_status: 'COMPLETED' });
      const after = await current(c);
      expect(after).toMatchObject({ status: 'succeeded', amount: 2345, transactionNo: row.capture_id });
      // PayPal's create_time has whole seconds.
      expect(after.paidAt!.getTime()).toBe(Math.floor(core.clock.now().getTime() / 1000) * 1000);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
      const sent = deliveriesSince(before);
      expect(sent.map((d) => [d.eventType, d.status]).sort()).toEqual([
        ['CHECKOUT.ORDER.APPROVED', 200],
        ['PAYMENT.CAPTURE.COMPLETED', 200],
      ]);
      // Paying again is refused by the page; nothing changes.
      const again = await fetch(`${server.url}/sandbox/paypal/checkoutnow/${orderIdOf(c)}/pay`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(again.status).toBe(409);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it("a merchant's return_url receives the payer after the capture", async () => {
      const c = await charge('wap', { returnUrl: 'https://shop.example/thanks?order=9' });
      const { redirect } = await approve(c);
      const returned = await fetch(redirect!, { redirect: 'manual' });
      expect(returned.status).toBe(303);
      expect(returned.headers.get('location')).toBe('https://shop.example/thanks?order=9');
      expect((await current(c)).status).toBe('succeeded');
    });

    it('cancels on PayPal: the cancel URL fails the charge; a later approval is never captured', async () => {
      const c = await charge();
      const before = sim.deliveries.length;
      const result = await sim.payerAct(orderIdOf(c), 'cancel');
      expect(result.redirect).toBe(
        `${server.url}/return/paypal/${SANDBOX_CONFIG_ID}/cancel?order=${c.orderSn}&token=${orderIdOf(c)}`,
      );
      // Someone else's order id, or none, with this charge's order_sn: not this charge's order.
      const forged = result.redirect!.replace(orderIdOf(c), 'OTHERORDER0000000');
      expect(await sim.follow(forged)).toBe(404);
      expect(await sim.follow(result.redirect!.replace(/&token=.*$/, ''))).toBe(404);
      expect((await current(c)).status).toBe('pending');
      expect(await sim.follow(result.redirect!)).toBe(200);
      expect(await current(c)).toMatchObject({ status: 'failed', failureCode: 'PAYER_CANCELLED' });
      expect(deliveriesSince(before)).toEqual([]);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.failed']);
      // The payer comes back and approves anyway: no money moves for a failed charge.
      const late = await approve(c);
      await sim.follow(late.redirect!);
      await sim.runDue();
      expect((await order(c)).status).toBe('APPROVED');
      expect((await order(c)).capture_id).toBeNull();
      expect(await events(c.id)).toEqual(['charge.created', 'charge.failed']);
    });

    it('the bank declines the capture: the charge fails with CAPTURE_DECLINED, once', async () => {
      const c = await charge();
      sim.faults.add('capture_declined');
      const before = sim.deliveries.length;
      const { redirect } = await approve(c);
      await sim.follow(redirect!);
      await sim.runDue();
      // The PAYMENT.CAPTURE.DECLINED webhook agrees and is acknowledged; it applies nothing new.
      expect(
        deliveriesSince(before)
          .map((d) => [d.eventType, d.status])
          .sort(),
      ).toEqual([
        ['CHECKOUT.ORDER.APPROVED', 200],
        ['PAYMENT.CAPTURE.DECLINED', 200],
      ]);
      expect((await order(c)).capture_status).toBe('DECLINED');
      expect(await current(c)).toMatchObject({ status: 'failed', failureCode: 'CAPTURE_DECLINED' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.failed']);
    });

    it('the admin test helper pays and declines through the simulator', async () => {
      const c = await charge();
      const paid = await testHelper(c, 'pay');
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ id: c.id, applied: true });
      expect((await current(c)).transactionNo).toBe((await order(c)).capture_id);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);

      const d = await charge('app');
      const declined = await testHelper(d, 'decline');
      expect(declined.body).toMatchObject({ applied: true });
      expect(await current(d)).toMatchObject({ status: 'failed', failureCode: 'PAYER_CANCELLED' });
      expect((await order(d)).status).toBe('PAYER_ACTION_REQUIRED');
    });
  });

  describe('close and expiry', () => {
    it('cancel leaves the order uncaptured for good (PayPal has no order cancel)', async () => {
      const c = await charge();
      expect((await cancelCharge(core, c.id)).status).toBe('canceled');
      const { redirect } = await approve(c);
      expect(await sim.follow(redirect!)).toBe(200);
      await sim.runDue(); // the CHECKOUT.ORDER.APPROVED webhook too
      expect(await order(c)).toMatchObject({ status: 'APPROVED', capture_id: null });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.canceled']);
    });

    it('cancel of an order PayPal already captured is refused and the payment applied', async () => {
      const c = await charge();
      sim.faults.add('drop', 2); // approval and capture webhooks lost
      await approve(c);
      // Captured at PayPal by a call whose answer never reached us (the payer's browser never came back).
      expect((await raw('POST', `/v2/checkout/orders/${orderIdOf(c)}/capture`, {})).status).toBe(201);
      expect((await current(c)).status).toBe('pending');
      expect((await order(c)).capture_status).toBe('COMPLETED');
      const error = await cancelCharge(core, c.id).catch((e: unknown) => e);
      expect((error as JuheError).code).toBe('charge_already_paid');
      expect(await current(c)).toMatchObject({
        status: 'succeeded',
        transactionNo: (await order(c)).capture_id,
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('expiry closes the charge; an approval after it is never captured', async () => {
      const c = await charge('page', { expiresAt: new Date(core.clock.now().getTime() + 60_000) });
      core.clock.advance(61_000);
      expect(await expireCharges(core)).toBeGreaterThanOrEqual(1);
      expect((await current(c)).status).toBe('closed');
      const { redirect } = await approve(c);
      await sim.follow(redirect!);
      await sim.runDue();
      expect((await order(c)).capture_id).toBeNull();
      expect(await events(c.id)).toEqual(['charge.created', 'charge.closed']);
    });

    it('PayPal refuses approval after its 3-hour window', async () => {
      const c = await charge();
      core.clock.advance(3 * 3600_000 + 1000);
      expect(await approve(c)).toEqual({ ok: false, reason: 'This order has expired' });
      const page = await fetch(String(c.credential!.pay_url));
      expect(await page.text()).toContain('expired');
    });
  });

  describe('query', () => {
    it('maps the order: awaiting approval pending; APPROVED is captured; COMPLETED succeeded', async () => {
      const c = await charge();
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending', needsPolling: true });
      sim.faults.add('drop', 2);
      await approve(c); // browser never comes back, webhooks lost
      const result = await syncChargeFromChannel(core, c.id);
      const row = await order(c);
      expect(result).toEqual({
        status: 'succeeded',
        transactionNo: row.capture_id,
        paidAt: new Date(Math.floor(new Date(row.captured_at).getTime() / 1000) * 1000),
      });
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('a PENDING capture stays pending until PayPal completes it', async () => {
      const c = await charge();
      sim.faults.add('capture_pending');
      sim.faults.add('drop', 3);
      await approve(c);
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending', needsPolling: true });
      expect((await current(c)).status).toBe('pending');
      await sim.runDue(); // PayPal completes its review
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });
  });

  describe('refunds', () => {
    async function paid(amount = 1000) {
      const c = await charge('page', { amount });
      const { redirect } = await approve(c);
      await sim.follow(redirect!);
      await sim.runDue();
      expect((await current(c)).status).toBe('succeeded');
      return current(c);
    }
    const upstreamRefunds = async (c: Charge) =>
      core.db.query('SELECT * FROM ppsim_refunds WHERE order_id = $1 ORDER BY created_at', [orderIdOf(c)]);

    it('full refund: sent without an amount, COMPLETED at once; the REFUNDED webhook changes nothing', async () => {
      const c = await paid(1500);
      const before = sim.deliveries.length;
      const r = await createRefund(core, { chargeId: c.id, description: 'returned' });
      expect(r).toMatchObject({ status: 'succeeded', amount: 1500 });
      expect(r.transactionNo).toBe(r.extra.paypal_refund_id);
      await sim.runDue();
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ eventType: 'PAYMENT.CAPTURE.REFUNDED', status: 200 }),
      ]);
      const [upstream] = await upstreamRefunds(c);
      expect(upstream).toMatchObject({
        id: r.transactionNo,
        status: 'COMPLETED',
        custom_id: r.id,
        note_to_payer: 'returned',
      });
      expect(Number(upstream.amount)).toBe(1500);
      expect((await order(c)).capture_status).toBe('REFUNDED');
      expect(await current(c)).toMatchObject({ status: 'succeeded', amountRefunded: 1500 });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      // The order query still says paid.
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
    });

    it('partial refunds with amounts up to the capture; PayPal refuses more than what is left', async () => {
      const c = await paid(1000);
      const first = await createRefund(core, { chargeId: c.id, amount: 300 });
      expect((await order(c)).capture_status).toBe('PARTIALLY_REFUNDED');
      const second = await createRefund(core, { chargeId: c.id, amount: 700 });
      for (const r of [first, second]) expect((await findRefund(core.db, r.id))!.status).toBe('succeeded');
      expect((await upstreamRefunds(c)).map((r: any) => Number(r.amount))).toEqual([300, 700]);
      expect((await current(c)).amountRefunded).toBe(1000);
      const over = await createRefund(core, { chargeId: c.id, amount: 1 }).catch((e: unknown) => e);
      expect((over as JuheError).code).toBe('refund_exceeds_amount');
      const refused = await raw('POST', `/v2/payments/captures/${c.transactionNo}/refund`, {
        amount: { currency_code: 'USD', value: '0.01' },
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        name: 'UNPROCESSABLE_ENTITY',
        details: [{ issue: 'CAPTURE_FULLY_REFUNDED' }],
      });
      expect(refused.body.debug_id).toMatch(/^[0-9a-f]{14}$/);
    });

    it('refund failure: PENDING, then PAYMENT.REFUND.FAILED; nothing refunded, the money can be refunded again', async () => {
      const c = await paid(900);
      sim.faults.add('refund_failed');
      // The create waits, bounded, for PayPal's outcome: it may already know the failure.
      const r = await createRefund(core, { chargeId: c.id, amount: 400 });
      expect(['pending', 'failed']).toContain(r.status);
      await sim.runDue();
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'failed',
        failureCode: 'REFUND_FAILED',
      });
      expect((await current(c)).amountRefunded).toBe(0);
      expect(await events(r.id)).toEqual(['refund.created', 'refund.failed']);
      const retry = await createRefund(core, { chargeId: c.id, amount: 900 });
      expect(retry.status).toBe('succeeded');
      expect((await current(c)).amountRefunded).toBe(900);
    });

    it('a pending refund whose webhook is lost is settled by the refund query', async () => {
      const c = await paid(600);
      sim.faults.add('refund_pending');
      sim.faults.add('drop');
      // The create waits, bounded, for PayPal's outcome by querying: the refund is settled
      // there or still pending; either way, with its webhook dropped, the query settles it.
      const r = await createRefund(core, { chargeId: c.id, amount: 250 });
      expect(['pending', 'succeeded']).toContain(r.status);
      await sim.runDue();
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({ status: 'succeeded' });
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: r.extra.paypal_refund_id,
      });
      expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
      expect((await current(c)).amountRefunded).toBe(250);
    });

    it('refund timeout: the retried refund (same PayPal-Request-Id) finds the one PayPal made', async () => {
      const c = await paid(700);
      sim.faults.add('drop');
      sim.faults.add('timeout', 1, 1500);
      const r = await createRefund(core, { chargeId: c.id, amount: 700 });
      expect(r.status).toBe('pending');
      expect(await syncRefundFromChannel(core, r.id)).toMatchObject({ status: 'succeeded' });
      const upstream = await upstreamRefunds(c);
      expect(upstream).toHaveLength(1);
      expect(await findRefund(core.db, r.id)).toMatchObject({
        status: 'succeeded',
        transactionNo: upstream[0].id,
      });
      expect((await current(c)).amountRefunded).toBe(700);
    });
  });

  describe('webhooks', () => {
    it('duplicate: the approval delivered twice captures once', async () => {
      const c = await charge();
      sim.faults.add('duplicate');
      const before = sim.deliveries.length;
      await approve(c); // the browser does not come back: the webhook captures
      await sim.runDue();
      const sent = deliveriesSince(before).map((d) => [d.eventType, d.status]);
      expect(sent.filter(([t]) => t === 'CHECKOUT.ORDER.APPROVED')).toEqual([
        ['CHECKOUT.ORDER.APPROVED', 200],
        ['CHECKOUT.ORDER.APPROVED', 200],
      ]);
      expect(sent.filter(([t]) => t === 'PAYMENT.CAPTURE.COMPLETED')).toEqual([
        ['PAYMENT.CAPTURE.COMPLETED', 200],
      ]);
      expect((await current(c)).status).toBe('succeeded');
      const [{ n }] = await core.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ppsim_requests WHERE request_id = $1`,
        [`juhe-capture-${c.orderSn}`],
      );
      expect(Number(n)).toBe(1);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('out of order: CAPTURE.COMPLETED arrives before CAPTURE.PENDING; the charge moves once', async () => {
      const c = await charge();
      sim.faults.add('drop'); // the approval webhook
      sim.faults.add('reorder', 2);
      sim.faults.add('capture_pending');
      const before = sim.deliveries.length;
      const { redirect } = await approve(c);
      await sim.follow(redirect!);
      expect((await current(c)).status).toBe('pending');
      await sim.runDue(); // PayPal completes the capture; both held webhooks go, newest first
      expect(deliveriesSince(before).map((d) => [d.eventType, d.status])).toEqual([
        ['PAYMENT.CAPTURE.COMPLETED', 200],
        ['PAYMENT.CAPTURE.PENDING', 200],
      ]);
      expect(await current(c)).toMatchObject({
        status: 'succeeded',
        transactionNo: (await order(c)).capture_id,
      });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('forged: a delivery signed by a foreign key is refused; the genuine retry a minute later applies', async () => {
      const c = await charge();
      sim.faults.add('forge');
      const before = sim.deliveries.length;
      await approve(c);
      await sim.runDue();
      expect(deliveriesSince(before)).toEqual([
        expect.objectContaining({ forged: true, status: 401, attempt: 1 }),
      ]);
      expect((await current(c)).status).toBe('pending');
      expect((await order(c)).status).toBe('APPROVED');
      core.clock.advance(59_000);
      await sim.runDue();
      expect(deliveriesSince(before)).toHaveLength(1);
      core.clock.advance(1_000);
      await sim.runDue();
      // The capture it triggers sends its own webhook, which may be recorded first.
      const approvals = () =>
        deliveriesSince(before).filter((d) => d.eventType === 'CHECKOUT.ORDER.APPROVED');
      expect(approvals()).toEqual([
        expect.objectContaining({ forged: true, status: 401, attempt: 1 }),
        expect.objectContaining({ forged: false, status: 200, attempt: 2 }),
      ]);
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('delay: the approval arrives when the business clock reaches it', async () => {
      const c = await charge();
      const sent = await deliveredWhenDue(gateway, sim, () => approve(c));
      expect(sent.map((d) => [d.eventType, d.status]).sort()).toEqual([
        ['CHECKOUT.ORDER.APPROVED', 200],
        ['PAYMENT.CAPTURE.COMPLETED', 200],
      ]);
      expect((await current(c)).status).toBe('succeeded');
    });

    it('lost (dropped) webhooks and a payer who never returns: the polling worker captures', async () => {
      const c = await charge();
      sim.faults.add('drop', 2);
      await approve(c);
      await sim.runDue();
      await expectFoundByPolling(gateway, c, async () => (await order(c)).capture_id);
    });

    it("retries on PayPal's schedule (25 attempts over about 3 days), then gives up", async () => {
      expect(WEBHOOK_RETRY_SCHEDULE_MS).toHaveLength(24);
      const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(2 * 86_400_000);
      expect(total).toBeLessThanOrEqual(3 * 86_400_000);
      const c = await charge();
      sim.faults.add('drop'); // approval: lost
      const { redirect } = await approve(c);
      // The capture webhook goes to a gateway that refuses: point the one queued at a dead path.
      sim.faults.add('delay', 1, 1000);
      await sim.follow(redirect!);
      const [w] = await core.db.query<{ id: string }>(
        `SELECT id FROM ppsim_webhooks WHERE event_type = 'PAYMENT.CAPTURE.COMPLETED' ORDER BY seq DESC LIMIT 1`,
      );
      await core.db.query(`UPDATE ppsim_webhooks SET url = $2 WHERE id = $1`, [
        w.id,
        `${server.url}/notify/paypal/no-such-config`,
      ]);
      const before = sim.deliveries.length;
      core.clock.advance(1000);
      await sim.runDue();
      for (const gap of WEBHOOK_RETRY_SCHEDULE_MS) {
        core.clock.advance(gap - 1);
        await sim.runDue();
        core.clock.advance(1);
        await sim.runDue();
      }
      const attempts = deliveriesSince(before).filter((d) => d.webhookId === w.id);
      expect(attempts.map((d) => d.attempt)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(attempts.every((d) => d.status === 404)).toBe(true);
      const [row] = await core.db.query('SELECT status, attempts FROM ppsim_webhooks WHERE id = $1', [w.id]);
      expect(row).toEqual({ status: 'failed', attempts: 25 });
    }, 60_000);

    it('forged, replayed, tampered or malformed webhooks change nothing, are refused and logged', async () => {
      const c = await charge();
      sim.faults.add('drop', 2);
      await approve(c);
      const url = `/notify/paypal/${SANDBOX_CONFIG_ID}`;
      const certUrl = `${server.url}/sandbox/paypal/v1/notifications/certs/${sim.keys.signing.certId}`;
      const capture = {
        id: '2GG279541U471931P',
        status: 'COMPLETED',
        amount: { currency_code: 'USD', value: '12.34' },
        final_capture: true,
        invoice_id: c.orderSn,
        custom_id: c.orderSn,
        supplementary_data: { related_ids: { order_id: orderIdOf(c) } },
        create_time: '2026-03-01T08:00:00Z',
      };
      const event = (resource: unknown, type = 'PAYMENT.CAPTURE.COMPLETED') =>
        JSON.stringify({
          id: `WH-${randomUUID()}`,
          event_version: '1.0',
          resource_type: 'capture',
          event_type: type,
          resource,
        });
      const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const send = (
        body: string,
        o: {
          key?: unknown;
          time?: string;
          certUrl?: string;
          algo?: string;
          webhookId?: string;
          sign?: string;
          signedBody?: string;
          omit?: string;
          id?: string;
        } = {},
      ) => {
        const id = o.id ?? randomUUID();
        const time = o.time ?? new Date().toISOString();
        const message = webhookSignedMessage(
          id,
          time,
          o.webhookId ?? sim.keys.webhookId,
          o.signedBody ?? body,
        );
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'paypal-transmission-id': id,
          'paypal-transmission-time': time,
          'paypal-transmission-sig':
            o.sign ?? signWebhook(message, (o.key as never) ?? sim.keys.signing.privateKeyPem),
          'paypal-cert-url': o.certUrl ?? certUrl,
          'paypal-auth-algo': o.algo ?? 'SHA256withRSA',
        };
        if (o.omit) delete headers[o.omit];
        return call(server, 'POST', url, { rawBody: body, headers });
      };
      const genuine = event(capture);
      const log = captureLog(core, 'info');
      const refusals = [
        ['foreign key', await send(genuine, { key: foreign })],
        ['another webhook id', await send(genuine, { webhookId: 'WEBHOOKOTHER1' })],
        ['tampered body', await send(genuine.replace('12.34', '12.35'), { signedBody: genuine })],
        [
          'replayed (stale transmission time)',
          await send(genuine, { time: new Date(Date.now() - 11 * 60_000).toISOString() }),
        ],
        [
          'certificate from a foreign host',
          await send(genuine, { certUrl: 'https://evil.example/v1/notifications/certs/CERT-1' }),
        ],
        [
          'unknown certificate',
          await send(genuine, { certUrl: `${server.url}/sandbox/paypal/v1/notifications/certs/CERT-nope` }),
        ],
        ['another algorithm', await send(genuine, { algo: 'SHA1withRSA' })],
        ['garbage signature', await send(genuine, { sign: 'AAAA' })],
        ['missing header', await send(genuine, { omit: 'paypal-transmission-sig' })],
        ['not JSON', await send('{"id":')],
        [
          'another amount',
          await send(event({ ...capture, amount: { currency_code: 'USD', value: '0.01' } })),
        ],
        ['unknown invoice', await send(event({ ...capture, invoice_id: '99999999', custom_id: '99999999' }))],
        [
          'another order',
          await send(
            event({ ...capture, supplementary_data: { related_ids: { order_id: 'OTHERORDER0000000' } } }),
          ),
        ],
        ['unhandled event', await send(event(capture, 'BILLING.SUBSCRIPTION.CREATED'))],
      ] as const;
      log.restore();
      for (const [why, answer] of refusals) {
        expect([why, answer.status >= 400]).toEqual([why, true]);
        expect(typeof answer.body.name).toBe('string');
      }
      expect(log.lines.filter((l) => l.level >= 40)).toHaveLength(refusals.length);
      expect(await current(c)).toMatchObject({ status: 'pending', transactionNo: null });
      expect(await events(c.id)).toEqual(['charge.created']);
      // PayPal's side is untouched: approved, not captured.
      expect((await order(c)).status).toBe('APPROVED');
      // A genuine delivery (PayPal's key, a capture still pending) is answered 200 and changes
      // nothing; the very same transmission sent again is a replay: 409.
      const pending = event({ ...capture, status: 'PENDING' }, 'PAYMENT.CAPTURE.PENDING');
      const transmission = { id: randomUUID(), time: new Date().toISOString() };
      expect((await send(pending, transmission)).status).toBe(200);
      const replay = await send(pending, transmission);
      expect(replay.status).toBe(409);
      expect(replay.body.message).toContain('replay');
      expect(await events(c.id)).toEqual(['charge.created']);
    });
  });

  describe('upstream faults', () => {
    it('timeout on create: unknown, then the query within the request re-sends the create and gets the same order', async () => {
      sim.faults.add('timeout', 1, 1500);
      const c = await charge();
      const [row] = await core.db.query('SELECT * FROM ppsim_orders WHERE invoice_id = $1', [c.orderSn]);
      expect(row.status).toBe('PAYER_ACTION_REQUIRED'); // PayPal made it
      expect(c).toMatchObject({ status: 'pending', credential: { paypal_order_id: row.id } });
      const after = await current(c);
      expect(after.credential).toMatchObject({ paypal_order_id: row.id });
      expect(
        (await core.db.query('SELECT id FROM ppsim_orders WHERE invoice_id = $1', [c.orderSn])).length,
      ).toBe(1);
      const { redirect } = await approve(after);
      await sim.follow(redirect!);
      expect((await current(c)).status).toBe('succeeded');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('5xx on create: unknown, not failed; the query within the request creates the order', async () => {
      sim.faults.add('error_5xx');
      const c = await charge();
      expect(c).toMatchObject({ status: 'pending', credential: { paypal_order_id: (await order(c)).id } });
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'pending' });
      expect((await current(c)).credential).toMatchObject({ paypal_order_id: (await order(c)).id });
    });

    it('5xx on the order query is unknown; the charge stays pending', async () => {
      const c = await charge();
      sim.faults.add('error_5xx');
      expect(await syncChargeFromChannel(core, c.id)).toMatchObject({
        status: 'unknown',
        needsPolling: true,
      });
      expect((await current(c)).status).toBe('pending');
    });

    it('the access token is reused while it lives; an expired one (401 invalid_token) is replaced and the call retried', async () => {
      const c = await charge();
      const tokens = async () =>
        Number((await core.db.query<{ n: string }>('SELECT count(*) AS n FROM ppsim_tokens'))[0].n);
      const before = await tokens();
      for (let i = 0; i < 3; i++) await syncChargeFromChannel(core, c.id);
      expect(await tokens()).toBe(before);
      core.clock.advance(TOKEN_LIFETIME_S * 1000 + 1000);
      expect(await syncChargeFromChannel(core, c.id)).toEqual({ status: 'pending', needsPolling: true });
      expect(await tokens()).toBe(before + 1);
      await syncChargeFromChannel(core, c.id);
      expect(await tokens()).toBe(before + 1);
    });
  });

  describe("a merchant's own channel config", () => {
    let configuredApps = 0;
    async function appWithConfig(settings: Record<string, unknown>, secrets: Record<string, string>) {
      configuredApps += 1;
      const other = await newApp(`Config merchant ${configuredApps}`, 'Config shop');
      return { appId: other, configId: await configureChannel(other, 'paypal', settings, secrets) };
    }

    it('over real sockets, with postback verification of webhooks', async () => {
      const { appId: other, configId } = await appWithConfig(
        {
          client_id: sim.keys.clientId,
          webhook_id: sim.keys.webhookId,
          base_url: `${server.url}/sandbox/paypal`,
          webhook_verification: 'postback',
          timeout_ms: 5000,
        },
        { client_secret: sim.keys.clientSecret },
      );
      const c = await charge('page', { appId: other });
      expect(c.credential).toMatchObject({
        pay_url: `${server.url}/sandbox/paypal/checkoutnow?token=${orderIdOf(c)}`,
      });
      expect((await order(c)).return_url).toBe(`${server.url}/return/paypal/${configId}?order=${c.orderSn}`);
      sim.faults.add('drop');
      const { redirect } = await approve(c);
      // The genuine approval webhook, sent to this config's notify URL and verified by postback.
      const [w] = await core.db.query<{ body: string }>(
        `SELECT body FROM ppsim_webhooks WHERE event_type = 'CHECKOUT.ORDER.APPROVED' ORDER BY seq DESC LIMIT 1`,
      );
      const id = randomUUID();
      const time = new Date().toISOString();
      const headers = {
        'content-type': 'application/json',
        'paypal-transmission-id': id,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': signWebhook(
          webhookSignedMessage(id, time, sim.keys.webhookId, w.body),
          sim.keys.signing.privateKeyPem,
        ),
        'paypal-cert-url': `${server.url}/sandbox/paypal/v1/notifications/certs/${sim.keys.signing.certId}`,
        'paypal-auth-algo': 'SHA256withRSA',
      };
      const tampered = await call(server, 'POST', `/notify/paypal/${configId}`, {
        rawBody: w.body.replace('"APPROVED"', '"COMPLETED"'),
        headers,
      });
      expect(tampered.status).toBe(401);
      expect((await current(c)).status).toBe('pending');
      const genuine = await call(server, 'POST', `/notify/paypal/${configId}`, {
        rawBody: w.body,
        headers,
      });
      expect(genuine.status).toBe(200);
      expect(await current(c)).toMatchObject({
        status: 'succeeded',
        transactionNo: (await order(c)).capture_id,
      });
      expect(redirect).toContain(`/return/paypal/${configId}?order=${c.orderSn}&token=${orderIdOf(c)}`);
      const r = await createRefund(core, { chargeId: c.id, amount: 34 });
      expect(r).toMatchObject({ status: 'succeeded', amount: 34 });
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('wrong client credentials are channel_not_available, never left unknown', async () => {
      const { appId: other } = await appWithConfig(
        {
          client_id: sim.keys.clientId,
          webhook_id: sim.keys.webhookId,
          base_url: `${server.url}/sandbox/paypal`,
        },
        { client_secret: 'wrong-secret' },
      );
      const error = await charge('page', { appId: other }).catch((e: unknown) => e);
      expect((error as JuheError).code).toBe('channel_not_available');
      const incomplete = await appWithConfig({ client_id: 'x' }, {});
      const missing = await charge('page', { appId: incomplete.appId }).catch((e: unknown) => e);
      expect((missing as JuheError).code).toBe('channel_not_available');
    });
  });

  describe('the simulator, as any PayPal client sees it', () => {
    it("validates like PayPal, in PayPal's error shape", async () => {
      const missing = await raw('POST', '/v2/checkout/orders', { purchase_units: [] });
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/intent' }],
      });
      const unit = (value: string, currency = 'USD') => ({
        intent: 'CAPTURE',
        purchase_units: [{ amount: { currency_code: currency, value } }],
      });
      expect((await raw('POST', '/v2/checkout/orders', unit('10.005'))).body).toMatchObject({
        name: 'UNPROCESSABLE_ENTITY',
        details: [{ issue: 'DECIMAL_PRECISION' }],
      });
      expect((await raw('POST', '/v2/checkout/orders', unit('100.5', 'JPY'))).body.details[0].issue).toBe(
        'DECIMALS_NOT_SUPPORTED',
      );
      expect((await raw('POST', '/v2/checkout/orders', unit('12,00'))).status).toBe(400);
      expect((await raw('POST', '/v2/checkout/orders', unit('1.00', 'XXX'))).body.details[0].issue).toBe(
        'CURRENCY_NOT_SUPPORTED',
      );
      const jpy = await raw('POST', '/v2/checkout/orders', unit('1500', 'JPY'), {
        prefer: 'return=representation',
      });
      expect(jpy.status).toBe(201);
      expect(jpy.body).toMatchObject({
        status: 'CREATED',
        purchase_units: [{ amount: { currency_code: 'JPY', value: '1500' } }],
      });
      expect(jpy.body.links.map((l: any) => l.rel)).toEqual(['self', 'approve', 'update', 'capture']);
      const capture = await raw('POST', `/v2/checkout/orders/${jpy.body.id}/capture`, {});
      expect(capture.status).toBe(422);
      expect(capture.body.details[0].issue).toBe('ORDER_NOT_APPROVED');
      expect((await raw('GET', '/v2/checkout/orders/NOSUCHORDER000000')).body).toMatchObject({
        name: 'RESOURCE_NOT_FOUND',
        details: [{ issue: 'INVALID_RESOURCE_ID' }],
      });
    });

    it('PayPal-Request-Id: a retry answers the first order; a paid invoice_id is DUPLICATE_INVOICE_ID', async () => {
      const body = {
        intent: 'CAPTURE',
        purchase_units: [
          { invoice_id: `INV-${charges.lastOrderNo()}-x`, amount: { currency_code: 'USD', value: '5.00' } },
        ],
      };
      const requestId = { 'paypal-request-id': `rq-${charges.lastOrderNo()}` };
      const first = await raw('POST', '/v2/checkout/orders', body, requestId);
      const again = await raw('POST', '/v2/checkout/orders', body, requestId);
      expect(again.body.id).toBe(first.body.id);
      expect((await raw('POST', '/v2/checkout/orders', body)).body.id).not.toBe(first.body.id);
      const c = await charge();
      const { redirect } = await approve(c);
      await sim.follow(redirect!);
      const dup = await raw('POST', '/v2/checkout/orders', {
        intent: 'CAPTURE',
        purchase_units: [{ invoice_id: c.orderSn, amount: { currency_code: 'USD', value: '12.34' } }],
      });
      expect(dup.status).toBe(422);
      expect(dup.body.details[0].issue).toBe('DUPLICATE_INVOICE_ID');
    });

    it('OAuth: wrong client credentials 401 invalid_client; an unknown token 401 invalid_token', async () => {
      const bad = await fetch(`${server.url}/sandbox/paypal/v1/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${sim.keys.clientId}:nope`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Client Authentication failed',
      });
      const unknownToken = await fetch(`${server.url}/sandbox/paypal/v2/checkout/orders/X`, {
        headers: { authorization: 'Bearer A21AAnope' },
      });
      expect(unknownToken.status).toBe(401);
      expect(((await unknownToken.json()) as any).error).toBe('invalid_token');
    });

    it('admin API: identity without secrets, fault injection guarded by test_helpers', async () => {
      const info = await call(server, 'GET', '/api/v1/sandbox/paypal', { token: server.tokens.owner });
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ client_id: sim.keys.clientId, webhook_id: sim.keys.webhookId });
      expect(JSON.stringify(info.body)).not.toContain(sim.keys.clientSecret);
      expect(JSON.stringify(info.body)).not.toContain('PRIVATE KEY');
      const viewer = await call(server, 'POST', '/api/v1/sandbox/paypal/faults', {
        token: server.tokens.viewer,
        body: { kind: 'drop' },
      });
      expect(viewer.status).toBe(403);
      const added = await call(server, 'POST', '/api/v1/sandbox/paypal/faults', {
        token: server.tokens.owner,
        body: { kind: 'drop', count: 2 },
      });
      expect(added.status).toBe(201);
      expect(added.body.faults).toEqual([{ kind: 'drop', remaining: 2, ms: 0 }]);
      const cleared = await call(server, 'DELETE', '/api/v1/sandbox/paypal/faults', {
        token: server.tokens.owner,
      });
      expect(cleared.body).toEqual({ faults: [] });
      const c = await charge();
      const shown = await call(server, 'GET', `/api/v1/sandbox/paypal/orders/${orderIdOf(c)}`, {
        token: server.tokens.owner,
      });
      expect(shown.body).toMatchObject({
        id: orderIdOf(c),
        status: 'PAYER_ACTION_REQUIRED',
        amount: 1234,
        currency: 'USD',
        approve_url: c.credential!.pay_url,
      });
    });
  });
});
