/**
 * The one inbound path, /notify/:provider/:configId, as a route family: which connector
 * and config a URL reaches, that a refusal (unknown provider or config, another provider's
 * config, a bad signature, another app's charge, another amount, a replay) changes nothing
 * and is answered in the provider's own failure shape, and that only a committed transition
 * is acknowledged. A stand-in connector (for lakala) keeps the signatures out of the way;
 * the real providers' parsers are covered by their channel suites.
 */
import { describe, expect, it } from 'vitest';
import type {
  Connector,
  NotificationAcknowledgement,
  NotificationInput,
  ParsedNotification,
} from '../../src/channels/_kit/connector.js';
import { refusedNotification, usableConfig } from '../../src/channels/_kit/parse-notification-kit.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Db, Queryable } from '../../src/db/db.js';
import type { Charge } from '../../src/domain/charge.js';
import { captureLog } from '../support/capture-log.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { call } from '../support/server.js';

const ACK: NotificationAcknowledgement = {
  accepted: { status: 200, body: { ack: 'OK' } },
  refused: (refusal) => ({ status: refusal.status, body: { ack: 'NO', why: refusal.reason } }),
  refusalLogMessage: 'stand-in notice refused',
};

/**
 * A provider whose notice is JSON {signature, order_sn, amount, transaction_no, replay?}, or
 * for a refund {.., refund_id, upstream_refund_id}: "signed" means signature =
 * `signed:<config id or sandbox>`.
 */
async function parseStandIn(input: NotificationInput): Promise<ParsedNotification> {
  const usable = usableConfig(input, ['lakala']);
  if (!usable) return refusedNotification(ACK, { status: 404, reason: 'unknown channel config' });
  let body: Record<string, any>;
  try {
    body = JSON.parse(input.rawBody.toString('utf8'));
  } catch {
    return refusedNotification(ACK, { status: 400, reason: 'not JSON' });
  }
  if (body.signature !== `signed:${usable.config?.id ?? 'sandbox'}`) {
    return refusedNotification(ACK, { status: 401, reason: 'signature does not verify' });
  }
  if (body.refund_id !== undefined) {
    return {
      acknowledgement: ACK,
      outcome: 'notice',
      channels: ['lakala'],
      notice: {
        kind: 'refund',
        refund: { id: String(body.refund_id) },
        charge: { orderSn: String(body.order_sn) },
        amount: { amount: Number(body.amount) },
        chargeTransactionNo: String(body.transaction_no),
        extraIfSet: { upstream_refund_id: String(body.upstream_refund_id) },
        result: { status: 'succeeded', transactionNo: String(body.upstream_refund_id) },
      },
    };
  }
  return {
    acknowledgement: ACK,
    outcome: 'notice',
    channels: ['lakala'],
    ...(body.replay
      ? {
          replayKey: {
            id: body.replay,
            seenAt: input.now,
            expiresAt: new Date(input.now.getTime() + 60_000),
          },
        }
      : {}),
    notice: {
      kind: 'payment',
      charge: { orderSn: String(body.order_sn) },
      amount: { amount: Number(body.amount) },
      result: { status: 'succeeded', transactionNo: String(body.transaction_no) },
    },
  };
}

const standIn: Connector = {
  name: 'lakala',
  capabilities: { methods: ['page'], query: false, refund: true, close: false, notify: true },
  pay: async () => ({ status: 'pending' }),
  // Accepted upstream; the outcome comes in a notice. The upstream id is known already.
  refund: async (ctx) => ({ status: 'pending', extra: { upstream_refund_id: `UR-${ctx.refund.id}` } }),
  parseNotification: parseStandIn,
};

