import { describe, expect, it } from 'vitest';
import { findChargeWithRefunds, listChargeRows } from './charges.js';
import type { Queryable } from './db.js';
import { claimDueDeliveries, recordAttemptRows } from './deliveries.js';
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
    await twice((q, n) => findChargeWithRefunds(q, `ch_${n}`));
    await twice((q, n) =>
      listChargeRows(
        q,
        { appId: `app_${n}`, statuses: Array(n).fill('pending') },
        { direction: 'desc', byAmount: false, limit: n },
      ),
    );
  });
});
