import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../../../test/support/core.js';
import { engines } from '../../../test/support/db.js';
import { createApp, createMerchant } from '../../core/apps/create-app.js';
import { createStore, type StoreWithKey } from '../../core/apps/stores.js';
import type { StoredEvent, Target } from '../../deliveries/format.js';
import { attemptOffsets } from '../../deliveries/schedule.js';
import { buildJumpUrl, signedCallbackUrl, storeFormat, verifyCallbackUrl } from './notification.js';

/** Document 2.5, written out independently: every field but sign, plus open_key, sorted, sha1 then md5. */
function documentSign(params: Record<string, string>, openKey: string): string {
  const all: Record<string, string> = { ...params, open_key: openKey };
  delete all.sign;
  const text = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`)
    .join('&');
  return createHash('md5').update(createHash('sha1').update(text).digest('hex')).digest('hex');
}

describe('store notify format: pure parts', () => {
  it('retries at growing 30 s multiples until 3 hours have passed', () => {
    const offsets = attemptOffsets(storeFormat.defaultSchedule);
    expect(offsets.slice(0, 5)).toEqual([0, 30_000, 90_000, 180_000, 300_000]);
    expect(offsets.at(-1)).toBeLessThanOrEqual(3 * 3600_000);
    expect(offsets).toHaveLength(27);
  });

  it('acknowledges only a 2xx whose body is notify_success', () => {
    expect(storeFormat.isSuccess(200, 'notify_success')).toBe(true);
    expect(storeFormat.isSuccess(200, '\uFEFFnotify_success\r\n')).toBe(true);
    // A Django REST framework receiver answers the JSON string, quotes included (FACTS.md).
    expect(storeFormat.isSuccess(200, '"notify_success"')).toBe(true);
    expect(storeFormat.isSuccess(200, ' \t"notify_success"\n')).toBe(true);
    expect(storeFormat.isSuccess(200, '"notify_success')).toBe(false);
    expect(storeFormat.isSuccess(200, "'notify_success'")).toBe(false);
    expect(storeFormat.isSuccess(200, '{"notify_success":1}')).toBe(false);
    expect(storeFormat.isSuccess(200, 'success')).toBe(false);
    expect(storeFormat.isSuccess(200, 'NOTIFY_SUCCESS')).toBe(false);
    expect(storeFormat.isSuccess(200, '')).toBe(false);
    expect(storeFormat.isSuccess(500, 'notify_success')).toBe(false);
  });

  it("signs every query parameter, the merchant's own included, and replaces same-named ones", () => {
    const key = '0828e83720fdbe3685a7b94214af04f9';
    const url = signedCallbackUrl(
      'https://shop.example/cb.php?shop=12&status=9&sign=old#frag',
      { ordNo: '91497948693', outNo: '12345', status: '1', timestamp: 1497957842, randStr: 'RAND' },
      key,
    );
    const parsed = new URL(url);
    const q = Object.fromEntries(parsed.searchParams);
    expect(q).toEqual({
      shop: '12',
      status: '1',
      ord_no: '91497948693',
      timestamp: '1497957842',
      rand_str: 'RAND',
      out_no: '12345',
      sign: documentSign(
        {
          shop: '12',
          status: '1',
          ord_no: '91497948693',
          timestamp: '1497957842',
          rand_str: 'RAND',
          out_no: '12345',
        },
        key,
      ),
    });
    expect(parsed.hash).toBe('#frag');
    expect(verifyCallbackUrl(url, key)).toBe(true);
    expect(verifyCallbackUrl(url.replace('status=1', 'status=4'), key)).toBe(false);
    expect(verifyCallbackUrl(url, 'x'.repeat(32))).toBe(false);
  });

  it('builds the jump_url redirect: status 1 paid, 2 not settled, 4 ended; none without jump_url', () => {
    const key = 'k'.repeat(32);
    const now = new Date('2026-03-01T08:00:00Z');
    const charge = {
      orderSn: '2026030108000012345678',
      orderNo: 'A1',
      status: 'succeeded',
      extra: { jump_url: 'https://m.example/done?from=pos' },
    };
    const paid = new URL(buildJumpUrl(charge, key, { now, randStr: 'r1' })!);
    expect(Object.fromEntries(paid.searchParams)).toMatchObject({
      from: 'pos',
      ord_no: '2026030108000012345678',
      out_no: 'A1',
      status: '1',
      timestamp: String(now.getTime() / 1000),
      rand_str: 'r1',
    });
    expect(verifyCallbackUrl(paid.toString(), key)).toBe(true);
    const status = (s: string) =>
      new URL(buildJumpUrl({ ...charge, status: s }, key, { now, randStr: 'r' })!).searchParams.get('status');
    expect(['pending', 'user_paying', 'canceled', 'closed', 'failed'].map(status)).toEqual([
      '2',
      '2',
      '4',
      '4',
      '4',
    ]);
    expect(buildJumpUrl({ ...charge, extra: {} }, key, { now, randStr: 'r' })).toBeNull();
  });
});

describe.each(engines())('store notify format: build (%s)', (engine) => {
  let core: TestCore;
  let store: StoreWithKey;
  const target: Target = {
    format: 'store',
    url: 'https://shop.example/notify?shop=7',
    endpointId: null,
    headers: {},
    secrets: [],
  };
  const event = (type: string, data: Record<string, unknown>, objectType = 'charge'): StoredEvent => ({
    id: 'evt_1',
    appId: store.appId,
    livemode: false,
    type,
    objectType,
    objectId: 'ch_1',
    data,
    createdAt: new Date('2026-03-01T08:00:00Z'),
  });

  beforeAll(async () => {
    core = await testCore(engine);
    const merchant = await createMerchant(core.db, core, { name: 'm' });
    const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'a' });
    store = await createStore(core.db, core, { appId: app.id, name: 's', livemode: false });
  });
  afterAll(async () => core?.drop());

  const build = (e: StoredEvent) =>
    storeFormat.build({
      q: core.db,
      core,
      event: e,
      target,
      notificationId: 'dlv_1',
      now: new Date('2026-03-01T08:00:05Z'),
    });

  it('GETs notify_url with ord_no, out_no, status, timestamp, rand_str and the store-key sign', async () => {
    const data = { object: 'charge', store: store.id, order_no: 'OUT1', order_sn: '2026030108000012345678' };
    const paid = await build(event('charge.succeeded', data));
    expect(paid).toMatchObject({ method: 'GET' });
    expect(paid!.body).toBeUndefined();
    const q = Object.fromEntries(new URL(paid!.url).searchParams);
    expect(q).toMatchObject({
      shop: '7',
      ord_no: '2026030108000012345678',
      out_no: 'OUT1',
      status: '1',
      timestamp: '1772352005',
    });
    expect(q.sign).toBe(documentSign(q, store.openKey));
    // A new random string on every attempt.
    const again = Object.fromEntries(
      new URL((await build(event('charge.succeeded', data)))!.url).searchParams,
    );
    expect(again.rand_str).not.toBe(q.rand_str);
    for (const type of ['charge.canceled', 'charge.closed', 'charge.failed']) {
      expect(new URL((await build(event(type, data)))!.url).searchParams.get('status')).toBe('4');
    }
  });

  it('has nothing to send for other events, charges without a store, or unknown stores', async () => {
    const data = { object: 'charge', store: store.id, order_no: 'OUT1', order_sn: '1' };
    expect(storeFormat.eventTypes).toEqual([
      'charge.succeeded',
      'charge.canceled',
      'charge.closed',
      'charge.failed',
    ]);
    expect(await build(event('charge.created', data))).toBeNull();
    expect(await build(event('refund.succeeded', { ...data, object: 'refund' }, 'refund'))).toBeNull();
    expect(await build(event('charge.succeeded', { ...data, store: null }))).toBeNull();
    expect(
      await build(event('charge.succeeded', { ...data, store: 'sto_000000000000000000000000' })),
    ).toBeNull();
  });
});
