import { runAdminBench } from './admin.js';

/** `npm run bench`: every benchmark, each printing its ratio against a baseline from this run. */
const ratios: Record<string, number> = {};
Object.assign(ratios, await runAdminBench());
const { runNotifyBench } = await import('./notify.js').catch(() => ({ runNotifyBench: undefined }));
if (runNotifyBench) ratios.notify = await runNotifyBench();
console.log(JSON.stringify({ ratios }));
