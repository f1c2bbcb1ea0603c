import type { RunRecord } from '../../db/reconciliation.js';
import type { Core } from '../context.js';
import { startPeriodic } from '../periodic.js';
import { previousShanghaiDay } from './days.js';
import { reconcileDay } from './reconcile-day.js';
import { dailyTargets } from './targets.js';

/**
 * The daily job: yesterday in Asia/Shanghai (T+1), for every target. Every node runs it;
 * each (config, day) is done by the node that inserts its daily run first (a unique index),
 * so a day is reconciled once however many nodes there are. A day whose statement is not
 * ready yet is left free and tried on the next pass.
 */
export async function reconcileDueDays(core: Core): Promise<RunRecord[]> {
  const date = previousShanghaiDay(core.clock.now());
  const done: RunRecord[] = [];
  for (const target of await dailyTargets(core)) {
    try {
      const run = await reconcileDay(core, target, { date, trigger: 'daily' });
      if (run) done.push(run);
    } catch (error) {
      core.log.warn({ err: error, target }, 'daily reconciliation could not start');
    }
  }
  return done;
}

/** Runs the daily job every `intervalMs` (default 10 minutes) until stopped. */
export function startReconciliationWorker(core: Core, intervalMs = 600_000): () => Promise<void> {
  return startPeriodic(core, 'reconciliation worker', intervalMs, () => reconcileDueDays(core));
}
