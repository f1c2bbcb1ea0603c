import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant, issueCredentials, rsaKeyPair } from '../../core/apps/create-app.js';
import { revokeCredential } from '../../core/apps/credentials.js';
import { applyChargeResult } from '../../core/channel-results/apply-channel-result.js';
import { createCharge } from '../../core/payments/create-charge.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import type { Charge } from '../../domain/charge.js';
import { engines } from '../../../test/support/db.js';
import { type TestCore, testCore } from '../../../test/support/core.js';
import type { StoredEvent, Target } from '../../deliveries/format.js';
import { maxpayFormat } from './notification.js';

/** One merchant key for every app here, so issueCredentials only generates the platform pair. */
const { publicKeyPem: merchantPublicKeyPem } = rsaKeyPair();
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

const target: Target = {
  format: 'maxpay',
  url: 'https://merchant.test/maxpay/webhook',
  endpointId: 'we_1',
  headers: { 'x-custom': 'yes' },
  secrets: [],
};

async function eventOf(core: TestCore, objectId: string, type: string): Promise<StoredEvent> {
  const [r] = await core.db.query(`SELECT * FROM events WHERE object_id = $1 AND type = $2`, [
    objectId,
    type,
  ]);
  return {
    id: r.id,
    appId: r.app_id,
    livemode: r.livemode,
    type: r.type,
    objectType: r.object_type,
    objectId: r.object_id,
    data: r.data,
    createdAt: r.created_at,
  };
}

describe('maxpay notify format: schedule, events, acknowledgement', () => {
  it('retries after 1m, 5m, 10m, 30m, 1h, 2h, 4h, 8h, 16h, 24h and then stops', () => {
    const m = 60_000;
    expect(maxpayFormat.defaultSchedule).toEqual({
      kind: 'delays',
      delaysMs: [m, 5 * m, 10 * m, 30 * m, 60 * m, 120 * m, 240 * m, 480 * m, 960 * m, 1440 * m],
    });
    expect(maxpayFormat.eventTypes).toEqual(['charge.succeeded', 'refund.succeeded']);
  });

  it('is acknowledged by HTTP 200 exactly, whatever the body', () => {
    expect(maxpayFormat.isSuccess(200, '')).toBe(true);
    expect(maxpayFormat.isSuccess(200, 'fail')).toBe(true);
    for (const status of [201, 202, 204, 301, 400, 500])
      expect(maxpayFormat.isSuccess(status, 'success')).toBe(false);
  });
});

