import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMEMBER_MS } from '../../src/channels/paypal/parse-notification.js';
import { replayLedger } from '../../src/db/notification-replay-keys.js';
import { type Engine, engines, freshDb } from '../support/db.js';

/**
 * PayPal webhook replay protection across nodes: each node keeps its own ledger object,
 * and all of them one table. A transmission id is accepted once wherever it arrives.
 */
describe.each(engines())('PayPal webhook transmission ledger (%s)', (engine: Engine) => {
  let db: Awaited<ReturnType<typeof freshDb>>;
  beforeAll(async () => {
    db = await freshDb(engine);
  });
  afterAll(() => db.drop());

  it('accepts a transmission id once, whichever node sees it first', async () => {
    const nodeA = replayLedger(db.db, REMEMBER_MS);
    const nodeB = replayLedger(db.db, REMEMBER_MS);
    const now = new Date('2026-11-22T08:00:00Z');
    expect(await nodeA('tx-1', now)).toBe(true);
    expect(await nodeB('tx-1', now)).toBe(false);
    expect(await nodeA('tx-1', new Date(now.getTime() + 1000))).toBe(false);
    expect(await nodeB('tx-2', now)).toBe(true);
    // Two nodes racing for one id: exactly one wins.
    const race = await Promise.all([nodeA('tx-3', now), nodeB('tx-3', now)]);
    expect(race.filter(Boolean)).toHaveLength(1);
  });

  it('lets an id go once it has expired, and prunes expired ids as deliveries arrive', async () => {
    const node = replayLedger(db.db, REMEMBER_MS);
    const start = new Date('2026-11-22T09:00:00Z');
    expect(await node('tx-old', start)).toBe(true);
    const later = new Date(start.getTime() + REMEMBER_MS + 1);
    expect(await node('tx-old', later)).toBe(true);
    // A hundred deliveries later every id expired before `muchLater` is gone.
    const muchLater = new Date(later.getTime() + 2 * REMEMBER_MS);
    for (let i = 0; i < 100; i++) await node(`tx-fill-${i}`, muchLater);
    const [left] = await db.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM paypal_webhook_transmissions WHERE expires_at < $1',
      [muchLater],
    );
    expect(Number(left!.n)).toBe(0);
  });
});
