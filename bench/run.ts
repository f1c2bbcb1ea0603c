import { runAdminBench } from './admin.js';
import { runAlipayBench } from './alipay.js';
import { runDialectBench } from './dialects.js';
import { runNotifyBench } from './notify.js';

/** `npm run bench`: every benchmark, each printing its ratio against a baseline from this run. */
const ratios: Record<string, number> = {};
Object.assign(ratios, await runAdminBench());
Object.assign(ratios, await runDialectBench());
Object.assign(ratios, await runAlipayBench());
ratios.notify = await runNotifyBench();
console.log(JSON.stringify({ ratios }));
