import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRun, type RunRecord } from '../../src/db/reconciliation.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';

/**
 * A day's daily run is claimed by inserting it under a partial unique index (one daily run
 * per config and day). On PostgreSQL a prepared statement switches to a generic plan after
 * five executions; with the index's predicate as a parameter the conflict target then no
 * longer matched the index and every daily claim failed ("no unique or exclusion constraint
 * matching the ON CONFLICT specification"): seen as a day never reconciled again.
 */
describe.each(engines())('claiming a daily run, many times over (%s)', (engine) => {
  let core: TestCore;
  beforeAll(async () => {
    core = await testCore(engine);
  });
  afterAll(async () => {
    await core.drop();
  });

  const run = (day: number, trigger: RunRecord['trigger']): RunRecord => ({
    id: core.ids.next('reconciliation'),
    configId: 'sandbox:wechatpay',
    provider: 'wechatpay',
    livemode: false,
    appId: null,
    billDate: `2026-03-${String(day).padStart(2, '0')}`,
    trigger,
    status: 'running',
    statementId: null,
    rowsRead: 0,
    counts: {},
    feeTotal: 0,
    error: null,
    startedAt: core.clock.now(),
    finishedAt: null,
  });

  it('claims each day once, past the generic plan, and never blocks a manual run', async () => {
    for (let day = 1; day <= 28; day++) {
      expect(await insertRun(core.db, run(day, 'daily'))).toMatchObject({ trigger: 'daily' });
      expect(await insertRun(core.db, run(day, 'daily'))).toBeUndefined();
      expect(await insertRun(core.db, run(day, 'manual'))).toMatchObject({ trigger: 'manual' });
    }
  });
});
