import { createHash, createVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/core/apps/stores.js';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { dispatchOutbox } from '../../src/deliveries/dispatch.js';
import { updateEndpoint } from '../../src/deliveries/endpoints.js';
import type { NotifyEngine } from '../../src/deliveries/worker.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { chargeParams, paidCharge, seedApp } from '../support/fixtures.js';
import {
  type Receiver,
  answer,
  attemptRows,
  deliveryRows,
  driveSchedule,
  endpoint,
  receiver,
  testEngine,
} from './support.js';

// As the server does where the process is wired: these suites run the engine without one.

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const SAMPLES = new URL('../../../shared/specs/samples/paymax-webhook/', import.meta.url);

/** Independent paymax check: SHA1withRSA over the raw body, base64, with the platform public key. */
function paymaxSignatureValid(body: string, sign: string, publicKeyPem: string): boolean {
  return createVerify('RSA-SHA1').update(body, 'utf8').verify(publicKeyPem, sign, 'base64');
}

/** Independent store check (document 2.5): md5(sha1("k=v&..." over all but sign, plus open_key, sorted by key)). */
function storeSignatureValid(query: URLSearchParams, openKey: string): boolean {
  const fields = Object.fromEntries(query);
  const given = fields.sign;
  delete fields.sign;
  fields.open_key = openKey;
  const text = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sha1 = createHash('sha1').update(text, 'utf8').digest('hex');
  return createHash('md5').update(sha1, 'utf8').digest('hex') === given;
}

/** Independent unified check: sha1 of every non-empty value and the secret, sorted as strings, concatenated. */
function unifiedSignatureValid(query: URLSearchParams, secret: string): boolean {
  const values = [...query].filter(([k, v]) => k !== 'sign' && v !== '').map(([, v]) => v);
  const text = [...values, secret].sort().join('');
  return createHash('sha1').update(text, 'utf8').digest('hex') === query.get('sign');
}

/** Cumulative offsets of a list of waits, after a first attempt at 0. */
const cumulative = (waits: number[]) => waits.reduce((acc, w) => [...acc, acc[acc.length - 1] + w], [0]);

describe('the independent paymax verifier', () => {
  it('accepts both captured real deliveries with the published key, and rejects a changed body', () => {
    const key = readFileSync(new URL('paymax-public-key.pem', SAMPLES), 'utf8');
    for (const name of ['success.json', 'failed.json']) {
      const sample = JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8'));
      const headers = sample.request.headers as Record<string, string[]>;
      const sign = headers.Sign[0];
      const body: string = sample.request.content;
      expect(paymaxSignatureValid(body, sign, key)).toBe(true);
      expect(paymaxSignatureValid(body.replace('"', ' "'), sign, key)).toBe(false);
    }
  });
});

describe.each(engines())('dialect notification formats through the engine (%s)', (engine) => {
  let core: TestCore;
  let appId: string;
  let credentials: IssuedCredentials;
  let worker: NotifyEngine;
  const receivers: Receiver[] = [];
  const open = async (handler = answer(500, 'no')) => {
    const r = await receiver(core.clock, handler);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    core = await testCore(engine);
    ({
      app: { id: appId },
      credentials,
    } = await seedApp(core));
    worker = testEngine(core);
  });
  afterAll(async () => {
    await worker.close();
    await Promise.all(receivers.map((r) => r.close()));
    await core.drop();
  });

  it('maxpay: signed JSON POST, 200 only, retries at 1m, 5m, 10m, 30m, 1h, 2h, 4h, 8h, 16h, 24h, then stops', async () => {
    const r = await open(answer(201, 'created'));
    const e = await endpoint(core, { appId, url: r.url, format: 'maxpay', events: ['charge.succeeded'] });
    const charge = await paidCharge(core, appId, { dialect: 'maxpay' });
    await dispatchOutbox(core);
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    const offsets = await driveSchedule(core, worker, r, row.id);
    expect(offsets).toEqual(
      cumulative([
        MIN,
        5 * MIN,
        10 * MIN,
        30 * MIN,
        HOUR,
        2 * HOUR,
        4 * HOUR,
        8 * HOUR,
        16 * HOUR,
        24 * HOUR,
      ]),
    );
    const [done] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(done).toMatchObject({ status: 'failed', attempts: 11, last_response_status: 201 });
    expect(done.last_error).toBe('not acknowledged: HTTP 201, body not accepted by the maxpay format');
    for (const req of r.requests) {
      expect(req.method).toBe('POST');
      const body = JSON.parse(req.body);
      // sign = md5(appId + masterKey + timestamp), timestamp (ms) of this very attempt
      expect(body.sign).toBe(
        createHash('md5')
          .update(`${credentials.maxpay.appId}${credentials.maxpay.masterKey}${body.timestamp}`)
          .digest('hex'),
      );
      expect(body.timestamp).toBe(req.at.getTime());
      expect(body.bill).toMatchObject({ billNum: charge.orderNo, totalFee: 1000 });
    }
    // A 200 acknowledges.
    r.handler = answer(200, '');
    const next = await paidCharge(core, appId, { dialect: 'maxpay' });
    await worker.runDue();
    const [ok] = await deliveryRows(core, "d.endpoint_id = $1 AND d.status = 'succeeded'", [e.id]);
    expect(JSON.parse(r.requests.at(-1)!.body).bill.billNum).toBe(next.orderNo);
    expect(ok.attempts).toBe(1);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('paymax: Sign header verifies with the platform key; exponential 15 s doubling to 4 h, for 3 days', async () => {
    const r = await open(answer(500));
    const e = await endpoint(core, { appId, url: r.url, format: 'paymax', events: ['*'] });
    const charge = await paidCharge(core, appId, { dialect: 'paymax' });
    await dispatchOutbox(core);
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(row.event_type).toBe('charge.succeeded');
    const offsets = await driveSchedule(core, worker, r, row.id);
    const doubling = [15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 14400].map((s) => s * S);
    const expected = cumulative([...doubling, ...Array(15).fill(4 * HOUR)]);
    expect(expected.at(-1)).toBe(68 * HOUR + 15 * MIN + 45 * S);
    expect(offsets).toEqual(expected);
    const [done] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(done).toMatchObject({ status: 'failed', attempts: 27 });
    for (const req of r.requests) {
      expect(
        paymaxSignatureValid(req.body, String(req.headers.sign), credentials.paymax.platformPublicKeyPem),
      ).toBe(true);
      const body = JSON.parse(req.body);
      expect(body).toMatchObject({ type: 'CHARGE', notifyNo: row.event_id });
      expect(body.data.id).toBe(charge.id);
    }
    r.handler = answer(200, 'whatever');
    await paidCharge(core, appId, { dialect: 'paymax' });
    await worker.runDue();
    const succeeded = await deliveryRows(core, "d.endpoint_id = $1 AND d.status = 'succeeded'", [e.id]);
    expect(succeeded).toHaveLength(1);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('unified: signed GET to the order bgUrl; only the literal body "success" acknowledges', async () => {
    const r = await open(answer(200, 'SUCCESS'));
    const created = await createCharge(
      core,
      chargeParams(appId, { dialect: 'unified', notifyUrl: r.url + '/bg' }),
    );
    await applyChargeResult(core, created.id, { status: 'succeeded', transactionNo: 'tx-u-1' });
    await dispatchOutbox(core);
    const [row] = await deliveryRows(core, "d.format = 'unified' AND d.url = $1", [r.url + '/bg']);
    expect(row).toMatchObject({ endpoint_id: null, event_type: 'charge.succeeded' });
    const offsets = await driveSchedule(core, worker, r, row.id);
    expect(offsets).toEqual(
      cumulative([
        15 * S,
        15 * S,
        30 * S,
        3 * MIN,
        10 * MIN,
        20 * MIN,
        30 * MIN,
        30 * MIN,
        30 * MIN,
        60 * MIN,
        3 * HOUR,
        3 * HOUR,
        3 * HOUR,
        6 * HOUR,
        6 * HOUR,
      ]),
    );
    for (const req of r.requests) {
      expect(req.method).toBe('GET');
      const url = new URL(req.url, r.url);
      expect(url.pathname).toBe('/bg');
      expect(url.searchParams.get('requestKey')).toBe(created.orderNo);
      expect(url.searchParams.get('domainCode')).toBe(credentials.unified.domainCode);
      expect(unifiedSignatureValid(url.searchParams, credentials.unified.domainSecret)).toBe(true);
    }
    // "success" (exactly) acknowledges.
    r.handler = answer(200, 'success');
    await replay(row.id);
    const [done] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(done.status).toBe('succeeded');
  });

  it('store: signed GET to notify_url; retries 30 s, 60 s, 90 s ... apart until 3 hours; "notify_success" acknowledges', async () => {
    const store = await core.db.tx((q) => createStore(q, core, { appId, name: 'Shop 1', livemode: false }));
    const r = await open(answer(200, 'ok'));
    const created = await createCharge(
      core,
      chargeParams(appId, { dialect: 'store', storeId: store.id, notifyUrl: r.url + '/notify?shop=12' }),
    );
    await applyChargeResult(core, created.id, { status: 'succeeded', transactionNo: 'tx-s-1' });
    await dispatchOutbox(core);
    const [row] = await deliveryRows(core, "d.format = 'store'");
    const offsets = await driveSchedule(core, worker, r, row.id);
    const waits = Array.from({ length: 26 }, (_, i) => 30 * S * (i + 1));
    expect(offsets).toEqual(cumulative(waits));
    expect(offsets.at(-1)).toBe(10_530 * S); // the next would be at 3h 9m: past 3 hours
    const [done] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(done).toMatchObject({ status: 'failed', attempts: 27 });
    for (const req of r.requests) {
      expect(req.method).toBe('GET');
      const url = new URL(req.url, r.url);
      expect(url.searchParams.get('ord_no')).toBe(created.orderSn);
      expect(url.searchParams.get('out_no')).toBe(created.orderNo);
      expect(url.searchParams.get('status')).toBe('1');
      expect(url.searchParams.get('shop')).toBe('12');
      expect(Number(url.searchParams.get('timestamp'))).toBe(Math.floor(req.at.getTime() / 1000));
      expect(storeSignatureValid(url.searchParams, store.openKey)).toBe(true);
    }
    r.handler = answer(200, 'notify_success');
    await replay(row.id);
    const [ok] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(ok.status).toBe('succeeded');
    const attempts = await attemptRows(core, row.id);
    expect(attempts.at(-1)).toMatchObject({
      number: 28,
      outcome: 'succeeded',
      trigger: 'replay',
      response_body: 'notify_success',
    });
  });

  async function replay(id: string) {
    const { replayDelivery } = await import('../../src/deliveries/deliveries.js');
    await replayDelivery(core.db, core, id);
    await worker.runDue();
  }
});
