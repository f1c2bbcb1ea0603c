/**
 * Issue #12, duplicate payments: a re-billed order (maxpay billNum) has several attempts.
 * Once one is paid its unpaid siblings are closed upstream; a sibling the payer still paid
 * is refunded automatically (per-app setting, on by default) with its event and audit entry.
 * Against the WeChat Pay simulator, over real sockets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { wechatpayConnector } from '../../src/channels/wechatpay/connector.js';
import { syncChargeFromChannel } from '../../src/core/payments/sync-from-channel.js';
import type { Charge } from '../../src/domain/charge.js';
import { type WechatpaySimulator, simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';
import { call } from '../support/server.js';

describe.each(engines())('duplicate payments of one order (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'Rebilling merchant',
    connectors: () => connectorRegistry({ wechatpay: wechatpayConnector() }),
    simulator: simulatorOf,
  });
  const { events, current } = gateway;
  let core: TestCore;
  let sim: WechatpaySimulator;
  beforeAll(() => void ({ core, sim } = gateway));
  let orders = 0;
  const charges = numberedCharges(gateway, 'dup', {
    channel: 'wechatpay',
    amount: 990,
    currency: 'CNY',
    subject: '会员',
  });
  /** Two bills of one billNum, as maxpay re-billing makes them. */
  const twoAttempts = async (): Promise<[Charge, Charge]> => {
    const orderNo = `bill-${(orders += 1)}`;
    const params = { method: 'qr' as const, orderNo, dialect: 'maxpay' as const, allowRebill: true };
    const first = await charges.create(params);
    const second = await charges.create(params);
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    return [first, second];
  };
  /** The payer pays upstream; the callback is lost, so only our query tells the gateway. */
  const paidUpstream = async (c: Charge) => {
    sim.faults.add('drop', 1);
    expect(await sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay')).toEqual({ ok: true });
  };
  const upstreamState = async (c: Charge) => (await sim.findOrderByOutTradeNo(c.orderSn))?.state;
  const refundsOf = (c: Charge) =>
    core.db.query<{ amount: number; status: string; id: string; description: string }>(
      'SELECT id, amount::int AS amount, status, description FROM refunds WHERE charge_id = $1',
      [c.id],
    );
  const auditOf = (c: Charge) =>
    core.db.query<{ actor_type: string; action: string; data: Record<string, unknown> }>(
      'SELECT actor_type, action, data FROM audit_log WHERE target_id = $1',
      [c.id],
    );

  it('one attempt paid: the unpaid sibling is closed upstream and here', async () => {
    const [first, second] = await twoAttempts();
    await paidUpstream(second);
    await syncChargeFromChannel(core, second.id);
    expect((await current(second)).status).toBe('succeeded');
    expect(await upstreamState(first)).toBe('CLOSED');
    expect((await current(first)).status).toBe('closed');
    expect(await events(first.id)).toEqual(['charge.created', 'charge.closed']);
    expect(await refundsOf(second)).toEqual([]);
  });

  it('both paid: the later one is the duplicate, refunded in full with its event and audit entry', async () => {
    const [first, second] = await twoAttempts();
    await paidUpstream(first);
    await paidUpstream(second);
    // The gateway learns of the second first; closing the first finds it paid too.
    await syncChargeFromChannel(core, second.id);
    expect((await current(second)).status).toBe('succeeded');
    expect(await events(second.id)).toEqual(['charge.created', 'charge.succeeded']);
    expect(await events(first.id)).toEqual([
      'charge.created',
      'charge.succeeded',
      'charge.duplicate_payment',
      'charge.duplicate_refunded',
    ]);
    const [refund] = await refundsOf(first);
    expect(refund).toMatchObject({ amount: 990, description: `Duplicate payment of order ${first.orderNo}` });
    await sim.runDue();
    await syncChargeFromChannel(core, first.id).catch(() => undefined);
    const [upstreamRefund] = await core.db.query<{ status: string; refund: number }>(
      'SELECT status, refund::int AS refund FROM wxsim_refunds WHERE out_refund_no = $1',
      [refund!.id],
    );
    expect(upstreamRefund).toMatchObject({ refund: 990 });
    expect(await auditOf(first)).toEqual([
      {
        actor_type: 'system',
        action: 'charge.duplicate_refund',
        data: expect.objectContaining({ refund: refund!.id, amount: 990, duplicate_of: [second.id] }),
      },
    ]);
    // The event is notified like any other: its outbox row exists.
    const [outbox] = await core.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox o JOIN events e ON e.id = o.event_id
       WHERE e.object_id = $1 AND e.type = 'charge.duplicate_refunded'`,
      [first.id],
    );
    expect(outbox!.n).toBe(1);
    expect(await refundsOf(second)).toEqual([]);
  });

  it('with the app setting off (admin API, audited), the duplicate is raised but not refunded', async () => {
    const setting = (on: boolean) =>
      call(gateway.server, 'POST', `/api/v1/apps/${gateway.appId}/settings`, {
        token: gateway.server.tokens.admin,
        body: { auto_refund_duplicates: on },
      });
    const read = () =>
      call(gateway.server, 'GET', `/api/v1/apps/${gateway.appId}/settings`, {
        token: gateway.server.tokens.viewer,
      });
    expect((await read()).body).toEqual({ auto_refund_duplicates: true });
    expect((await setting(false)).body).toEqual({ auto_refund_duplicates: false });
    expect((await read()).body).toEqual({ auto_refund_duplicates: false });
    const [audited] = await core.db.query<{ action: string; data: Record<string, unknown> }>(
      `SELECT action, data FROM audit_log WHERE target_id = $1 AND action = 'app.settings.update'`,
      [gateway.appId],
    );
    expect(audited).toMatchObject({ data: { auto_refund_duplicates: false } });
    const refused = await call(gateway.server, 'POST', `/api/v1/apps/${gateway.appId}/settings`, {
      token: gateway.server.tokens.viewer,
      body: { auto_refund_duplicates: true },
    });
    expect(refused.status).toBe(403);
    try {
      const [first, second] = await twoAttempts();
      await paidUpstream(first);
      await paidUpstream(second);
      await syncChargeFromChannel(core, second.id);
      expect(await events(first.id)).toEqual([
        'charge.created',
        'charge.succeeded',
        'charge.duplicate_payment',
      ]);
      expect(await refundsOf(first)).toEqual([]);
      expect(await auditOf(first)).toEqual([]);
    } finally {
      expect((await setting(true)).status).toBe(200);
    }
  });
});
