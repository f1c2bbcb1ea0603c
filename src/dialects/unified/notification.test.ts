import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant, issueCredentials } from '../../core/apps/create-app.js';
import { revokeCredential } from '../../core/apps/credentials.js';
import { applyChargeResult } from '../../core/channel-results/apply-channel-result.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import { toCharge } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { pay } from './cashier.js';
import { signedEntryParams } from './entry-url.js';
import { answer, receiver, testEngine } from '../../../test/deliveries/support.js';
import { engines } from '../../../test/support/db.js';
import { type TestCore, testCore } from '../../../test/support/core.js';
import type { StoredEvent, Target } from '../../deliveries/format.js';
import { bgUrlBase, unifiedFormat } from './notification.js';

// As the server does where the process is wired: these suites run the engine without one.

/** The merchant's check, written from the document: sorted non-empty values + secret, sha1. */
function merchantVerifies(query: URLSearchParams, secret: string): boolean {
  const values = [...query].filter(([k, v]) => k !== 'sign' && v !== '').map(([, v]) => v);
  const expected = createHash('sha1')
    .update([...values, secret].sort().join(''), 'utf8')
    .digest('hex');
  return query.get('sign') === expected;
}

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

const target = (url: string): Target => ({
  format: 'unified',
  url,
  endpointId: null,
  headers: {},
  secrets: [],
});

describe('unified notify format: schedule, events, acknowledgement', () => {
  it("retries on WeChat Pay's schedule: 16 attempts over about a day", () => {
    const s = 1000;
    const m = 60 * s;
    const h = 60 * m;
    expect(unifiedFormat.defaultSchedule).toEqual({
      kind: 'delays',
      delaysMs: [
        15 * s,
        15 * s,
        30 * s,
        3 * m,
        10 * m,
        20 * m,
        30 * m,
        30 * m,
        30 * m,
        60 * m,
        3 * h,
        3 * h,
        3 * h,
        6 * h,
        6 * h,
      ],
    });
    expect(unifiedFormat.eventTypes).toEqual([
      'charge.succeeded',
      'charge.failed',
      'charge.closed',
      'charge.canceled',
      'refund.succeeded',
      'refund.failed',
    ]);
  });

  it('is acknowledged only by the body "success" on a 2xx answer', () => {
    expect(unifiedFormat.isSuccess(200, 'success')).toBe(true);
    expect(unifiedFormat.isSuccess(200, 'success\n')).toBe(true);
    for (const body of ['', 'ok', 'SUCCESS', 'fail', '{"result":"success"}']) {
      expect(unifiedFormat.isSuccess(200, body)).toBe(false);
    }
    for (const status of [301, 404, 500]) expect(unifiedFormat.isSuccess(status, 'success')).toBe(false);
  });
});

