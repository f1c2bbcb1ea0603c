import { expect } from 'vitest';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { pollDue } from '../../src/core/payments/poll.js';
import { syncChargeFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import type { JuheError } from '../../src/domain/errors.js';
import type { ChannelGateway } from './channel-gateway.js';

/*
 * The steps of a channel scenario that are the same whichever provider the charge goes to.
 * What the provider says upstream (codes, notice shapes, its own tables) stays in its suite.
 */

type Gateway = Pick<ChannelGateway<unknown>, 'core' | 'events' | 'current'>;

/** What the simulators that notify the gateway (WeChat Pay, UnionPay, Lakala, PayPal) share. */
export interface NotifyingSimulator<D> {
  deliveries: D[];
  faults: { add(kind: string, count?: number, ms?: number): unknown };
  runDue(): Promise<void>;
}

/**
 * A charge the payer did not pay, with no notice about it: still pending until the order
 * query fails it with the provider's code and message, in one transition.
 */
export async function expectFailedByQuery(
  gateway: Gateway,
  charge: Charge,
  failure: { failureCode: string; failureMsg: string },
) {
  const { core, current, events } = gateway;
  expect((await current(charge)).status).toBe('pending');
  expect(await syncChargeFromChannel(core, charge.id)).toMatchObject({
    status: 'failed',
    failureCode: failure.failureCode,
  });
  expect(await current(charge)).toMatchObject({ status: 'failed', ...failure });
  expect(await events(charge.id)).toEqual(['charge.created', 'charge.failed']);
}

/**
 * A charge paid upstream whose notice was lost: still pending until the polling worker's
 * first question (6 s after create) finds the payment, applied once. `transactionNo` is
 * read after the poll (the upstream payment id the charge must now carry).
 */
export async function expectFoundByPolling(
  gateway: Gateway,
  charge: Charge,
  transactionNo: () => Promise<string>,
) {
  const { core, current, events } = gateway;
  expect((await current(charge)).status).toBe('pending');
  core.clock.advance(6_000);
  await pollDue(core);
  expect(await current(charge)).toMatchObject({ status: 'succeeded', transactionNo: await transactionNo() });
  expect(await events(charge.id)).toEqual(['charge.created', 'charge.succeeded']);
}

/**
 * The payer pays under a 'delay' fault of two minutes: nothing is delivered until the
 * business clock reaches it. Answers what was delivered then, for the suite to check.
 */
export async function deliveredWhenDue<D>(
  gateway: Gateway,
  sim: NotifyingSimulator<D>,
  pay: () => Promise<unknown>,
): Promise<D[]> {
  sim.faults.add('delay', 1, 120_000);
  const before = sim.deliveries.length;
  await pay();
  await sim.runDue();
  expect(sim.deliveries.slice(before)).toEqual([]);
  gateway.core.clock.advance(120_000);
  await sim.runDue();
  return sim.deliveries.slice(before);
}

/** A charge paid upstream but not yet known to be (its notice lost) refuses a cancel. */
export async function expectCancelRefusedAsPaid(gateway: Gateway, charge: Charge) {
  expect((await gateway.current(charge)).status).toBe('pending');
  const error = await cancelCharge(gateway.core, charge.id).catch((e: unknown) => e);
  expect((error as JuheError).code).toBe('charge_already_paid');
}

/**
 * Refunds 300 then 700 of a paid 1000: both succeed (once `settle` has let the provider
 * settle them), all of it is refunded, and one more unit is refused before the provider is asked.
 */
export async function expectRefundedInTwoParts(
  gateway: Gateway,
  charge: Charge,
  settle: () => Promise<void> = async () => {},
) {
  const { core, current } = gateway;
  const first = await createRefund(core, { chargeId: charge.id, amount: 300 });
  const second = await createRefund(core, { chargeId: charge.id, amount: 700 });
  await settle();
  for (const r of [first, second]) expect((await findRefund(core.db, r.id))!.status).toBe('succeeded');
  expect((await current(charge)).amountRefunded).toBe(1000);
  const over = await createRefund(core, { chargeId: charge.id, amount: 1 }).catch((e: unknown) => e);
  expect((over as JuheError).code).toBe('refund_exceeds_amount');
}

/**
 * A create whose upstream outcome stayed unknown through the request's questions (issue
 * #12): `channel_error` naming the charge, which stays pending, without a credential,
 * scheduled for the polling worker. Answers that charge.
 */
export async function expectUnknownCreate(gateway: Gateway, create: () => Promise<Charge>): Promise<Charge> {
  const error = (await create().then(
    () => undefined,
    (e: unknown) => e,
  )) as JuheError | undefined;
  expect(error).toMatchObject({ code: 'channel_error', details: { outcome: 'unknown' } });
  const charge = await gateway.current({ id: String(error!.details!.chargeId) });
  expect(charge).toMatchObject({ status: 'pending', credential: null });
  const [{ next_poll_at }] = await gateway.core.db.query<{ next_poll_at: Date | null }>(
    'SELECT next_poll_at FROM charges WHERE id = $1',
    [charge.id],
  );
  expect(next_poll_at).not.toBeNull();
  return charge;
}
