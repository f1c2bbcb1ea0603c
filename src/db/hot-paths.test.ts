import { describe, expect, it } from 'vitest';
import type { Charge } from '../domain/charge.js';
import { insertChargeRecorded } from './charge-create.js';
import { findCharge, findChargeWithRefunds, listChargeRows } from './charges.js';
import type { Queryable } from './db.js';
import { claimDueDeliveries, recordAttemptRows } from './deliveries.js';
import { type EventRecord, insertEvent } from './event-records.js';
import { claimDueEvents, insertDeliveriesAndMarkProcessed } from './outbox.js';
import { claimDuePolls } from './polling.js';

/** A Queryable that only records what it is asked. */
function recorder() {
  const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  const q: Queryable = {
    query: async (sql, params = []) => {
      statements.push({ sql, params });
      return [];
    },
  };
  return { q, statements };
}

/**
 * The seam prepares a statement once per connection, named by its text: a hot path's text
 * must not change with its values, and each must stay one statement.
 */
describe('hot-path statements', () => {
  const twice = async (run: (q: Queryable, n: number) => Promise<unknown>) => {
    const { q, statements } = recorder();
    await run(q, 1);
    await run(q, 2);
    expect(statements).toHaveLength(2);
    expect(statements[1]!.sql).toBe(statements[0]!.sql);
    expect(statements[1]!.params).not.toEqual(statements[0]!.params);
    return statements[0]!.sql;
  };

  it('claims deliveries and outbox rows in one SKIP LOCKED statement of fixed text', async () => {
    const deliveries = await twice((q, n) =>
      claimDueDeliveries(q, {
        now: new Date(n),
        candidates: 3 * n,
        busy: { [`endpoint:${n}`]: n },
        perTargetLimit: n,
        limit: n,
        workerId: `w${n}`,
        leasedUntil: new Date(n + 1000),
      }),
    );
    expect(deliveries).toContain('FOR UPDATE SKIP LOCKED');
    const outbox = await twice((q, n) => claimDueEvents(q, new Date(n), n, ['store']));
    expect(outbox).toContain('FOR UPDATE SKIP LOCKED');
    const polls = await twice((q, n) => claimDuePolls(q, 'charges', new Date(n), n));
    expect(polls).toContain('FOR UPDATE SKIP LOCKED');
  });

  it('writes a batch of deliveries or attempts in one statement whatever its size', async () => {
    await twice((q, n) => insertDeliveriesAndMarkProcessed(q, [], Array(n).fill('1'), new Date(n)));
    await twice((q, n) => recordAttemptRows(q, `w${n}`, []));
  });

  it('reads a charge with its refunds and lists charges with one text per filter shape', async () => {
    await twice((q, n) => findCharge(q, `ch_${n}`));
    await twice((q, n) => findChargeWithRefunds(q, `ch_${n}`));
    await twice((q, n) =>
      listChargeRows(
        q,
        { appId: `app_${n}`, statuses: Array(n).fill('pending') },
        { direction: 'desc', byAmount: false, limit: n },
      ),
    );
  });

  it('creates a charge with its event and outbox row, or appends an event, in one statement', async () => {
    const event = (n: number): EventRecord => ({
      id: `evt_${n}`,
      appId: `app_${n}`,
      livemode: false,
      type: 'charge.created',
      objectType: 'charge',
      objectId: `ch_${n}`,
      data: { n },
      createdAt: new Date(n),
    });
    const charge = (n: number) =>
      ({ id: `ch_${n}`, extra: {}, metadata: {}, credential: null }) as unknown as Charge;
    const create = await twice((q, n) =>
      insertChargeRecorded(q, { charge: charge(n), orderScope: `app_${n}`, event: event(n) }),
    );
    expect(create).toMatch(/^with "charge_row" as \(insert into "charges"/);
    const append = await twice((q, n) => insertEvent(q, event(n)));
    expect(append).toMatch(/^with "event_row" as \(insert into "events"/);
  });
});
