import { runAdminBench } from './admin.js';
import { runAlipayBench } from './alipay.js';
import { runDialectBench } from './dialects.js';
import { runNotifyBench } from './notify.js';
import { runReconcileBench } from './reconcile.js';
import { runRuntimeBench } from './runtime.js';

/**
 * `npm run bench`: every benchmark, each printing its ratio against a baseline from this run,
 * then the runtime's figures (start-up time and resident memory; no ratio, no target).
 */
const ratios: Record<string, number> = {};
Object.assign(ratios, await runAdminBench());
Object.assign(ratios, await runDialectBench());
Object.assign(ratios, await runAlipayBench());
ratios.notify = await runNotifyBench();
ratios.reconcile = await runReconcileBench();
const runtime = await runRuntimeBench();
console.log(JSON.stringify({ ratios, runtime }));
