import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelResult, Connector } from '../../src/channels/_kit/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge, findRefund } from '../../src/db/charges.js';
import { SETTLE_PAUSES_MS } from '../../src/core/payments/settle-unknown-create.js';
import type { JuheError } from '../../src/domain/errors.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { chargeParams, seedApp } from '../support/fixtures.js';

/**
 * An upstream that times out on create and answers only when asked: what the polling
 * worker exists for. Its answers are scripted per charge, like a provider's order book.
 */
function slowUpstream() {
  const answers = new Map<string, ChannelResult>();
  const asked: string[] = [];
  const connector: Connector = {
    name: 'slow',
    capabilities: { methods: ['qr'], query: true, refund: true, close: false, notify: false },
    pay: async () => {
      throw new Error('ETIMEDOUT');
    },
    query: async ({ charge }) => {
      asked.push(charge.id);
      return answers.get(charge.id) ?? { status: 'pending' };
    },
    refund: async () => ({ status: 'unknown' }),
    queryRefund: async ({ refund }) => answers.get(refund.id) ?? { status: 'pending' },
  };
  return { connector, answers, asked };
}

describe.each(engines())('polling unknown outcomes (%s)', (engine) => {
  let core: TestCore;
  let appId: string;
  const upstream = slowUpstream();

  beforeAll(async () => {
    core = await testCore(engine, { connectors: connectorRegistry({ paypal: upstream.connector }) });
    appId = (await seedApp(core)).app.id;
  });
  afterAll(() => core.drop());

  /** A create that times out: asked about within the request, still unknown, so channel_error and left pending. */
  const timedOutCreate = async () => {
    upstream.asked.length = 0;
    const error = (await createCharge(core, chargeParams(appId, { channel: 'paypal', method: 'qr' })).catch(
      (e: unknown) => e,
    )) as JuheError;
    expect(error).toMatchObject({ code: 'channel_error', details: { outcome: 'unknown' } });
    const charge = (await findCharge(core.db, String(error.details!.chargeId)))!;
    // Every pause of the request's budget brought one question.
    expect(upstream.asked).toEqual(SETTLE_PAUSES_MS.map(() => charge.id));
    upstream.asked.length = 0;
    return charge;
  };

  it('leaves a timed-out create pending, then settles it by query with backoff', async () => {
    const charge = await timedOutCreate();
    expect(charge.status).toBe('pending');
    const [row] = await core.db.query('SELECT next_poll_at FROM charges WHERE id = $1', [charge.id]);
    expect(row!.next_poll_at).toEqual(new Date(core.clock.now().getTime() + 5_000));

    expect(await pollDue(core)).toEqual({ charges: 0, refunds: 0 });
    core.clock.advance(5_000);
    await pollDue(core);
    expect(upstream.asked).toEqual([charge.id]);
    const [again] = await core.db.query('SELECT next_poll_at, poll_attempts FROM charges WHERE id = $1', [
      charge.id,
    ]);
    expect(again).toEqual({ next_poll_at: new Date(core.clock.now().getTime() + 10_000), poll_attempts: 1 });

    upstream.answers.set(charge.id, { status: 'succeeded', transactionNo: 'up_42' });
    core.clock.advance(10_000);
    await pollDue(core);
    const settled = (await findCharge(core.db, charge.id))!;
    expect(settled).toMatchObject({ status: 'succeeded', transactionNo: 'up_42' });
    const [done] = await core.db.query('SELECT next_poll_at FROM charges WHERE id = $1', [charge.id]);
    expect(done!.next_poll_at).toBeNull();
    core.clock.advance(60_000);
    await pollDue(core);
    expect(upstream.asked).toEqual([charge.id, charge.id]);
  });

  it('settles a refund whose answer was lost', async () => {
    const charge = await timedOutCreate();
    upstream.answers.set(charge.id, { status: 'succeeded' });
    core.clock.advance(5_000);
    await pollDue(core);
    const refund = await createRefund(core, { chargeId: charge.id, amount: 400 });
    expect(refund.status).toBe('pending');
    upstream.answers.set(refund.id, { status: 'succeeded', transactionNo: 'rf_1' });
    core.clock.advance(5_000);
    await pollDue(core);
    expect((await findRefund(core.db, refund.id))!.status).toBe('succeeded');
    expect((await findCharge(core.db, charge.id))!.amountRefunded).toBe(400);
  });
});