describe.each(engines())('maxpay notify format (%s)', (engine) => {
  let core: TestCore;
  let appId: string;
  let keys: Awaited<ReturnType<typeof issueCredentials>>['maxpay'];
  let paid: Charge;

  beforeAll(async () => {
    core = await testCore(engine);
    const merchant = await createMerchant(core.db, core, { name: 'Bookshop' });
    appId = (await createApp(core.db, core, { merchantId: merchant.id, name: 'Books' })).id;
    keys = (await issueCredentials(core.db, core, { appId, livemode: false, merchantPublicKeyPem })).maxpay;
    await issueCredentials(core.db, core, { appId, livemode: true, merchantPublicKeyPem });
    const charge = await createCharge(core, {
      appId,
      livemode: false,
      dialect: 'maxpay',
      orderNo: 'B-100',
      allowRebill: true,
      channel: 'wechatpay',
      method: 'qr',
      amount: 9900,
      currency: 'CNY',
      subject: '图书-支付战争',
      metadata: { '1': '2' },
    });
    core.clock.advance(30_000);
    paid = (await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: '4200000001' }))
      .charge;
  });
  afterAll(async () => {
    await core?.drop();
  });

  it('POSTs a charge.succeeded as JSON with sign = md5(appId + masterKey + timestamp) inside', async () => {
    const event = await eventOf(core, paid.id, 'charge.succeeded');
    const now = new Date('2026-03-01T08:05:00.123Z');
    const request = await maxpayFormat.build({
      q: core.db,
      core,
      event,
      target,
      notificationId: 'dlv_1',
      now,
    });
    expect(request).not.toBeNull();
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(target.url);
    expect(request!.headers).toEqual({
      'x-custom': 'yes',
      'content-type': 'application/json; charset=utf-8',
    });
    const body = JSON.parse(request!.body!);
    const timestamp = now.getTime();
    expect(body).toEqual({
      notificationId: 'dlv_1',
      eventId: event.id,
      type: 'charge.succeeded',
      transactionType: 'PAY',
      appId: keys.appId,
      livemode: false,
      bill: {
        id: paid.id,
        billNum: 'B-100',
        channel: 'wx_native',
        totalFee: 9900,
        currency: 'CNY',
        money: '99.00 CNY',
        status: 'success',
        createdTime: Date.parse('2026-03-01T08:00:00Z'),
        endTime: Date.parse('2026-03-01T08:00:30Z'),
        extras: { '1': '2' },
        subject: '图书-支付战争',
        refundFee: 0,
        tradeNo: '4200000001',
      },
      timestamp,
      sign: md5(`${keys.appId}${keys.masterKey}${timestamp}`),
    });
    // what a receiver does: concatenate the three as text and compare
    expect(body.sign).toMatch(/^[0-9a-f]{32}$/);
    expect(md5(keys.appId + keys.masterKey + String(body.timestamp))).toBe(body.sign);
  });

  it('keeps the notification id and re-signs a fresh timestamp on every attempt', async () => {
    const event = await eventOf(core, paid.id, 'charge.succeeded');
    const first = JSON.parse(
      (await maxpayFormat.build({
        q: core.db,
        core,
        event,
        target,
        notificationId: 'dlv_1',
        now: new Date(1_000),
      }))!.body!,
    );
    const second = JSON.parse(
      (await maxpayFormat.build({
        q: core.db,
        core,
        event,
        target,
        notificationId: 'dlv_1',
        now: new Date(61_000),
      }))!.body!,
    );
    expect(second.notificationId).toBe(first.notificationId);
    expect(second.bill).toEqual(first.bill);
    expect([first.timestamp, second.timestamp]).toEqual([1_000, 61_000]);
    expect(second.sign).toBe(md5(`${keys.appId}${keys.masterKey}61000`));
    expect(second.sign).not.toBe(first.sign);
  });

  it('POSTs a refund.succeeded with the refund and the bill now in status refund', async () => {
    core.clock.advance(60_000);
    const refund = await createRefund(core, { chargeId: paid.id, amount: 900, refundNo: 'R-1' });
    expect(refund.status).toBe('succeeded');
    const event = await eventOf(core, refund.id, 'refund.succeeded');
    const now = new Date('2026-03-01T09:00:00Z');
    const request = await maxpayFormat.build({
      q: core.db,
      core,
      event,
      target,
      notificationId: 'dlv_2',
      now,
    });
    const body = JSON.parse(request!.body!);
    expect(body).toEqual({
      notificationId: 'dlv_2',
      eventId: event.id,
      type: 'refund.succeeded',
      transactionType: 'REFUND',
      appId: keys.appId,
      livemode: false,
      bill: expect.objectContaining({
        id: paid.id,
        billNum: 'B-100',
        status: 'refund',
        refundFee: 900,
        totalFee: 9900,
      }),
      refund: {
        id: refund.id,
        refundNo: 'R-1',
        refundFee: 900,
        currency: 'CNY',
        money: '9.00 CNY',
        status: 'success',
        createdTime: Date.parse('2026-03-01T08:01:30Z'),
        endTime: Date.parse('2026-03-01T08:01:30Z'),
        tradeNo: refund.transactionNo,
      },
      timestamp: now.getTime(),
      sign: md5(`${keys.appId}${keys.masterKey}${now.getTime()}`),
    });
  });

  it('has nothing to send for other events or app-less events', async () => {
    const created = await eventOf(core, paid.id, 'charge.created');
    expect(
      await maxpayFormat.build({
        q: core.db,
        core,
        event: created,
        target,
        notificationId: 'd',
        now: new Date(),
      }),
    ).toBeNull();
    const succeeded = await eventOf(core, paid.id, 'charge.succeeded');
    expect(
      await maxpayFormat.build({
        q: core.db,
        core,
        event: { ...succeeded, appId: null },
        target,
        notificationId: 'd',
        now: new Date(),
      }),
    ).toBeNull();
  });

  it('signs live events with the live credential, and fails visibly without one', async () => {
    const succeeded = await eventOf(core, paid.id, 'charge.succeeded');
    const live = { ...succeeded, livemode: true };
    const [liveKey] = await core.db.query<{ id: string; public_id: string }>(
      `SELECT id, public_id FROM app_credentials WHERE app_id = $1 AND kind = 'maxpay' AND livemode = true`,
      [appId],
    );
    const request = await maxpayFormat.build({
      q: core.db,
      core,
      event: live,
      target,
      notificationId: 'd',
      now: new Date(5),
    });
    expect(JSON.parse(request!.body!).appId).toBe(liveKey.public_id);
    expect(JSON.parse(request!.body!).livemode).toBe(true);
    await revokeCredential(core.db, liveKey.id, core.clock.now());
    await expect(
      maxpayFormat.build({ q: core.db, core, event: live, target, notificationId: 'd', now: new Date(5) }),
    ).rejects.toThrow(/no live MaxPay credential/);
  });
});
