/**
 * The Alipay connector (official alipay-sdk, response signatures verified) against the
 * Alipay simulator on a real listening gateway: every method, the payer's actions, close
 * and expiry, query, refunds, and every notification fault the simulator can inject.
 * Each scenario asserts the exact transitions (events), statuses and amounts.
 */
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AlipayConnector, alipayConnector } from '../../src/channels/alipay/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { findChannelConfigById } from '../../src/core/apps/channel-configs.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { cancelCharge, endUnpaidCharge } from '../../src/core/payments/cancel-charge.js';
import type { ChargeCreateParams } from '../../src/core/payments/create-charge.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { type SandboxAlipayApp, defaultSandboxApp, rsaKeyPair } from '../../src/sandbox/alipay/keys.js';
import { alipaySimulatorFor } from '../../src/sandbox/alipay/index.js';
import { rsa2Sign, signContent } from '../../src/sandbox/alipay/sign.js';
import { NOTIFY_RETRY_DELAYS_MS } from '../../src/sandbox/alipay/notify.js';
import { captureLog } from '../support/capture-log.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import { expectUnknownCreate } from '../support/channel-scenarios.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { type TestServer, call } from '../support/server.js';

describe.each(engines())('alipay connector against the simulator (%s)', (engine) => {
  // A short client timeout so the "upstream timeout" scenario stays fast.
  const connector: AlipayConnector = alipayConnector({ timeoutMs: 500 });
  const gateway = useChannelGateway(engine, {
    merchant: 'Alipay merchant',
    connectors: () => connectorRegistry({ alipay: connector }),
  });
  const { events, current, testHelper, configureChannel } = gateway;
  let core: TestCore;
  let server: TestServer;
  let sandbox: SandboxAlipayApp;
  /** A key pair that is nobody's in particular: forgers, wrong configurations, a merchant's own app. */
  let stranger: ReturnType<typeof rsaKeyPair>;

  beforeAll(async () => {
    ({ core, server } = gateway);
    sandbox = await defaultSandboxApp(core);
    stranger = rsaKeyPair();
  }, 60_000);

  const sim = () => alipaySimulatorFor(core);
  const owner = () => server.tokens.owner;

  const charges = numberedCharges(gateway, 'ali', {
    channel: 'alipay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Coffee 咖啡',
    returnUrl: 'https://shop.example/return',
  });
  const charge = (method: ChargeCreateParams['method'], overrides: Partial<ChargeCreateParams> = {}) =>
    charges.create({ method, ...overrides });

  async function fault(kind: string, extra: Record<string, unknown> = {}) {
    const answer = await call(server, 'POST', '/api/v1/test_helpers/sandbox/alipay/faults', {
      token: owner(),
      body: { kind, ...extra },
    });
    expect(answer.status).toBe(201);
    return answer.body;
  }

  async function notifications(outTradeNo: string) {
    const answer = await call(
      server,
      'GET',
      `/api/v1/test_helpers/sandbox/alipay/notifications?out_trade_no=${outTradeNo}`,
      { token: owner() },
    );
    return answer.body.data as Array<{
      state: string;
      attempts: number;
      last_result: string;
      last_attempt_seq: number | null;
      params: Record<string, string>;
    }>;
  }

  /** The payer acts in the simulator through the admin API (password entered, cashier button). */
  async function payTrade(outTradeNo: string, action: 'pay' | 'decline' = 'pay') {
    const answer = await call(
      server,
      'POST',
      `/api/v1/test_helpers/sandbox/alipay/trades/${outTradeNo}/${action}`,
      {
        token: owner(),
      },
    );
    expect(answer.status).toBe(200);
    return answer.body;
  }

  /** What a poller does: ask the channel and apply the answer. */
  async function poll(c: Charge) {
    const result = await connector.query!({
      charge: c,
      config: await core.testModeConfigs!.configFor('alipay'),
      clock: core.clock,
      publicUrl: core.publicUrl,
    });
    return { result, applied: await applyChargeResult(core, c.id, result) };
  }

  /** A client of the simulator's gateway with the default app's keys, response signatures checked. */
  function merchantSdk(overrides: Partial<ConstructorParameters<typeof AlipaySdk>[0]> = {}) {
    return new AlipaySdk({
      appId: sandbox.appId,
      privateKey: sandbox.appPrivateKey!,
      alipayPublicKey: sandbox.alipayPublicKey,
      gateway: `${server.url}/sandbox/alipay/gateway.do`,
      camelcase: false,
      ...overrides,
    });
  }

  const formInputs = (html: string) =>
    Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
        m[1],
        m[2].replaceAll('&quot;', '"'),
      ]),
    );

  // ------------------------------------------------------------------ create, every method

  it('app: a signed order string that the simulator accepts; paying it in the cashier succeeds once', async () => {
    const c = await charge('app');
    expect(c.status).toBe('pending');
    const orderString = c.credential!.order_string as string;
    const params = new URLSearchParams(orderString);
    expect(params.get('method')).toBe('alipay.trade.app.pay');
    expect(params.get('app_id')).toBe(sandbox.appId);
    expect(params.get('sign_type')).toBe('RSA2');
    expect(params.get('notify_url')).toBe(`${server.url}/notify/alipay/sandbox`);
    expect(JSON.parse(params.get('biz_content')!)).toMatchObject({
      out_trade_no: c.id,
      total_amount: '10.00',
      product_code: 'QUICK_MSECURITY_PAY',
    });
    // The Alipay app carries the order string to the gateway.
    const opened = await fetch(`${server.url}/sandbox/alipay/gateway.do?${orderString}`, {
      redirect: 'manual',
    });
    expect(opened.status).toBe(302);
    const cashier = opened.headers.get('location')!;
    expect(cashier).toMatch(/^\/sandbox\/alipay\/cashier\/\d{28}$/);
    const page = await (await fetch(server.url + cashier)).text();
    expect(page).toContain('¥10.00');
    expect(page).toContain('data-status="WAIT_BUYER_PAY"');
    const paid = await fetch(`${server.url}${cashier}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const after = await current(c);
    expect(after.status).toBe('succeeded');
    expect(after.transactionNo).toBe(cashier.split('/').pop());
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect((await notifications(c.id)).map((n) => [n.state, n.attempts, n.params.trade_status])).toEqual([
      ['delivered', 1, 'TRADE_SUCCESS'],
    ]);
  });

  it('page: a GET pay URL opens the cashier; after paying the payer returns to return_url with a verifiable signature', async () => {
    const c = await charge('page');
    const payUrl = c.credential!.pay_url as string;
    expect(payUrl.startsWith(`${server.url}/sandbox/alipay/gateway.do?`)).toBe(true);
    expect(new URL(payUrl).searchParams.get('method')).toBe('alipay.trade.page.pay');
    expect(c.credential!.form).toMatch(/<form action="[^"]+" method="post"/);
    const opened = await fetch(payUrl, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    const cashier = opened.headers.get('location')!;
    // The desktop cashier also offers the order as a QR code to scan.
    expect(await (await fetch(server.url + cashier)).text()).toMatch(/<div class="qr"[^>]*><svg/);
    const paid = await fetch(`${server.url}${cashier}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const back = new URL(paid.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('https://shop.example/return');
    const returned = Object.fromEntries(back.searchParams);
    expect(returned).toMatchObject({
      out_trade_no: c.id,
      total_amount: '10.00',
      method: 'alipay.trade.page.pay.return',
    });
    expect(merchantSdk().checkNotifySignV2(returned)).toBe(true);
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('wap: the POST form opens the cashier; the payer declines, the trade closes and the charge fails once', async () => {
    const c = await charge('wap');
    const form = c.credential!.form as string;
    const action = /<form action="([^"]+)"/.exec(form)![1];
    const opened = await fetch(action.replaceAll('&amp;', '&'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(formInputs(form)).toString(),
      redirect: 'manual',
    });
    expect(opened.status).toBe(302);
    const cashier = opened.headers.get('location')!;
    const declined = await fetch(`${server.url}${cashier}/decline`, { method: 'POST', redirect: 'manual' });
    expect(declined.status).toBe(303);
    const after = await current(c);
    expect(after.status).toBe('failed');
    expect(after.failureCode).toBe('trade_closed');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.failed']);
    expect(await (await fetch(server.url + cashier)).text()).toContain('data-status="TRADE_CLOSED"');
  });

  it('qr: precreate answers a verified qr_code; unscanned it does not exist upstream; scanned and paid it succeeds', async () => {
    const c = await charge('qr');
    const qr = c.credential!.qr_code as string;
    expect(qr).toMatch(new RegExp(`^${server.url}/sandbox/alipay/qr/\\d{28}$`));
    expect((await poll(c)).result).toEqual({ status: 'pending', needsPolling: false });
    const scanned = await fetch(qr, { redirect: 'manual' });
    expect(scanned.status).toBe(302);
    expect((await poll(c)).result).toEqual({ status: 'pending' });
    const paid = await testHelper(c, 'pay');
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ id: c.id, status: 'succeeded', applied: true });
    const again = await testHelper(c, 'pay');
    expect(again.body).toMatchObject({ status: 'succeeded', applied: false });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    // A query after the fact agrees and changes nothing.
    const { result, applied } = await poll(await current(c));
    expect(result.status).toBe('succeeded');
    expect(applied.applied).toBe(false);
  });

  it('barcode: a payment code that pays at once succeeds in the create call', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890123456' } });
    expect(c.status).toBe('succeeded');
    expect(c.transactionNo).toMatch(/^\d{28}$/);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('barcode: 10003 leaves the payer entering the password (user_paying); the late confirmation notifies success', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890120000' } });
    expect(c.status).toBe('user_paying');
    expect((await poll(c)).result).toMatchObject({
      status: 'pending',
      payerActing: true,
      needsPolling: true,
    });
    await payTrade(c.id);
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.succeeded']);
  });

  it('barcode: closing a payment in progress reverses it with alipay.trade.cancel', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890130000' } });
    expect(c.status).toBe('user_paying');
    const canceled = await cancelCharge(core, c.id);
    expect(canceled.status).toBe('canceled');
    const trade = await sim().findTrade(sandbox.appId, c.id);
    expect(trade!.status).toBe('TRADE_CLOSED');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.canceled']);
  });

  it('a cancel Alipay does not confirm (a 5xx) leaves the charge open and payable; the next one ends it', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890130000' } });
    expect(c.status).toBe('user_paying');
    await fault('error_5xx', { method: 'alipay.trade.cancel', params: { status: 503 } });
    // Ended here but open upstream, a payment made next would meet a terminal charge.
    await expect(cancelCharge(core, c.id)).rejects.toMatchObject({ code: 'channel_error' });
    expect((await current(c)).status).toBe('user_paying');
    expect((await sim().findTrade(sandbox.appId, c.id))!.status).not.toBe('TRADE_CLOSED');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying']);

    const canceled = await cancelCharge(core, c.id);
    expect(canceled.status).toBe('canceled');
    expect((await sim().findTrade(sandbox.appId, c.id))!.status).toBe('TRADE_CLOSED');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.user_paying', 'charge.canceled']);
  });

  it('barcode: a refused payment (balance too low) fails the charge with the sub code', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890129999' } });
    expect(c.status).toBe('failed');
    expect(c.failureCode).toBe('ACQ.BUYER_BALANCE_NOT_ENOUGH');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.failed']);
  });

  it('barcode without auth_code and jsapi without buyer_id are refused before reaching Alipay', async () => {
    await expect(charge('barcode')).rejects.toMatchObject({
      code: 'missing_parameter',
      param: 'extra.auth_code',
    });
    await expect(charge('jsapi')).rejects.toMatchObject({
      code: 'missing_parameter',
      param: 'extra.buyer_id',
    });
  });

  it('jsapi: alipay.trade.create with buyer_id answers the trade_no for my.tradePay; paying it succeeds', async () => {
    const c = await charge('jsapi', { extra: { buyer_id: '2088102177846880' } });
    expect(c.status).toBe('pending');
    const tradeNo = c.credential!.trade_no as string;
    expect(tradeNo).toMatch(/^\d{28}$/);
    expect(c.credential!.jsapi).toEqual({ tradeNO: tradeNo });
    expect((await poll(c)).result).toEqual({ status: 'pending' });
    await payTrade(tradeNo);
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('mini: a mini-program payer known by open id (op_buyer_open_id) gets a trade_no too', async () => {
    const c = await charge('mini', {
      extra: { buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' },
    });
    expect(c.credential!.trade_no).toMatch(/^\d{28}$/);
    await payTrade(c.id);
    expect((await current(c)).status).toBe('succeeded');
  });

  it('a non-CNY charge is refused: Alipay trades are in CNY', async () => {
    await expect(charge('qr', { currency: 'USD' })).rejects.toMatchObject({ code: 'invalid_currency' });
  });

  // ------------------------------------------------------------------ close and expiry

  it('close: canceling a scanned QR charge closes the trade upstream; the payer can no longer pay it', async () => {
    const c = await charge('qr');
    await fetch(c.credential!.qr_code as string, { redirect: 'manual' });
    const canceled = await cancelCharge(core, c.id);
    expect(canceled.status).toBe('canceled');
    expect((await sim().findTrade(sandbox.appId, c.id))!.status).toBe('TRADE_CLOSED');
    // Alipay does not notify a close the merchant asked for (only timeouts and full refunds).
    expect(await notifications(c.id)).toEqual([]);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.canceled']);
    // The payer can no longer pay it.
    expect((await payTrade(c.id)).trade_status).toBe('TRADE_CLOSED');
    expect((await current(c)).status).toBe('canceled');
  });

  it('close: a charge the payer already paid (notify lost) cannot be canceled; the query applies the payment', async () => {
    const c = await charge('qr');
    await fault('drop');
    await payTrade(c.id);
    expect((await current(c)).status).toBe('pending');
    await expect(cancelCharge(core, c.id)).rejects.toMatchObject({ code: 'charge_already_paid' });
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('expire: past time_expire the trade closes itself upstream and the expiry closes the charge', async () => {
    const c = await charge('qr', { expiresAt: new Date(core.clock.now().getTime() + 10 * 60_000) });
    await fetch(c.credential!.qr_code as string, { redirect: 'manual' });
    core.clock.advance(11 * 60_000);
    const closed = await endUnpaidCharge(core, c.id, 'closed');
    expect(closed.status).toBe('closed');
    expect((await sim().findTrade(sandbox.appId, c.id))!.status).toBe('TRADE_CLOSED');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.closed']);
  });

  it('expire: when Alipay times the trade out first, its TRADE_CLOSED notice closes the charge (closed, not failed)', async () => {
    const c = await charge('qr', { expiresAt: new Date(core.clock.now().getTime() + 10 * 60_000) });
    await fetch(c.credential!.qr_code as string, { redirect: 'manual' });
    core.clock.advance(10 * 60_000);
    const run = await call(server, 'POST', '/api/v1/test_helpers/sandbox/alipay/notifications/deliver', {
      token: owner(),
    });
    expect(run.status).toBe(200);
    expect(run.body.closed_trades).toBe(1);
    expect(await notifications(c.id)).toMatchObject([
      {
        state: 'delivered',
        attempts: 1,
        last_result: '200 success',
        params: { trade_status: 'TRADE_CLOSED' },
      },
    ]);
    expect((await current(c)).status).toBe('closed');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.closed']);
  });

  // ------------------------------------------------------------------ refunds

  it('partial then full refund: amounts add up, the trade closes, refund notifications change nothing more', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890123456' } });
    const first = await createRefund(core, { chargeId: c.id, amount: 300, description: 'one cup' });
    expect(first).toMatchObject({ status: 'succeeded', amount: 300, transactionNo: c.transactionNo });
    expect((await current(c)).amountRefunded).toBe(300);
    const rest = await createRefund(core, { chargeId: c.id });
    expect(rest).toMatchObject({ status: 'succeeded', amount: 700 });
    const after = await current(c);
    expect(after.amountRefunded).toBe(1000);
    expect(after.status).toBe('succeeded');
    const trade = (await sim().findTrade(sandbox.appId, c.id))!;
    expect([trade.status, trade.refunded]).toEqual(['TRADE_CLOSED', 1000]);
    expect(
      (await notifications(c.id)).map((n) => [
        n.params.trade_status,
        n.params.refund_fee,
        n.params.out_biz_no,
        n.state,
      ]),
    ).toEqual([
      ['TRADE_SUCCESS', undefined, undefined, 'delivered'],
      ['TRADE_SUCCESS', '3.00', first.id, 'delivered'],
      ['TRADE_CLOSED', '10.00', rest.id, 'delivered'],
    ]);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect(await events(first.id)).toEqual(['refund.created', 'refund.succeeded']);
    expect(await events(rest.id)).toEqual(['refund.created', 'refund.succeeded']);
    // Nothing is left to refund, here or upstream.
    await expect(createRefund(core, { chargeId: c.id, amount: 1 })).rejects.toMatchObject({
      code: 'refund_exceeds_amount',
    });
  });

  it('refund failure: a signed business refusal fails the refund and keeps the charge whole', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890123456' } });
    await fault('business_error', {
      method: 'alipay.trade.refund',
      params: { sub_code: 'ACQ.SELLER_BALANCE_NOT_ENOUGH', sub_msg: '卖家余额不足' },
    });
    const refund = await createRefund(core, { chargeId: c.id, amount: 500 });
    expect(refund).toMatchObject({
      status: 'failed',
      failureCode: 'ACQ.SELLER_BALANCE_NOT_ENOUGH',
      failureMsg: 'Business Failed: 卖家余额不足',
    });
    expect((await current(c)).amountRefunded).toBe(0);
    expect((await sim().findTrade(sandbox.appId, c.id))!.refunded).toBe(0);
    expect(await events(refund.id)).toEqual(['refund.created', 'refund.failed']);
  });

  it('refund timeout: unknown leaves it pending; the refund query (polling worker) settles it once', async () => {
    const c = await charge('barcode', { extra: { auth_code: '281234567890123456' } });
    await fault('timeout', { method: 'alipay.trade.refund', params: { ms: 1500 } });
    await fault('drop');
    const refund = await createRefund(core, { chargeId: c.id, amount: 400 });
    expect(refund.status).toBe('pending');
    const ctx = {
      charge: await current(c),
      refund,
      config: await core.testModeConfigs!.configFor('alipay'),
      clock: core.clock,
      publicUrl: core.publicUrl,
    };
    expect(await connector.queryRefund(ctx)).toEqual({ status: 'succeeded', transactionNo: c.transactionNo });
    // The polling worker asks the same question and settles it.
    core.clock.advance(5_000);
    await pollDue(core);
    expect(await findRefund(core.db, refund.id)).toMatchObject({
      status: 'succeeded',
      transactionNo: c.transactionNo,
    });
    expect((await current(c)).amountRefunded).toBe(400);
    // Retrying the same out_request_no moves no money again (fund_change N, confirmed by query).
    const retried = await connector.refund!(ctx);
    expect(retried).toEqual({ status: 'succeeded', transactionNo: c.transactionNo });
    expect((await sim().findTrade(sandbox.appId, c.id))!.refunded).toBe(400);
    expect(await events(refund.id)).toEqual(['refund.created', 'refund.succeeded']);
  });

  // ------------------------------------------------------------------ notification faults

  it('duplicate notify: both copies are acknowledged, the charge changes once', async () => {
    const c = await charge('qr');
    await fault('duplicate');
    await payTrade(c.id);
    const sent = await notifications(c.id);
    expect(sent.map((n) => [n.state, n.last_result])).toEqual([
      ['delivered', '200 success'],
      ['delivered', '200 success'],
    ]);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('the same notice ten times at once: all acknowledged, one transition', async () => {
    const c = await charge('qr');
    await fault('drop');
    await payTrade(c.id);
    const [dropped] = await notifications(c.id);
    const body = new URLSearchParams(dropped.params).toString();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${server.url}/notify/alipay/sandbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        }).then(async (r) => `${r.status} ${await r.text()}`),
      ),
    );
    expect(answers).toEqual(Array(10).fill('200 success'));
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('delayed notify: nothing happens until the notice is due, then it applies once', async () => {
    const c = await charge('qr');
    await fault('delay', { params: { ms: 120_000 } });
    await payTrade(c.id);
    expect((await current(c)).status).toBe('pending');
    core.clock.advance(119_999);
    await call(server, 'POST', '/api/v1/test_helpers/sandbox/alipay/notifications/deliver', {
      token: owner(),
    });
    expect((await current(c)).status).toBe('pending');
    core.clock.advance(1);
    const run = await call(server, 'POST', '/api/v1/test_helpers/sandbox/alipay/notifications/deliver', {
      token: owner(),
    });
    expect(run.body.attempts).toContainEqual(
      expect.objectContaining({ status: 200, body: 'success', acknowledged: true }),
    );
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('out-of-order notify: the payment notice arrives after the full-refund close; each changes what it should, once', async () => {
    const c = await charge('qr');
    await fault('reorder');
    await payTrade(c.id);
    expect((await current(c)).status).toBe('pending');
    await poll(await current(c));
    expect((await current(c)).status).toBe('succeeded');
    const refund = await createRefund(core, { chargeId: c.id });
    expect(refund.status).toBe('succeeded');
    const sent = (await notifications(c.id)).sort((a, b) => a.last_attempt_seq! - b.last_attempt_seq!);
    expect(sent.map((n) => [n.params.trade_status, n.params.refund_fee, n.state, n.last_result])).toEqual([
      ['TRADE_CLOSED', '10.00', 'delivered', '200 success'],
      ['TRADE_SUCCESS', undefined, 'delivered', '200 success'],
    ]);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect(await events(refund.id)).toEqual(['refund.created', 'refund.succeeded']);
    expect((await current(c)).amountRefunded).toBe(1000);
  });

  it('forged notify: the forged copy is refused and changes nothing; the genuine one is applied', async () => {
    const c = await charge('qr');
    await fault('forge');
    await payTrade(c.id);
    const attempts = () =>
      core.db.query<{ id: string; state: string; last_result: string | null }>(
        `SELECT n.id, n.state, n.last_result FROM alipay_sandbox_notifications n
         JOIN alipay_sandbox_trades t ON t.trade_no = n.trade_no WHERE t.out_trade_no = $1 ORDER BY n.seq`,
        [c.id],
      );
    // The genuine and the forged copy may be sent in either order, and the second may still
    // be on its way when the first is answered; each gets its own answer. The forged copy's
    // id is the genuine one's plus "f" (a genuine id may itself end in "f").
    const forgedFlags = async () => {
      const rows = await attempts();
      const forgedId = rows.find((r) => rows.some((g) => `${g.id}f` === r.id))?.id;
      return rows.map((a) => [a.id === forgedId, a.last_result]).sort();
    };
    await expect.poll(forgedFlags).toEqual([
      [false, '200 success'],
      [true, '400 fail'],
    ]);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('forged, tampered, replayed and malformed notifications change nothing; only a held one is acknowledged', async () => {
    const c = await charge('qr');
    const notifyUrl = `${server.url}/notify/alipay/sandbox`;
    const post = async (form: Record<string, string> | string, url = notifyUrl) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
      });
      return [response.status, await response.text()];
    };
    const genuine: Record<string, string> = {
      notify_time: '2026-03-01 16:00:00',
      notify_type: 'trade_status_sync',
      notify_id: 'n1',
      app_id: sandbox.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: '2026030122001400000000000001',
      out_trade_no: c.id,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '10.00',
      gmt_payment: '2026-03-01 16:00:00',
    };
    const signed = (form: Record<string, string>, key: string) => ({
      ...form,
      sign: rsa2Sign(signContent(form, ['sign', 'sign_type']), key),
    });
    const log = captureLog(core, 'warn');
    // Signed with somebody else's key.
    expect(await post(signed(genuine, stranger.privateKey))).toEqual([400, 'fail']);
    // Alipay's signature, then the amount changed.
    expect(await post({ ...signed(genuine, sandbox.alipayPrivateKey), total_amount: '0.01' })).toEqual([
      400,
      'fail',
    ]);
    // Correctly signed but for a different amount than the charge (a different order's notice).
    expect(await post(signed({ ...genuine, total_amount: '0.01' }, sandbox.alipayPrivateKey))).toEqual([
      400,
      'fail',
    ]);
    // Unsigned, empty, not a form, unknown config, unknown trade.
    expect(await post(genuine)).toEqual([400, 'fail']);
    expect(await post('')).toEqual([400, 'fail']);
    expect(await post('%%%&&&=')).toEqual([400, 'fail']);
    expect(
      await post(signed(genuine, sandbox.alipayPrivateKey), `${server.url}/notify/alipay/cc_nope`),
    ).toEqual([400, 'fail']);
    expect(
      await post(
        signed({ ...genuine, out_trade_no: 'ch_000000000000000000000000' }, sandbox.alipayPrivateKey),
      ),
    ).toEqual([400, 'fail']);
    log.restore();
    expect(await current(c)).toMatchObject({ status: 'pending', transactionNo: null });
    expect(await events(c.id)).toEqual(['charge.created']);
    // Every refusal is logged with its reason.
    expect(log.lines.filter((l) => l.msg === 'alipay notify refused').map((l) => l.reason)).toEqual([
      'bad_signature',
      'bad_signature',
      'amount_mismatch',
      'malformed',
      'malformed',
      'malformed',
      'unknown_config',
      'unknown_trade',
    ]);
    // The genuine notice applies; replaying it is acknowledged and changes nothing.
    expect(await post(signed(genuine, sandbox.alipayPrivateKey))).toEqual([200, 'success']);
    expect(await post(signed(genuine, sandbox.alipayPrivateKey))).toEqual([200, 'success']);
    expect(await current(c)).toMatchObject({ status: 'succeeded', transactionNo: genuine.trade_no });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('lost notify resolved by polling: the polling worker asks Alipay about the QR charge and applies the payment once', async () => {
    const c = await charge('qr');
    await fault('drop');
    await fetch(c.credential!.qr_code as string, { redirect: 'manual' });
    const paid = await testHelper(c, 'pay');
    expect(paid.body).toMatchObject({ status: 'pending', applied: false });
    expect((await notifications(c.id)).map((n) => [n.state, n.attempts])).toEqual([['dropped', 0]]);
    // Face-to-face QR payments are polled (Alipay's advice for precreate): first question after 5 s.
    core.clock.advance(4_999);
    await pollDue(core);
    expect((await current(c)).status).toBe('pending');
    core.clock.advance(1);
    await pollDue(core);
    expect(await current(c)).toMatchObject({
      status: 'succeeded',
      transactionNo: expect.stringMatching(/^\d{28}$/),
    });
    core.clock.advance(3_600_000);
    await pollDue(core);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('lost notify of a page payment: a query (the expiry close asks one at the latest) applies it once', async () => {
    const c = await charge('page');
    await fault('drop');
    const paid = await testHelper(c, 'pay');
    expect(paid.body).toMatchObject({ status: 'pending', applied: false });
    expect((await notifications(c.id)).map((n) => [n.state, n.attempts])).toEqual([['dropped', 0]]);
    const { result, applied } = await poll(await current(c));
    expect(result).toMatchObject({ status: 'succeeded', transactionNo: expect.stringMatching(/^\d{28}$/) });
    expect(applied.applied).toBe(true);
    expect((await poll(await current(c))).applied.applied).toBe(false);
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('upstream timeout resolved by query: precreate times out (channel_error, left pending); the polling worker finds the paid trade', async () => {
    await fault('timeout', { method: 'alipay.trade.precreate', params: { ms: 1500 } });
    // No QR content within the request: the create answers channel_error, the charge waits for the poller.
    const c = await expectUnknownCreate(gateway, () => charge('qr'));
    // The simulator did create the trade; only its answer is late.
    await fault('drop');
    await payTrade(c.id);
    expect((await current(c)).status).toBe('pending');
    core.clock.advance(5_000);
    await pollDue(core);
    expect((await current(c)).status).toBe('succeeded');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('a 5xx from the gateway or an answer that fails signature verification is unknown, never failed', async () => {
    const c = await charge('qr');
    await fault('error_5xx', { method: 'alipay.trade.query', params: { status: 503 } });
    expect((await poll(c)).result).toMatchObject({ status: 'unknown', needsPolling: true });
    // A client holding the wrong Alipay public key cannot verify the answer.
    const wrongKey = merchantSdk({ alipayPublicKey: stranger.publicKey });
    await expect(
      wrongKey.exec('alipay.trade.query', { bizContent: { out_trade_no: c.id } }, { validateSign: true }),
    ).rejects.toThrow(/验签失败/);
    expect((await current(c)).status).toBe('pending');
    expect(await events(c.id)).toEqual(['charge.created']);
  });

  it('notification retries follow Alipay: 4m, 10m, 10m, 1h, 2h, 6h, 15h, then it gives up', async () => {
    const answers: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        answers.push(body);
        response.end(answers.length === 3 ? 'SUCCESS' : 'fail');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alipay`;
    try {
      const created = await merchantSdk().exec(
        'alipay.trade.precreate',
        {
          notifyUrl: url,
          bizContent: { out_trade_no: `retry-${engine}`, total_amount: '0.01', subject: 'r' },
        },
        { validateSign: true },
      );
      expect(created.code).toBe('10000');
      const start = core.clock.now().getTime();
      const tradeNo = (created.qr_code as string).split('/').pop()!;
      await sim().pay(tradeNo);
      const schedule: number[] = [];
      const [{ id }] = await sim().notifications({ tradeNo });
      const attemptsOfThis = async () => (await sim().deliverDue()).filter((a) => a.id === id).length;
      for (const delay of NOTIFY_RETRY_DELAYS_MS) {
        const [row] = await sim().notifications({ tradeNo });
        schedule.push(new Date(row.next_at as string).getTime() - start);
        core.clock.advance(delay - 1);
        expect(await attemptsOfThis()).toBe(0);
        core.clock.advance(1);
        expect(await attemptsOfThis()).toBe(1);
      }
      expect(schedule).toEqual(
        NOTIFY_RETRY_DELAYS_MS.map((_, i) => NOTIFY_RETRY_DELAYS_MS.slice(0, i + 1).reduce((a, b) => a + b)),
      );
      const [last] = await sim().notifications({ tradeNo });
      // 'SUCCESS' is not 'success': Alipay keeps retrying until it gives up after 8 attempts.
      expect([last.state, last.attempts]).toEqual(['given_up', 8]);
      expect(answers.length).toBe(8);
      const form = Object.fromEntries(new URLSearchParams(answers[0]));
      expect(form).toMatchObject({
        out_trade_no: `retry-${engine}`,
        trade_status: 'TRADE_SUCCESS',
        total_amount: '0.01',
      });
      expect(merchantSdk().checkNotifySignV2(form)).toBe(true);
    } finally {
      receiver.close();
    }
  });

  it('test mode without a config: the connector gets an ordinary config, the simulator at its base URL', async () => {
    // What Alipay's sandbox portal would hand a developer: app id, keys and the gateway URL.
    const config = (await core.testModeConfigs!.configFor('alipay'))!;
    expect(config).toMatchObject({
      id: 'sandbox',
      livemode: false,
      provider: 'alipay',
      settings: { app_id: sandbox.appId, gateway_url: `${core.publicUrl}/sandbox/alipay/gateway.do` },
      secrets: { private_key: sandbox.appPrivateKey, alipay_public_key: sandbox.alipayPublicKey },
    });
    // Nothing in process shortcuts the socket: a simulator nobody listens for is unreachable (unknown).
    const c = await charge('qr');
    const unreachable = {
      ...config,
      settings: { ...config.settings, gateway_url: 'http://127.0.0.1:1/gateway.do' },
    };
    expect(
      await connector.query!({
        charge: c,
        config: unreachable,
        clock: core.clock,
        publicUrl: core.publicUrl,
      }),
    ).toMatchObject({ status: 'unknown', needsPolling: true });
    expect(await events(c.id)).toEqual(['charge.created']);
  });

  it('a receiver that calls the gateway from its notify handler (refunds at once) gets that notice too, no deadlock', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', async () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        received.push(`${form.trade_status}:${form.refund_fee ?? '-'}`);
        if (!form.refund_fee) {
          await merchantSdk().exec(
            'alipay.trade.refund',
            { bizContent: { out_trade_no: form.out_trade_no, refund_amount: '0.01', out_request_no: 'r1' } },
            { validateSign: true },
          );
        }
        response.end('success');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
      const created = await merchantSdk().exec(
        'alipay.trade.precreate',
        { notifyUrl: url, bizContent: { out_trade_no: `cb-${engine}`, total_amount: '0.01', subject: 'cb' } },
        { validateSign: true },
      );
      await sim().pay((created.qr_code as string).split('/').pop()!);
      expect(received).toEqual(['TRADE_SUCCESS:-', 'TRADE_CLOSED:0.01']);
    } finally {
      receiver.close();
    }
  });

  // ------------------------------------------------------------------ the simulator's gateway rules

  it.each([
    ['three decimals', { total_amount: '0.001' }, 'ACQ.INVALID_PARAMETER'],
    ['zero', { total_amount: '0' }, 'ACQ.INVALID_PARAMETER'],
    ['negative', { total_amount: '-1.00' }, 'ACQ.INVALID_PARAMETER'],
    ['exponent', { total_amount: '1e2' }, 'ACQ.INVALID_PARAMETER'],
    ['a number, not a string', { total_amount: 1 }, 'ACQ.INVALID_PARAMETER'],
    ['over the limit', { total_amount: '100000000.01' }, 'ACQ.TOTAL_FEE_EXCEED'],
    ['no subject', { subject: undefined }, 'ACQ.INVALID_PARAMETER'],
    ['no out_trade_no', { out_trade_no: undefined }, 'ACQ.INVALID_PARAMETER'],
  ])('precreate with %s -> 40004 %s (signed)', async (_name, change, subCode) => {
    const biz = {
      out_trade_no: `v-${engine}-${_name.replaceAll(' ', '-')}`,
      total_amount: '1.00',
      subject: 's',
      ...change,
    };
    const answer = await merchantSdk().exec(
      'alipay.trade.precreate',
      { bizContent: biz },
      { validateSign: true },
    );
    expect(answer).toMatchObject({ code: '40004', msg: 'Business Failed', sub_code: subCode });
  });

  it('same out_trade_no: identical content is idempotent, different content is ACQ.CONTEXT_INCONSISTENT', async () => {
    const sdk = merchantSdk();
    const biz = { out_trade_no: `dup-${engine}`, total_amount: '2.00', subject: 'tea' };
    const one = await sdk.exec('alipay.trade.precreate', { bizContent: biz }, { validateSign: true });
    const two = await sdk.exec('alipay.trade.precreate', { bizContent: biz }, { validateSign: true });
    expect(two.qr_code).toBe(one.qr_code);
    const other = await sdk.exec(
      'alipay.trade.precreate',
      { bizContent: { ...biz, total_amount: '3.00' } },
      { validateSign: true },
    );
    expect(other).toMatchObject({ code: '40004', sub_code: 'ACQ.CONTEXT_INCONSISTENT' });
  });

  it('a request signed with the wrong key, for an unknown app or with a refund over the balance is refused as Alipay does', async () => {
    const badSign = merchantSdk({ privateKey: stranger.privateKey });
    const biz = { bizContent: { out_trade_no: 'x', total_amount: '1.00', subject: 's' } };
    expect(await badSign.exec('alipay.trade.precreate', biz, { validateSign: true })).toMatchObject({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-signature',
    });
    const noApp = new AlipaySdk({
      appId: '9021000000000000',
      privateKey: sandbox.appPrivateKey!,
      gateway: `${server.url}/sandbox/alipay/gateway.do`,
      camelcase: false,
    });
    expect(await noApp.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } })).toMatchObject({
      code: '40002',
      sub_code: 'isv.invalid-app-id',
    });
    const c = await charge('barcode', { extra: { auth_code: '281234567890123456' } });
    expect(
      await merchantSdk().exec(
        'alipay.trade.refund',
        { bizContent: { out_trade_no: c.id, refund_amount: '10.01', out_request_no: 'over' } },
        { validateSign: true },
      ),
    ).toMatchObject({ code: '40004', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect(
      await merchantSdk().exec(
        'alipay.trade.query',
        { bizContent: { out_trade_no: 'nope' } },
        { validateSign: true },
      ),
    ).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  // ------------------------------------------------------------------ a merchant's own config

  it('a channel config with its own keys: requests use them and notifications verify at /notify/alipay/{config}', async () => {
    // The merchant made its own key pair and registered the public half with (simulated) Alipay.
    const simulated = await call(server, 'POST', '/api/v1/test_helpers/sandbox/alipay/apps', {
      token: owner(),
      body: { app_public_key: stranger.publicKey },
    });
    expect(simulated.status).toBe(201);
    expect(simulated.body.private_key).toBeNull();
    const configId = await configureChannel(
      gateway.appId,
      'alipay',
      { app_id: simulated.body.app_id, gateway_url: simulated.body.gateway_url },
      // As Alipay's key tool prints them: bare base64, PKCS#8 private key, SPKI public key.
      {
        private_key: createPrivateKey(stranger.privateKey)
          .export({ type: 'pkcs8', format: 'der' })
          .toString('base64'),
        alipay_public_key: (simulated.body.alipay_public_key as string).replace(/-----[^-]+-----|\s/g, ''),
      },
    );
    try {
      const c = await charge('qr');
      const trade = (await sim().findTrade(simulated.body.app_id, c.id))!;
      expect(trade.notifyUrl).toBe(`${server.url}/notify/alipay/${configId}`);
      await fetch(c.credential!.qr_code as string, { redirect: 'manual' });
      await payTrade(trade.tradeNo);
      expect((await current(c)).status).toBe('succeeded');
      expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
      // The default sandbox app's notice is not valid for this app's charges.
      const config = (await findChannelConfigById(core.db, core.box, configId))!;
      expect(config.settings.app_id).toBe(simulated.body.app_id);
    } finally {
      await core.db.query('DELETE FROM channel_configs WHERE id = $1', [configId]);
    }
  });
});
