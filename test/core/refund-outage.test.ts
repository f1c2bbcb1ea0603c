import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, RefundResult } from '../../src/channels/_kit/connector.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import type { Core } from '../../src/core/context.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findCharge, findRefund } from '../../src/db/charges.js';
import type { Db } from '../../src/db/db.js';
import { openPostgres } from '../../src/db/postgres.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { chargeParams, paidCharge, seedApp } from '../support/fixtures.js';
import { PgProxy } from '../support/pg-proxy.js';

/**
 * PostgreSQL restarts while the channel is making a refund: the channel's answer must
 * still be recorded when the database is back in a moment, and the refund is never sent
 * to the channel twice, whatever the database does. PostgreSQL only: PGlite cannot restart.
 */
describe.skipIf(!engines().includes('postgres'))('a refund across a database restart (postgres)', () => {
  let core: TestCore;
  let proxy: PgProxy;
  let viaProxy: Db;
  let appId: string;
  /** What the channel does while it makes the refund. */
  let duringRefund: () => Promise<void> = async () => undefined;
  const refundsSent: string[] = [];
  const channel: Connector = {
    name: 'flaky-database',
    capabilities: { methods: ['qr'], query: false, refund: true, close: false, notify: false },
    pay: async () => ({ status: 'pending' }),
    refund: async ({ refund }): Promise<RefundResult> => {
      refundsSent.push(refund.id);
      await duringRefund();
      return { status: 'succeeded', transactionNo: `up_${refund.id}` };
    },
  };

  beforeAll(async () => {
    core = await testCore('postgres', { connectors: connectorRegistry({ paypal: channel }) });
    appId = (await seedApp(core)).app.id;
    proxy = await PgProxy.start(core.dbUrl!);
    viaProxy = openPostgres(proxy.via(core.dbUrl!), {
      poolSize: 4,
      connectTimeoutMs: 500,
      statementTimeoutMs: 500,
    });
  });
  afterAll(async () => {
    await viaProxy.close();
    await proxy.close();
    await core.drop();
  });

  const gatewayCore = (): Core => ({ ...core, db: viaProxy });
  const chargeOf = (amount: number) =>
    paidCharge(core, appId, chargeParams(appId, { channel: 'paypal', method: 'qr', amount }));

  it('records the channel answer once the database is back within moments', async () => {
    const charge = await chargeOf(1000);
    refundsSent.length = 0;
    let back: Promise<void> = Promise.resolve();
    duringRefund = async () => {
      await proxy.refuse(); // restarting: every connection cut, new ones refused ...
      back = new Promise((resolve) => setTimeout(() => resolve(proxy.accept()), 400)); // ... back 0.4 s later
    };
    const refund = await createRefund(gatewayCore(), { chargeId: charge.id, amount: 400 }).finally(
      () => back,
    );
    expect(refund.status).toBe('succeeded');
    expect(refundsSent).toEqual([refund.id]);
    expect((await findCharge(core.db, charge.id))!.amountRefunded).toBe(400);
  });

  it('never sends the refund to the channel again while the database stays away', async () => {
    const charge = await chargeOf(1000);
    refundsSent.length = 0;
    duringRefund = () => proxy.refuse();
    const failure = await createRefund(gatewayCore(), { chargeId: charge.id, amount: 300 }).catch(
      (error: unknown) => error,
    );
    await proxy.accept();
    expect(failure).toMatchObject({ code: 'database_unavailable', status: 503 });
    expect(refundsSent).toHaveLength(1);
    // Reserved before the channel was asked: it holds its amount until settled (a retry
    // with the same refund number is refused as a duplicate, never refunded again).
    expect((await findRefund(core.db, refundsSent[0]))!.status).toBe('pending');
  });
});