describe.each(engines())('unified notify format (%s)', (engine) => {
  let core: TestCore;
  let appId: string;
  let keys: { domainCode: string; domainSecret: string };

  const startPayment = async (bgUrl: string, order: Record<string, string> = {}): Promise<Charge> => {
    const requestKey = `rk-${Math.random().toString(36).slice(2)}`;
    const params = signedEntryParams(
      {
        domainCode: keys.domainCode,
        money: '2',
        info: '报名费',
        requestKey,
        currencyType: 'CNY',
        bgUrl,
        pageUrl: 'http://merchant.test/done',
        ...order,
      },
      keys.domainSecret,
    );
    await pay(core, 'pc', { ...params, payTypeCode: order.payTypeCode ?? 'Alipay' }, '10.0.0.1');
    const [row] = await core.db.query('SELECT * FROM charges WHERE order_no = $1', [requestKey]);
    return toCharge(row);
  };

  beforeAll(async () => {
    core = await testCore(engine);
    const merchant = await createMerchant(core.db, core, { name: 'Marathon' });
    appId = (await createApp(core.db, core, { merchantId: merchant.id, name: 'signup' })).id;
    keys = (await issueCredentials(core.db, core, { appId, livemode: false })).unified;
  });

  afterAll(async () => {
    await core?.drop();
  });

  it('builds the documented GET with every field, signed like a unified request', async () => {
    const charge = await startPayment('http://mls.com/payNotify');
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'ali_1' });
    const event = await eventOf(core, charge.id, 'charge.succeeded');
    const request = await unifiedFormat.build({
      q: core.db,
      core,
      event,
      target: target('http://mls.com/payNotify'),
      notificationId: 'n1',
      now: core.clock.now(),
    });
    const paidAt = new Date(event.data.paid_at as string).getTime();
    const query = new URLSearchParams({
      money: '2',
      requestKey: charge.orderNo,
      payTime: String(paidAt),
      orderSn: charge.orderSn,
      payTypeCode: 'Alipay',
      payTypeName: '支付宝支付',
      currencyType: 'CNY',
      payStatus: 'SUCCESSPAY',
      domainCode: keys.domainCode,
    });
    const sign = createHash('sha1')
      .update([...query.values(), keys.domainSecret].sort().join(''), 'utf8')
      .digest('hex');
    expect(request).toEqual({
      method: 'GET',
      url:
        `http://mls.com/payNotify?money=2&requestKey=${charge.orderNo}&payTime=${paidAt}` +
        `&orderSn=${charge.orderSn}&payTypeCode=Alipay&payTypeName=${encodeURIComponent('支付宝支付')}` +
        `&currencyType=CNY&payStatus=SUCCESSPAY&domainCode=${keys.domainCode}&sign=${sign}`,
      headers: {},
    });
    expect(merchantVerifies(new URL(request!.url).searchParams, keys.domainSecret)).toBe(true);
  });

  it("reports the merchant's own price and currency, not the converted charge", async () => {
    const charge = await startPayment('http://mls.com/n', {
      money: '1000',
      currencyType: 'USD',
      rate: '6.8',
      payTypeCode: 'Wechat',
    });
    expect(charge).toMatchObject({ amount: 6800, currency: 'CNY' });
    await applyChargeResult(core, charge.id, { status: 'succeeded' });
    const request = await unifiedFormat.build({
      q: core.db,
      core,
      event: await eventOf(core, charge.id, 'charge.succeeded'),
      target: target('http://mls.com/n?site=2#frag'),
      notificationId: 'n2',
      now: core.clock.now(),
    });
    const url = new URL(request!.url);
    expect(url.origin + url.pathname).toBe('http://mls.com/n');
    expect(url.hash).toBe('');
    expect(url.searchParams.get('site')).toBe('2');
    expect(url.searchParams.get('money')).toBe('1000');
    expect(url.searchParams.get('currencyType')).toBe('USD');
    expect(url.searchParams.get('payTypeName')).toBe('微信支付');
    url.searchParams.delete('site');
    expect(merchantVerifies(url.searchParams, keys.domainSecret)).toBe(true);
  });

  it('carries nothing but charge.succeeded', async () => {
    const charge = await startPayment('http://mls.com/n');
    const created = await eventOf(core, charge.id, 'charge.created');
    const built = await unifiedFormat.build({
      q: core.db,
      core,
      event: created,
      target: target('http://mls.com/n'),
      notificationId: 'n3',
      now: core.clock.now(),
    });
    expect(built).toBeNull();
  });

  it("signs with the app's current domain after the order's domainCode was rotated", async () => {
    const charge = await startPayment('http://mls.com/n');
    await applyChargeResult(core, charge.id, { status: 'succeeded' });
    const [old] = await core.db.query(
      `SELECT id FROM app_credentials WHERE kind = 'unified' AND public_id = $1`,
      [keys.domainCode],
    );
    await revokeCredential(core.db, old.id, core.clock.now());
    const fresh = (await issueCredentials(core.db, core, { appId, livemode: false })).unified;
    const request = await unifiedFormat.build({
      q: core.db,
      core,
      event: await eventOf(core, charge.id, 'charge.succeeded'),
      target: target('http://mls.com/n'),
      notificationId: 'n4',
      now: core.clock.now(),
    });
    const query = new URL(request!.url).searchParams;
    expect(query.get('domainCode')).toBe(fresh.domainCode);
    expect(merchantVerifies(query, fresh.domainSecret)).toBe(true);
    keys = fresh;
  });

  it('is delivered to bgUrl by the notify engine and retried until the merchant says success', async () => {
    let calls = 0;
    const merchant = await receiver(core.clock, (req, res) => {
      calls += 1;
      const ok = merchantVerifies(new URL(req.url, 'http://x').searchParams, keys.domainSecret);
      answer(200, calls === 1 ? 'fail' : ok ? 'success' : 'bad sign')(req, res, undefined as never);
    });
    const notifier = testEngine(core);
    try {
      await notifier.runDue(); // drain what the earlier tests left in the outbox
      const charge = await startPayment(`${merchant.url}/payNotify`);
      await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'ali_2' });
      await notifier.runDue();
      expect(merchant.requests).toHaveLength(1);
      expect(merchant.requests[0]!.method).toBe('GET');
      expect(merchant.requests[0]!.url).toMatch(/^\/payNotify\?money=2&requestKey=/);
      const succeeded = await eventOf(core, charge.id, 'charge.succeeded');
      const [first] = await core.db.query(`SELECT * FROM deliveries WHERE event_id = $1`, [succeeded.id]);
      expect(first).toMatchObject({ status: 'pending', attempts: 1, format: 'unified' });

      core.clock.advance(15_000);
      await notifier.runDue();
      expect(merchant.requests).toHaveLength(2);
      expect(merchant.requests[1]!.url).toBe(merchant.requests[0]!.url);
      const [done] = await core.db.query(`SELECT * FROM deliveries WHERE id = $1`, [first.id]);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      await notifier.close();
      await merchant.close();
    }
  });

  const built = (event: StoredEvent, url = 'http://mls.com/payNotify') =>
    unifiedFormat.build({
      q: core.db,
      core,
      event,
      target: target(url),
      notificationId: 'n',
      now: core.clock.now(),
    });
  const eventFor = (type: string, objectType: string, objectId: string): StoredEvent => ({
    id: `evt_${type}_${objectId}`,
    appId,
    livemode: false,
    type,
    objectType,
    objectId,
    data: {},
    createdAt: core.clock.now(),
  });

  it('reports refunds (SUCCESSREFUND, FAILUREREFUND) with the order money, signed like the rest', async () => {
    const charge = await startPayment('http://mls.com/payNotify');
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'ali_r' });
    const refund = await createRefund(core, { chargeId: charge.id, amount: 1 });
    for (const [type, payStatus] of [
      ['refund.succeeded', 'SUCCESSREFUND'],
      ['refund.failed', 'FAILUREREFUND'],
    ] as const) {
      const request = await built(eventFor(type, 'refund', refund.id));
      const query = new URL(request!.url).searchParams;
      expect(Object.fromEntries(query)).toMatchObject({
        money: '2',
        requestKey: charge.orderNo,
        orderSn: charge.orderSn,
        payStatus,
        domainCode: keys.domainCode,
      });
      expect(merchantVerifies(query, keys.domainSecret)).toBe(true);
    }
    // A refund in flight is not sent: its outcome follows.
    expect(await built(eventFor('refund.created', 'refund', refund.id))).toBeNull();
  });

  it('reports a closed or failed order, but not an attempt the payer replaced', async () => {
    const charge = await startPayment('http://mls.com/payNotify');
    for (const [type, payStatus] of [
      ['charge.closed', 'CLOSED'],
      ['charge.canceled', 'CLOSED'],
      ['charge.failed', 'FAILUREPAY'],
    ] as const) {
      const request = await built(eventFor(type, 'charge', charge.id));
      expect(new URL(request!.url).searchParams.get('payStatus')).toBe(payStatus);
    }
    // The payer switches to WeChat: the Alipay attempt is closed, the order is not.
    const params = signedEntryParams(
      {
        domainCode: keys.domainCode,
        money: '2',
        info: '报名费',
        requestKey: charge.orderNo,
        currencyType: 'CNY',
        bgUrl: 'http://mls.com/payNotify',
        pageUrl: 'http://merchant.test/done',
      },
      keys.domainSecret,
    );
    await pay(core, 'pc', { ...params, payTypeCode: 'Wechat' }, '10.0.0.1');
    expect(await built(eventFor('charge.closed', 'charge', charge.id))).toBeNull();
  });
});

describe('unified bgUrl base', () => {
  it('appends to a bare bgUrl, keeps foreign parameters and drops our own and the fragment', () => {
    expect(bgUrlBase('http://mls.com/payNotify')).toBe('http://mls.com/payNotify?');
    expect(bgUrlBase('http://m/n?site=2#frag')).toBe('http://m/n?site=2&');
    expect(bgUrlBase('http://m/n?')).toBe('http://m/n?');
    expect(bgUrlBase('http://m/n?money=1&site=2&sign=abc&pay%54ime=3')).toBe('http://m/n?site=2&');
    expect(bgUrlBase('http://m/n?a%ZZ=1&sign=x')).toBe('http://m/n?a%ZZ=1&');
  });
});
