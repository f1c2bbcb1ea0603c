import { createVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../../../test/support/core.js';
import { engines } from '../../../test/support/db.js';
import { connectorRegistry } from '../../channels/registry.js';
import { sandboxConnector } from '../../channels/sandbox/sandbox.js';
import {
  type IssuedCredentials,
  createApp,
  createMerchant,
  issueCredentials,
} from '../../core/apps/create-app.js';
import { applyChargeResult, applyRefundResult } from '../../core/channel-results/apply-channel-result.js';
import { endUnpaidCharge } from '../../core/payments/cancel-charge.js';
import { type ChargeCreateParams, createCharge } from '../../core/payments/create-charge.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import { verifySha1WithRsa } from './signature.js';
import type { StoredEvent, Target } from '../../deliveries/format.js';
import { PAYMAX_EVENT_TYPES, paymaxFormat } from './notification.js';

const captured = JSON.parse(
  readFileSync(new URL('./fixtures/success.json', import.meta.url), 'utf8'),
).request;

const target: Target = {
  format: 'paymax',
  url: 'https://merchant.example/payMax_webHook',
  endpointId: 'we_1',
  headers: { 'X-Shop': 'north', sign: 'must-not-survive' },
  secrets: [],
};

describe.each(engines())('paymax webhook format (%s)', (engine) => {
  let core: TestCore;
  let creds: IssuedCredentials;
  let appId: string;
  let seq = 0;

  beforeAll(async () => {
    // Alipay refunds stay pending (merchant-confirmed), so refund.failed can be produced.
    const alipay = {
      ...sandboxConnector(),
      name: 'alipay-confirming',
      refund: async () => ({ status: 'pending' as const }),
    };
    core = await testCore(engine, {
      connectors: connectorRegistry({ alipay, wechatpay: sandboxConnector() }),
    });
    const merchant = await createMerchant(core.db, core, { name: 'Shop' });
    const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'Shop app' });
    appId = app.id;
    creds = await issueCredentials(core.db, core, { appId, livemode: false });
  });

  afterAll(async () => {
    await core?.drop();
  });

  const charge = (overrides: Partial<ChargeCreateParams> = {}) =>
    createCharge(core, {
      appId,
      livemode: false,
      dialect: 'paymax',
      orderNo: `WH${String(++seq).padStart(8, '0')}`,
      channel: 'wechatpay',
      method: 'qr',
      amount: 321,
      currency: 'CNY',
      subject: '我系商品',
      body: '我系中文',
      clientIp: '127.0.0.1',
      extra: { open_id: 'obc-jswk25IUGp3q8RPTYu083rmk' },
      ...overrides,
    });

  async function eventOf(objectId: string, type: string): Promise<StoredEvent> {
    const [r] = await core.db.query(`SELECT * FROM events WHERE object_id = $1 AND type = $2`, [
      objectId,
      type,
    ]);
    expect(r, `${type} event of ${objectId}`).toBeDefined();
    return {
      id: r.id,
      appId: r.app_id,
      livemode: r.livemode,
      type: r.type,
      objectType: r.object_type,
      objectId: r.object_id,
      data: r.data,
      createdAt: new Date(r.created_at),
    };
  }

  async function build(event: StoredEvent) {
    return paymaxFormat.build({
      q: core.db,
      core,
      event,
      target,
      notificationId: 'dlv_1',
      now: core.clock.now(),
    });
  }

  /** Checks the request the way a merchant's SDK does, and returns the parsed body. */
  function received(request: Awaited<ReturnType<typeof build>>) {
    expect(request).not.toBeNull();
    const { method, url, headers, body } = request!;
    expect(method).toBe('POST');
    expect(url).toBe(target.url);
    expect(headers['Content-Type']).toBe('application/json;charset=UTF-8');
    expect(headers['X-Shop']).toBe('north');
    expect(Object.keys(headers).filter((h) => h.toLowerCase() === 'sign')).toEqual(['Sign']);
    // Our verifier and an independent node:crypto check, with the platform public key.
    expect(verifySha1WithRsa(body!, headers.Sign, creds.paymax.platformPublicKeyPem)).toBe(true);
    const verifier = createVerify('RSA-SHA1');
    verifier.update(Buffer.from(body!, 'utf8'));
    expect(verifier.verify(creds.paymax.platformPublicKeyPem, headers.Sign, 'base64')).toBe(true);
    expect(
      verifySha1WithRsa(body!.replace('"type"', '"Type"'), headers.Sign, creds.paymax.platformPublicKeyPem),
    ).toBe(false);
    return JSON.parse(body!);
  }

  it('sends charge.succeeded as the captured real deliveries look, signed with the platform key', async () => {
    // As in the capture: the client sent an empty description.
    const created = await charge({ description: '' });
    core.clock.advance(60_000);
    await applyChargeResult(core, created.id, { status: 'succeeded', transactionNo: '17060520566929' });
    const event = await eventOf(created.id, 'charge.succeeded');
    const message = received(await build(event));

    // Same envelope as the capture, keys in the same (alphabetical) order.
    expect(Object.keys(message)).toEqual(Object.keys(JSON.parse(captured.content)));
    expect(message).toMatchObject({
      notifyNo: event.id,
      timeCreated: event.createdAt.getTime(),
      type: 'CHARGE',
    });
    expect(message.notifyNo).toMatch(/^evt_/);
    // Every field the real service sent is there, with the same types.
    const real = JSON.parse(captured.content).data;
    for (const [key, value] of Object.entries(real)) {
      expect(typeof message.data[key], key).toBe(typeof value);
    }
    expect(message.data).toMatchObject({
      id: created.id,
      amount: 3.21,
      amount_refunded: 0,
      amount_settle: 0,
      app: creds.paymax.app,
      channel: 'wechat_csb',
      credential: { wechat_csb: { qr_code: expect.any(String) } },
      currency: 'cny',
      extra: { open_id: 'obc-jswk25IUGp3q8RPTYu083rmk' },
      livemode: false,
      order_no: created.orderNo,
      refunds: [],
      status: 'SUCCEED',
      time_created: created.createdAt.getTime(),
      time_paid: core.clock.now().getTime(),
      transaction_no: '17060520566929',
    });
  });

  it('builds data from the current state, so a late delivery shows later refunds', async () => {
    const created = await charge({ channel: 'wechatpay', method: 'app' });
    await applyChargeResult(core, created.id, { status: 'succeeded', transactionNo: 'T1' });
    const refund = await createRefund(core, { chargeId: created.id, amount: 100, description: '部分退款' });
    const message = received(await build(await eventOf(created.id, 'charge.succeeded')));
    expect(message.data).toMatchObject({ status: 'SUCCEED', amount_refunded: 1, refunded: true });
    expect(message.data.refunds.map((r: any) => r.id)).toEqual([refund.id]);

    const refundMessage = received(await build(await eventOf(refund.id, 'refund.succeeded')));
    expect(refundMessage.type).toBe('REFUND');
    expect(refundMessage.data).toMatchObject({
      id: refund.id,
      charge: created.id,
      amount: 1,
      description: '部分退款',
      order_no: created.orderNo,
      status: 'SUCCEED',
      time_succeed: core.clock.now().getTime(),
    });
  });

  it('sends every refund status change: a merchant-confirmed Alipay refund that fails', async () => {
    const created = await charge({ channel: 'alipay', method: 'page', extra: {} });
    await applyChargeResult(core, created.id, { status: 'succeeded', transactionNo: 'A1' });
    const refund = await createRefund(core, { chargeId: created.id, description: '退款' });
    expect(refund.status).toBe('pending');
    // Nothing changed status yet: refund.created is not a Paymax notification.
    expect(await build(await eventOf(refund.id, 'refund.created'))).toBeNull();
    await applyRefundResult(core, refund.id, { status: 'failed', failureMessage: 'not confirmed in time' });
    const message = received(await build(await eventOf(refund.id, 'refund.failed')));
    expect(message).toMatchObject({ type: 'REFUND' });
    expect(message.data).toMatchObject({
      status: 'FAILED',
      amount: 3.21,
      failure_code: 'CHANNEL_REFUND_FAILED',
      failure_msg: 'not confirmed in time',
      extra: {},
    });
  });

  it('sends an expired charge as FAILED "TimeOut", like the captured failed.json', async () => {
    const created = await charge();
    await endUnpaidCharge(core, created.id, 'closed');
    const message = received(await build(await eventOf(created.id, 'charge.closed')));
    expect(message.data).toMatchObject({ status: 'FAILED', failure_msg: 'TimeOut', failure_code: null });
  });

  it('carries only the end states and refund changes; charge.created has nothing to send', async () => {
    const created = await charge();
    expect(await build(await eventOf(created.id, 'charge.created'))).toBeNull();
    expect(paymaxFormat.eventTypes).toEqual(PAYMAX_EVENT_TYPES);
    expect(paymaxFormat.eventTypes).toContain('charge.succeeded');
    expect(paymaxFormat.eventTypes).toContain('refund.succeeded');
    expect(paymaxFormat.eventTypes).toContain('refund.failed');
  });

  it('is acknowledged by HTTP 200 and retries exponentially for 3 days', () => {
    expect(paymaxFormat.isSuccess(200, 'success')).toBe(true);
    expect(paymaxFormat.isSuccess(200, '')).toBe(true);
    for (const status of [201, 204, 302, 400, 500])
      expect(paymaxFormat.isSuccess(status, 'success')).toBe(false);
    expect(paymaxFormat.defaultSchedule).toEqual({
      kind: 'exponential',
      baseMs: 15_000,
      capMs: 4 * 3600_000,
      maxElapsedMs: 3 * 24 * 3600_000,
    });
  });
});
