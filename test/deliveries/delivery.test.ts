import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/core/events/append-event.js';
import { createEndpoint, rotateSecret, updateEndpoint } from '../../src/deliveries/endpoints.js';
import { nativeFormat, verifyJuheSignature } from '../../src/deliveries/formats/native.js';
import { attemptOffsets } from '../../src/deliveries/schedule.js';
import { isPrivateAddress } from '../../src/deliveries/ssrf.js';
import { claimDeliveries } from '../../src/deliveries/deliver.js';
import { dispatchOutbox } from '../../src/deliveries/dispatch.js';
import { replayDelivery } from '../../src/deliveries/deliveries.js';
import { startNotifyWorkers } from '../../src/deliveries/worker.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { paidCharge, seedApp } from '../support/fixtures.js';
import {
  type Receiver,
  answer,
  attemptRows,
  deliveryRows,
  driveSchedule,
  endpoint,
  independentlyVerified,
  receiver,
  testEngine,
} from './support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(engines())('notification delivery (%s)', (engine) => {
  let core: TestCore;
  let appId: string;
  const receivers: Receiver[] = [];
  const open = async (...args: Parameters<typeof receiver> extends [unknown, ...infer R] ? R : never) => {
    const r = await receiver(core.clock, ...args);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    core = await testCore(engine);
    appId = (await seedApp(core)).app.id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await core.drop();
  });

  it('fans out by mode and event type, signs natively, and reuses one notification id per target', async () => {
    const chosen = await open();
    const everything = await open();
    const live = await open();
    const a = await endpoint(core, {
      appId,
      url: chosen.url + '/hook',
      format: 'native',
      events: ['charge.succeeded'],
    });
    const b = await endpoint(core, { appId, url: everything.url, format: 'native', events: ['*'] });
    await endpoint(core, { appId, url: live.url, format: 'native', events: ['*'], livemode: true });
    const charge = await paidCharge(core, appId);
    const worker = testEngine(core);
    await worker.runDue();
    await worker.close();

    expect(live.requests).toHaveLength(0);
    expect(chosen.requests).toHaveLength(1);
    // Notifications of different events are independent and may arrive in any order.
    expect(everything.requests.map((r) => JSON.parse(r.body).type).sort()).toEqual([
      'charge.created',
      'charge.succeeded',
    ]);

    const req = chosen.requests[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hook');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      object: 'event',
      type: 'charge.succeeded',
      app: appId,
      livemode: false,
      created: Math.floor(core.clock.now().getTime() / 1000),
      data: { object: { id: charge.id, status: 'succeeded', amount: 1000 } },
    });
    const signature = String(req.headers['juhe-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const nowSec = Math.floor(core.clock.now().getTime() / 1000);
    expect(independentlyVerified(signature, req.body, [a.secret!], nowSec)).toEqual([0]);
    expect(independentlyVerified(signature, req.body, [b.secret!], nowSec)).toEqual([]);
    expect(verifyJuheSignature(signature, req.body, a.secret!, core.clock.now())).toEqual({
      ok: true,
      timestamp: nowSec,
    });

    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [a.id]);
    expect(req.headers['juhe-notification-id']).toBe(row.id);
    expect(req.headers['juhe-event-id']).toBe(body.id);
    expect(row).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      last_response_status: 200,
      event_type: 'charge.succeeded',
    });
    const [attempt] = await attemptRows(core, row.id);
    expect(attempt).toMatchObject({
      number: 1,
      outcome: 'succeeded',
      trigger: 'schedule',
      request_method: 'POST',
      request_url: chosen.url + '/hook',
      request_body: req.body,
      response_status: 200,
      response_body: 'ok',
      error: null,
    });
    expect(attempt.request_headers['juhe-signature']).toBe(signature);
    // The outbox is drained: running again sends nothing more.
    const again = testEngine(core);
    await again.runDue();
    await again.close();
    expect(chosen.requests).toHaveLength(1);
    expect(
      (await core.db.query('SELECT count(*)::int AS n FROM outbox WHERE processed_at IS NULL'))[0].n,
    ).toBe(0);
    for (const id of [a.id, b.id])
      await updateEndpoint(core.db, core, id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('retries the native format at 0, 1m, 6m, 36m, 2h36m, ... then stops; marks the endpoint failing and recovers it', async () => {
    const down = await open(answer(500, 'down'));
    const e = await endpoint(core, { appId, url: down.url, format: 'native', events: ['charge.succeeded'] });
    const watcher = await open();
    await endpoint(core, {
      appId,
      url: watcher.url,
      format: 'native',
      events: ['endpoint.failing', 'endpoint.recovered'],
    });
    await paidCharge(core, appId);
    const worker = testEngine(core);
    await dispatchOutbox(core);
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    const offsets = await driveSchedule(core, worker, down, row.id);
    expect(offsets).toEqual([
      0,
      MIN,
      6 * MIN,
      36 * MIN,
      156 * MIN,
      456 * MIN,
      1056 * MIN,
      1656 * MIN,
      3096 * MIN,
      4536 * MIN,
    ]);
    expect(offsets).toEqual(attemptOffsets(nativeFormat.defaultSchedule));
    const [done] = await deliveryRows(core, 'd.id = $1', [row.id]);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 10,
      next_attempt_at: null,
      last_response_status: 500,
    });
    expect(done.last_error).toBe('not acknowledged: HTTP 500');
    // The stop rule holds: a month later nothing more is sent.
    core.clock.advance(30 * 24 * HOUR);
    await worker.runDue();
    expect(down.requests).toHaveLength(10);

    // Ten failures in a row: failing, and the event went out to the subscribed endpoint.
    const [health] = await core.db.query(
      'SELECT health, consecutive_failures FROM webhook_endpoints WHERE id = $1',
      [e.id],
    );
    expect(health).toEqual({ health: 'failing', consecutive_failures: 10 });
    expect(watcher.requests.map((r) => JSON.parse(r.body).type)).toEqual(['endpoint.failing']);
    expect(JSON.parse(watcher.requests[0].body).data.object).toMatchObject({ id: e.id, status: 'failing' });

    // A replay is the same notification (same id) in a new round; its success recovers the endpoint.
    down.handler = answer(204);
    await replayDelivery(core.db, core, row.id);
    await worker.runDue();
    expect(down.requests).toHaveLength(11);
    expect(new Set(down.requests.map((r) => r.headers['juhe-notification-id']))).toEqual(new Set([row.id]));
    const attempts = await attemptRows(core, row.id);
    expect(attempts.map((a) => [a.number, a.outcome, a.trigger])).toEqual([
      ...Array.from({ length: 10 }, (_, i) => [i + 1, 'failed', 'schedule']),
      [11, 'succeeded', 'replay'],
    ]);
    const [healed] = await core.db.query(
      'SELECT health, consecutive_failures FROM webhook_endpoints WHERE id = $1',
      [e.id],
    );
    expect(healed).toEqual({ health: 'active', consecutive_failures: 0 });
    expect(watcher.requests.map((r) => JSON.parse(r.body).type)).toEqual([
      'endpoint.failing',
      'endpoint.recovered',
    ]);
    await worker.close();
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('survives receivers that hang, reset, redirect or answer 500, and retries each', async () => {
    const hang = await open(() => undefined);
    const reset = await open((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const elsewhere = await open();
    const redirect = await open(answer(302, '', { location: elsewhere.url }));
    const error = await open(answer(500, 'x'.repeat(10_000)));
    const ids: Record<string, string> = {};
    for (const [name, r] of Object.entries({ hang, reset, redirect, error })) {
      ids[name] = (
        await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.succeeded'] })
      ).id;
    }
    await paidCharge(core, appId);
    const worker = testEngine(core, { timeoutMs: 300 });
    await worker.runDue();
    const errors: Record<string, string> = {};
    for (const [name, id] of Object.entries(ids)) {
      const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [id]);
      expect(row.status).toBe('pending');
      expect(new Date(row.next_attempt_at).getTime()).toBe(core.clock.now().getTime() + MIN);
      errors[name] = row.last_error;
    }
    expect(errors).toEqual({
      hang: 'timed out after 300 ms',
      reset: 'connection reset by the receiver',
      redirect: 'redirect (302) not followed',
      error: 'not acknowledged: HTTP 500',
    });
    expect(elsewhere.requests).toHaveLength(0);
    const [errorRow] = await deliveryRows(core, 'd.endpoint_id = $1', [ids.error]);
    const [logged] = await attemptRows(core, errorRow.id);
    expect(logged.response_body).toBe('x'.repeat(4096));
    expect(logged.response_truncated).toBe(true);
    expect(logged.latency_ms).toBeGreaterThanOrEqual(0);

    for (const r of [hang, reset, redirect, error]) r.handler = answer(200, 'ok');
    core.clock.advance(MIN);
    await worker.runDue();
    for (const id of Object.values(ids)) {
      const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [id]);
      expect(row).toMatchObject({ status: 'succeeded', attempts: 2 });
    }
    expect(elsewhere.requests).toHaveLength(0);
    await worker.close();
    for (const id of Object.values(ids))
      await updateEndpoint(core.db, core, id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('refuses loopback targets when private targets are not allowed', async () => {
    const local = await open();
    const e = await endpoint(core, { appId, url: local.url, format: 'native', events: ['charge.succeeded'] });
    await expect(
      createEndpoint(
        core.db,
        core,
        { appId, url: local.url, format: 'native', livemode: false },
        { allowPrivateTargets: false },
      ),
    ).rejects.toMatchObject({ code: 'invalid_parameter', param: 'url' });
    await paidCharge(core, appId);
    const guarded = testEngine(core, { allowPrivateTargets: false });
    await guarded.runDue();
    await guarded.close();
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(row.status).toBe('pending');
    expect(row.last_error).toBe('target address 127.0.0.1 is private, loopback or link-local');
    expect(local.requests).toHaveLength(0);
    // A name that resolves to loopback is refused at connect time, after DNS.
    // This machine's own name resolves to one of its addresses (/etc/hosts): never public.
    const [own] = await lookup(hostname(), { all: true });
    expect(isPrivateAddress(own.address)).toBe(true);
    await updateEndpoint(
      core.db,
      core,
      e.id,
      { url: local.url.replace('127.0.0.1', hostname()) },
      { allowPrivateTargets: true },
    );
    core.clock.advance(MIN);
    const again = testEngine(core, { allowPrivateTargets: false });
    await again.runDue();
    await again.close();
    const [row2] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(row2.last_error).toBe(
      `target ${hostname()} resolves to ${own.address}, a private, loopback or link-local address`,
    );
    expect(local.requests).toHaveLength(0);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('signs with both secrets during a rotation overlap, then only the new one', async () => {
    const r = await open();
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.succeeded'] });
    const rotated = await rotateSecret(core.db, core, e.id, HOUR);
    const worker = testEngine(core);
    await paidCharge(core, appId);
    await worker.runDue();
    const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);
    const first = r.requests[0];
    expect(String(first.headers['juhe-signature']).match(/v1=/g)).toHaveLength(2);
    expect(
      independentlyVerified(
        String(first.headers['juhe-signature']),
        first.body,
        [e.secret!, rotated.secret],
        nowSec(),
      ),
    ).toEqual([0, 1]);
    core.clock.advance(HOUR + 1);
    await paidCharge(core, appId);
    await worker.runDue();
    const second = r.requests[1];
    expect(String(second.headers['juhe-signature']).match(/v1=/g)).toHaveLength(1);
    expect(
      independentlyVerified(
        String(second.headers['juhe-signature']),
        second.body,
        [e.secret!, rotated.secret],
        nowSec(),
      ),
    ).toEqual([1]);
    expect(
      verifyJuheSignature(String(second.headers['juhe-signature']), second.body, e.secret!, core.clock.now()),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    await worker.close();
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('keeps at most perTargetConcurrency requests open to one target', async () => {
    const held: Array<() => void> = [];
    const slow = await open((_req, res) => {
      held.push(() => res.end('ok'));
      if (held.length >= 2) setTimeout(() => held.splice(0).forEach((f) => f()), 30);
    });
    const e = await endpoint(core, { appId, url: slow.url, format: 'native', events: ['charge.created'] });
    for (let i = 0; i < 6; i++) {
      await appendEvent(core.db, core, {
        appId,
        livemode: false,
        type: 'charge.created',
        objectType: 'charge',
        objectId: `ch_${i}`,
        data: { i },
      });
    }
    const worker = testEngine(core, { perTargetConcurrency: 2, concurrency: 10 });
    await worker.runDue();
    await worker.close();
    expect(slow.requests).toHaveLength(6);
    expect(slow.maxConcurrent).toBe(2);
    const rows = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(rows.map((row) => row.status)).toEqual(Array(6).fill('succeeded'));
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('takes over a delivery whose worker lease expired, with the same notification id', async () => {
    const r = await open();
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.succeeded'] });
    await paidCharge(core, appId);
    const dead = testEngine(core, { workerId: 'dead-worker', leaseMs: 30_000 });
    await dispatchOutbox(core);
    // The first worker claims and then "dies": it never sends nor reports.
    const [claimed] = await claimDeliveries(core, dead.options, 10);
    expect(claimed.endpoint?.id).toBe(e.id);
    const alive = testEngine(core, { workerId: 'alive-worker' });
    await alive.runDue();
    expect(r.requests).toHaveLength(0); // leased: not claimable yet
    core.clock.advance(30_000);
    await alive.runDue();
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0].headers['juhe-notification-id']).toBe(claimed.id);
    const attempts = await attemptRows(core, claimed.id);
    expect(attempts.map((a) => [a.number, a.outcome, a.worker])).toEqual([
      [1, 'abandoned', 'dead-worker'],
      [2, 'succeeded', 'alive-worker'],
    ]);
    await Promise.all([dead.close(), alive.close()]);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('hands back a queued delivery whose lease would run out during its exchange; it goes out under a fresh lease, same id', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    // What was left of the sender's lease on the row when each request arrived.
    const leaseLeft: number[] = [];
    const r = await open(async (req, res) => {
      const [row] = await core.db.query('SELECT claimed_until FROM deliveries WHERE id = $1', [
        String(req.headers['juhe-notification-id']),
      ]);
      leaseLeft.push(new Date(row.claimed_until).getTime() - core.clock.now().getTime());
      if (leaseLeft.length === 1) {
        firstArrived();
        await gate;
      }
      res.end('ok');
    });
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.created'] });
    for (const i of [1, 2]) {
      await appendEvent(core.db, core, {
        appId,
        livemode: false,
        type: 'charge.created',
        objectType: 'charge',
        objectId: `ch_queued_${i}`,
        data: { i },
      });
    }
    // One at a time: the second delivery waits in the local queue behind the first.
    const worker = testEngine(core, { concurrency: 1, workerId: 'queue-worker', leaseMs: 30_000 });
    const run = worker.runDue();
    await arrived;
    // The first exchange takes 28.5 s: the queued delivery's lease (30 s) has 1.5 s left,
    // less than its own exchange may take (2 s timeout) plus the margin.
    core.clock.advance(28_500);
    release();
    await run;
    await worker.close();

    expect(r.requests).toHaveLength(2);
    expect(r.maxConcurrent).toBe(1);
    // Sent under a fresh lease, not the one about to run out.
    expect(leaseLeft).toEqual([30_000, 30_000]);
    const rows = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(rows.map((row) => row.status)).toEqual(['succeeded', 'succeeded']);
    expect(r.requests.map((req) => req.headers['juhe-notification-id']).sort()).toEqual(
      rows.map((row) => row.id).sort(),
    );
    for (const row of rows) {
      // Handed back, not abandoned: one attempt each.
      expect((await attemptRows(core, row.id)).map((a) => [a.number, a.outcome, a.worker])).toEqual([
        [1, 'succeeded', 'queue-worker'],
      ]);
    }
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('runs as a loop; stop() finishes the deliveries in flight and records them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const got = new Promise<void>((resolve) => (arrived = resolve));
    const slow = await open(async (_req, res) => {
      arrived();
      await gate;
      res.end('ok');
    });
    const e = await endpoint(core, { appId, url: slow.url, format: 'native', events: ['charge.succeeded'] });
    await paidCharge(core, appId);
    const workers = startNotifyWorkers(core, {
      clock: core.clock,
      pollIntervalMs: 10,
      allowPrivateTargets: true,
      workerId: 'graceful',
    });
    await got;
    let stopped = false;
    const stopping = workers.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    release();
    await stopping;
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 1, claimed_by: null });
    expect((await attemptRows(core, row.id)).map((a) => [a.outcome, a.worker])).toEqual([
      ['succeeded', 'graceful'],
    ]);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });

  it('cancels pending deliveries when the endpoint switches mode', async () => {
    const r = await open(answer(500));
    const e = await endpoint(core, { appId, url: r.url, format: 'native', events: ['charge.succeeded'] });
    await paidCharge(core, appId);
    const worker = testEngine(core);
    await worker.runDue();
    await updateEndpoint(core.db, core, e.id, { livemode: true }, { allowPrivateTargets: true });
    const [row] = await deliveryRows(core, 'd.endpoint_id = $1', [e.id]);
    expect(row).toMatchObject({
      status: 'canceled',
      last_error: 'endpoint switched mode',
      next_attempt_at: null,
    });
    core.clock.advance(HOUR);
    await paidCharge(core, appId); // a test event: no longer for this (now live) endpoint
    await worker.runDue();
    await worker.close();
    expect(r.requests).toHaveLength(1);
    await updateEndpoint(core.db, core, e.id, { enabled: false }, { allowPrivateTargets: true });
  });
});