describe.each(engines())('/notify/:provider/:configId (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'Notified merchant',
    connectors: () => connectorRegistry({ lakala: standIn }),
  });
  const { events, current } = gateway;
  const charges = numberedCharges(gateway, 'ntf', {
    channel: 'lakala',
    amount: 1000,
    currency: 'CNY',
    subject: 'Tea',
  });

  const notify = (path: string, body: unknown, contentType = 'application/json') =>
    call(gateway.server, 'POST', `/notify/${path}`, {
      rawBody: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': contentType },
    });
  const notice = (c: Charge, over: Record<string, unknown> = {}) => ({
    signature: 'signed:sandbox',
    order_sn: c.orderSn,
    amount: c.amount,
    transaction_no: `T-${c.orderSn}`,
    ...over,
  });
  const untouched = async (c: Charge) => {
    expect(await current(c)).toMatchObject({ status: 'pending', transactionNo: null });
    expect(await events(c.id)).toEqual(['charge.created']);
  };

  it('applies a verified notice once and acknowledges every copy, whatever its content type', async () => {
    const c = await charges.create({ method: 'page' });
    expect(await notify('lakala/sandbox', notice(c), 'text/plain')).toMatchObject({
      status: 200,
      body: { ack: 'OK' },
    });
    expect(await notify('lakala/sandbox', notice(c), 'application/x-www-form-urlencoded')).toMatchObject({
      status: 200,
      body: { ack: 'OK' },
    });
    expect(await current(c)).toMatchObject({ status: 'succeeded', transactionNo: `T-${c.orderSn}` });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('an unknown provider, or one that sends no notifications, is a plain 404', async () => {
    const c = await charges.create({ method: 'page' });
    for (const path of ['nosuch/sandbox', 'cash/sandbox', 'lakala', 'lakala/sandbox/more']) {
      const answer = await notify(path, notice(c));
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 404, 'not_found']);
    }
    await untouched(c);
  });

  it('an unknown config or another provider’s is refused in the provider’s own shape', async () => {
    const c = await charges.create({ method: 'page' });
    const alipayConfig = await gateway.configureChannel(gateway.appId, 'alipay', { app_id: '2021' }, {});
    for (const configId of ['cc_nope', 'not a config id!', alipayConfig]) {
      const answer = await notify(
        `lakala/${encodeURIComponent(configId)}`,
        notice(c, { signature: `signed:${configId}` }),
      );
      expect([configId, answer.status, answer.body]).toEqual([
        configId,
        404,
        { ack: 'NO', why: 'unknown channel config' },
      ]);
    }
    // The real providers answer an unknown config in their own failure shapes too.
    expect(await notify('alipay/cc_nope', 'a=b', 'application/x-www-form-urlencoded')).toMatchObject({
      status: 400,
      body: 'fail',
    });
    expect(await notify('wechatpay/cc_nope', '{}')).toMatchObject({ status: 404, body: { code: 'FAIL' } });
    expect(await notify('lakala/cc_nope', '{}')).toMatchObject({ status: 404 });
    expect(await notify('unionpay/cc_nope', 'a=b')).toMatchObject({ status: 404, body: 'fail' });
    expect(await notify('paypal/cc_nope', '{}')).toMatchObject({
      status: 404,
      body: { name: 'INVALID_REQUEST' },
    });
    expect(await notify(`paypal/${alipayConfig}`, '{}')).toMatchObject({
      status: 404,
      body: { name: 'INVALID_REQUEST' },
    });
    await untouched(c);
  });

  it('a bad signature is refused, logged once and changes nothing', async () => {
    const c = await charges.create({ method: 'page' });
    const log = captureLog(gateway.core, 'info');
    const refusals = [
      await notify('lakala/sandbox', notice(c, { signature: 'forged' })),
      await notify('lakala/sandbox', notice(c, { signature: undefined })),
      await notify('lakala/sandbox', '{"signature":'),
    ];
    log.restore();
    expect(refusals.map((r) => [r.status, r.body.ack])).toEqual([
      [401, 'NO'],
      [401, 'NO'],
      [400, 'NO'],
    ]);
    expect(log.lines.filter((l) => l.level >= 40).map((l) => [l.msg, l.reason])).toEqual([
      ['stand-in notice refused', 'signature does not verify'],
      ['stand-in notice refused', 'signature does not verify'],
      ['stand-in notice refused', 'not JSON'],
    ]);
    await untouched(c);
  });

  it("another app's config cannot settle this app's charge; nor can another amount or an unknown order", async () => {
    const c = await charges.create({ method: 'page' });
    const otherApp = await gateway.newApp('Other merchant', 'Other shop');
    const otherConfig = await gateway.configureChannel(otherApp, 'lakala', { merchant_no: 'x' }, {});
    const foreign = await notify(`lakala/${otherConfig}`, notice(c, { signature: `signed:${otherConfig}` }));
    expect(foreign).toMatchObject({ status: 404, body: { ack: 'NO', why: 'unknown_trade' } });
    expect(await notify('lakala/sandbox', notice(c, { amount: 999 }))).toMatchObject({
      status: 400,
      body: { ack: 'NO', why: 'amount_mismatch' },
    });
    expect(await notify('lakala/sandbox', notice(c, { order_sn: '99999999999999999999' }))).toMatchObject({
      status: 404,
      body: { why: 'unknown_trade' },
    });
    await untouched(c);
    // Its own config settles it.
    const ownConfig = await gateway.configureChannel(gateway.appId, 'lakala', { merchant_no: 'y' }, {});
    expect(
      await notify(`lakala/${ownConfig}`, notice(c, { signature: `signed:${ownConfig}` })),
    ).toMatchObject({
      status: 200,
    });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('a refund notice settles the refund it names once, only for its charge, amount and upstream ids', async () => {
    const c = await charges.create({ method: 'page' });
    expect((await notify('lakala/sandbox', notice(c))).status).toBe(200);
    const paid = await current(c);
    const r = await createRefund(gateway.core, { chargeId: c.id, amount: 400 });
    const other = await charges.create({ method: 'page' });
    const refundNotice = (over: Record<string, unknown> = {}) => ({
      ...notice(paid),
      amount: 400,
      transaction_no: paid.transactionNo,
      refund_id: r.id,
      upstream_refund_id: `UR-${r.id}`,
      ...over,
    });
    const refusals = [
      [await notify('lakala/sandbox', refundNotice({ refund_id: 're_000000000000000000000000' })), 404],
      [await notify('lakala/sandbox', refundNotice({ order_sn: other.orderSn })), 404],
      [await notify('lakala/sandbox', refundNotice({ upstream_refund_id: 'UR-another' })), 404],
      [await notify('lakala/sandbox', refundNotice({ amount: 401 })), 400],
      [await notify('lakala/sandbox', refundNotice({ transaction_no: 'T-another' })), 400],
    ] as const;
    expect(refusals.map(([answer, status]) => [answer.status, answer.body.ack, status])).toEqual(
      refusals.map(([, status]) => [status, 'NO', status]),
    );
    expect(await findRefund(gateway.core.db, r.id)).toMatchObject({ status: 'pending' });
    for (let i = 0; i < 2; i++) {
      expect(await notify('lakala/sandbox', refundNotice())).toMatchObject({
        status: 200,
        body: { ack: 'OK' },
      });
    }
    expect(await findRefund(gateway.core.db, r.id)).toMatchObject({ status: 'succeeded' });
    expect(await current(c)).toMatchObject({ amountRefunded: 400 });
    expect(await events(r.id)).toEqual(['refund.created', 'refund.succeeded']);
  });

  it('a transition that fails to commit is not acknowledged; the provider’s retry applies it once', async () => {
    const c = await charges.create({ method: 'page' });
    const db = gateway.core.db as Db;
    const tx = db.tx;
    // Every transaction does its work, then does not commit (rolled back, as a lost commit is).
    const realTx = tx.bind(db) as (fn: (q: Queryable) => Promise<unknown>) => Promise<unknown>;
    db.tx = (fn) =>
      realTx(async (q) => {
        await fn(q);
        throw new Error('the commit failed');
      }) as never;
    let failed;
    try {
      failed = await notify('lakala/sandbox', notice(c, { replay: `R-${c.id}` }));
    } finally {
      db.tx = tx;
    }
    expect(failed).toMatchObject({ status: 500, body: { ack: 'NO' } });
    await untouched(c);
    // The retry carries the same replay key: the failed attempt's claim was rolled back with it.
    expect(await notify('lakala/sandbox', notice(c, { replay: `R-${c.id}` }))).toMatchObject({
      status: 200,
      body: { ack: 'OK' },
    });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    // Once committed, the same key again is a replay: refused, nothing changes.
    expect(await notify('lakala/sandbox', notice(c, { replay: `R-${c.id}` }))).toMatchObject({
      status: 409,
      body: { ack: 'NO' },
    });
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
  });
});
