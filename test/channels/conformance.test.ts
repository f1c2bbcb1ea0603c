/**
 * The channel conformance table: one list of scenarios run against every upstream
 * connector (each against its simulator, in a real listening gateway), through core's use
 * cases only, so every connector is held to the same contract. A scenario a connector has
 * no capability for is an explicit skip. Each provider's own suite (alipay.test.ts, ...)
 * goes deeper: notification faults (duplicate, out-of-order, forged, lost, delayed),
 * upstream timeouts and the provider's refusal codes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { type ChargeCreateParams, createCharge } from '../../src/core/payments/create-charge.js';
import { expireCharges } from '../../src/core/payments/expire-charges.js';
import { syncChargeFromChannel, syncRefundFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge, Refund } from '../../src/domain/charge.js';
import type { Method, Provider } from '../../src/domain/channels.js';
import { actAsPayer } from '../../src/http/admin/sandbox-payer.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import type { TestServer } from '../support/server.js';

interface Subject {
  provider: Provider;
  /** Every method the connector declares, with what a payer of it must bring. */
  methods: { method: Method; extra?: Record<string, unknown> }[];
  currency: 'CNY' | 'USD';
}

const SUBJECTS: Subject[] = [
  {
    provider: 'alipay',
    methods: [
      { method: 'app' },
      { method: 'page' },
      { method: 'wap' },
      { method: 'qr' },
      // A payment code whose payer still has to confirm on their phone (10003 USER_PAYING).
      { method: 'barcode', extra: { auth_code: '281234567890120000' } },
      { method: 'jsapi', extra: { buyer_id: '2088102146225135' } },
      { method: 'mini', extra: { buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' } },
    ],
    currency: 'CNY',
  },
  {
    provider: 'wechatpay',
    methods: [
      { method: 'qr' },
      { method: 'jsapi', extra: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
      { method: 'app' },
      { method: 'h5' },
      // A payment code whose payer still has to confirm (USERPAYING).
      { method: 'barcode', extra: { auth_code: '134567890123456789' } },
      { method: 'mini', extra: { sub_openid: 'oMini8uMuAJO_M2pxb1Q9zNjWeS6' } },
    ],
    currency: 'CNY',
  },
  {
    provider: 'unionpay',
    methods: [{ method: 'app' }, { method: 'page' }, { method: 'wap' }],
    currency: 'CNY',
  },
  { provider: 'applepay', methods: [{ method: 'app' }], currency: 'CNY' },
  // One approve-and-capture flow serves every PayPal method.
  {
    provider: 'paypal',
    methods: [{ method: 'page' }, { method: 'wap' }, { method: 'app' }],
    currency: 'USD',
  },
  { provider: 'lakala', methods: [{ method: 'page' }, { method: 'h5' }, { method: 'app' }], currency: 'CNY' },
];

describe.each(engines())('channel conformance (%s)', (engine) => {
  const gateway = useChannelGateway(engine, { merchant: 'Conformance merchant' });
  const { events, current } = gateway;
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  let counter = 0;
  beforeAll(() => void ({ core, server, appId } = gateway));

  async function charge(subject: Subject, index = 0, overrides: Partial<ChargeCreateParams> = {}) {
    counter += 1;
    const { method, extra } = subject.methods[index]!;
    return createCharge(core, {
      appId,
      livemode: false,
      dialect: 'admin',
      orderNo: `conf-${subject.provider}-${counter}`,
      channel: subject.provider,
      method,
      amount: 1000,
      currency: subject.currency,
      subject: 'Conformance',
      clientIp: '203.0.113.7',
      returnUrl: `${server.url}/healthz`,
      extra: extra ?? {},
      ...overrides,
    });
  }

  async function paid(subject: Subject): Promise<Charge> {
    const created = await charge(subject);
    const { charge: after } = await actAsPayer(core, created, 'pay');
    expect(after.status).toBe('succeeded');
    return after;
  }

  /** A refund the provider settles later: ask it (as the polling worker would) until it has. */
  async function settled(refund: Refund): Promise<Refund> {
    for (let round = 0; round < 20 && refund.status === 'pending'; round++) {
      core.clock.advance(60_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await syncRefundFromChannel(core, refund.id);
      refund = (await findRefund(core.db, refund.id))!;
    }
    return refund;
  }

  describe.each(SUBJECTS)('$provider', (subject) => {
    it('the table covers every method the connector declares', () => {
      const declared = core.connectors.resolve(subject.provider, false).capabilities.methods;
      expect(subject.methods.map((m) => m.method).sort()).toEqual([...declared].sort());
    });

    it.each(subject.methods.map((m, i) => [m.method, i] as const))(
      'create %s: pending (a barcode payer confirming: user_paying), with what the payer needs',
      async (method, index) => {
        const created = await charge(subject, index);
        if (method === 'barcode') {
          expect(created.status).toBe('user_paying');
          expect(await events(created.id)).toEqual(['charge.created', 'charge.user_paying']);
          // The payer confirms on their phone.
          expect((await actAsPayer(core, created, 'pay')).charge.status).toBe('succeeded');
          return;
        }
        expect(created.status).toBe('pending');
        expect(created.credential).toBeTruthy();
        expect(await events(created.id)).toEqual(['charge.created']);
      },
    );

    it('payer pays: succeeded once, with the upstream transaction number', async () => {
      const created = await charge(subject);
      const { charge: after, applied } = await actAsPayer(core, created, 'pay');
      expect(applied).toBe(true);
      expect(after).toMatchObject({ status: 'succeeded', amount: 1000 });
      expect(after.transactionNo).toBeTruthy();
      expect(after.paidAt).not.toBeNull();
      // Asking again changes nothing.
      expect((await actAsPayer(core, after, 'pay')).applied).toBe(false);
      expect(await events(created.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('payer declines: the charge fails once, never paid', async () => {
      const created = await charge(subject);
      await actAsPayer(core, created, 'decline');
      await syncChargeFromChannel(core, created.id);
      const after = await current(created);
      expect(after.status).toBe('failed');
      expect(await events(created.id)).toEqual(['charge.created', 'charge.failed']);
    });

    it('query: a payment made upstream is found by asking the provider', async () => {
      const created = await charge(subject);
      await actAsPayer(core, created, 'pay');
      const answer = await syncChargeFromChannel(core, created.id);
      expect(answer.status).toBe('succeeded');
      expect((await current(created)).status).toBe('succeeded');
      expect(await events(created.id)).toEqual(['charge.created', 'charge.succeeded']);
    });

    it('close: a canceled charge stays canceled whatever the payer does next (no close upstream: UnionPay)', async () => {
      const created = await charge(subject);
      const canceled = await cancelCharge(core, created.id);
      expect(canceled.status).toBe('canceled');
      await actAsPayer(core, canceled, 'pay').catch(() => undefined);
      expect((await current(created)).status).toBe('canceled');
      expect((await events(created.id)).filter((e) => e === 'charge.succeeded')).toHaveLength(0);
    });

    it('expire: past its expiry the charge is closed once', async () => {
      const created = await charge(subject, 0, {
        expiresAt: new Date(core.clock.now().getTime() + 5 * 60_000),
      });
      core.clock.advance(6 * 60_000);
      await expireCharges(core);
      expect((await current(created)).status).toBe('closed');
      await expireCharges(core);
      expect(await events(created.id)).toEqual(['charge.created', 'charge.closed']);
    });

    it('partial then full refund: amounts add up and never exceed what was paid', async () => {
      const charge = await paid(subject);
      const partial = await settled(await createRefund(core, { chargeId: charge.id, amount: 300 }));
      expect(partial).toMatchObject({ status: 'succeeded', amount: 300 });
      const rest = await settled(await createRefund(core, { chargeId: charge.id }));
      expect(rest).toMatchObject({ status: 'succeeded', amount: 700 });
      expect((await current(charge)).amountRefunded).toBe(1000);
      await expect(createRefund(core, { chargeId: charge.id, amount: 1 })).rejects.toMatchObject({
        code: 'refund_exceeds_amount',
      });
    });
  });
});
