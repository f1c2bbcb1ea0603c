import { runAdminBench } from './admin.js';
import { runAlipayBench } from './alipay.js';
import { renderChart } from './chart.js';
import { runDialectBench } from './dialects.js';
import { type ListFigures, runListBench } from './list.js';
import { runNotifyBench } from './notify.js';
import { runReconcileBench } from './reconcile.js';
import { type Figure, latencyFigure, machineNote, ratioFigure, writeResults } from './results.js';
import { runRuntimeBench } from './runtime.js';
import { runSweepBench } from './sweep.js';

/**
 * `npm run bench` (PostgreSQL): every benchmark, each ratio against its floor measured in
 * this run, written to bench/results.json and bench/results.md with the load-sweep chart
 * bench/results.png; then the runtime's figures (no ratio, no target).
 *
 * BENCH_LIST_N (default 10,000,000) sizes the issue's filtered-list benchmark and
 * BENCH_CONSOLE_N (default 1,000,000) the console's; equal sizes share one database.
 * BENCH_ONLY=list,sweep (names below) runs a subset, still writing the results.
 */
const started = performance.now();
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const figures: Figure[] = [];
const extra: Record<string, unknown> = {};

if (wanted('admin')) {
  const admin = await runAdminBench();
  figures.push(ratioFigure('admin create-charge', admin.create, 'raw inserts of the same rows', 0.8));
  figures.push(ratioFigure('admin retrieve-charge', admin.retrieve, 'raw pg read of the same row', 0.8));
  extra.retrieveVsBareFastify = admin.retrieveVsConstant;
}
if (wanted('dialects')) {
  const dialects = await runDialectBench();
  for (const [key, value] of Object.entries(dialects)) {
    if (key === 'paymax') {
      extra.paymaxWithRsa = value;
      continue;
    }
    const name = key === 'paymaxRsaAside' ? 'paymax create (RSA-2048 work subtracted)' : `${key} create`;
    figures.push(ratioFigure(name, value, 'admin create, same run', 0.9));
  }
}
if (wanted('alipay')) extra.alipay = await runAlipayBench();
if (wanted('notify')) {
  figures.push(
    ratioFigure('webhook deliveries', await runNotifyBench(), 'bare POST loop of the same signed body', 0.5),
  );
}
if (wanted('sweep')) {
  const sweep = await runSweepBench();
  extra.sweep = sweep;
  figures.push(
    latencyFigure(
      'admin create p99 at half of peak',
      sweep.halfPeakP99,
      `${(sweep.peak / 2).toFixed(0)}/s offered (peak ${sweep.peak.toFixed(0)}/s)`,
      25,
    ),
  );
  await renderChart(
    sweep,
    new URL('results.png', import.meta.url).pathname,
    `peak ${sweep.peak.toFixed(0)}/s · ${new Date().toISOString().slice(0, 10)}`,
  );
}
const listN = Number(process.env.BENCH_LIST_N ?? 10_000_000);
const consoleN = Number(process.env.BENCH_CONSOLE_N ?? 1_000_000);
let consoleList: ListFigures | undefined;
if (wanted('console')) {
  consoleList = await runListBench(consoleN);
  extra.consoleList = consoleList;
  const worst = consoleList.combinations.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  const misses = consoleList.combinations.filter((c) => c.p95 >= 200).map((c) => c.name);
  figures.push(
    latencyFigure(
      `console list p95, worst of ${consoleList.combinations.length} filter combinations, ${consoleN.toLocaleString('en')} charges`,
      worst.p95,
      `worst: ${worst.name}`,
      200,
      `generated in ${consoleList.generationSeconds.toFixed(0)} s; ${misses.length === 0 ? 'every combination under 200 ms' : `over 200 ms: ${misses.join('; ')}`}`,
    ),
  );
}
if (wanted('list')) {
  const list = consoleList && consoleList.n === listN ? consoleList : await runListBench(listN);
  extra.list = list;
  const filtered = list.combinations.filter((c) => c.name !== 'all, today');
  const worst = filtered.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  figures.push(
    latencyFigure(
      `filtered list p99, worst combination, ${listN.toLocaleString('en')} charges`,
      worst.p99,
      `worst: ${worst.name}`,
      50,
      `${listN.toLocaleString('en')} charges generated with generate_series in ${list.generationSeconds.toFixed(0)} s`,
    ),
  );
}
if (wanted('reconcile')) extra.reconcile = await runReconcileBench();
if (wanted('runtime')) extra.runtime = await runRuntimeBench();

const meta = {
  date: new Date().toISOString(),
  machine: machineNote(),
  seconds: (performance.now() - started) / 1000,
};
writeResults(new URL('./', import.meta.url), figures, extra, meta);
for (const f of figures) {
  console.log(
    `${f.pass ? 'pass' : 'MISS'}  ${f.benchmark}: ${f.unit === 'ratio' ? f.value.toFixed(2) : `${f.value.toFixed(1)} ms`} (target ${f.unit === 'ratio' ? '>=' : '<'} ${f.target})`,
  );
}
