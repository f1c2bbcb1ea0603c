import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import type { Core } from '../core/context.js';
import { requireDay } from '../core/reconciliation/days.js';
import { reconcileDay } from '../core/reconciliation/reconcile-day.js';
import { dailyTargets, type ReconciliationTarget } from '../core/reconciliation/targets.js';
import type { RunRecord } from '../db/reconciliation.js';
import { isProvider } from '../domain/channels.js';
import { buildServer } from '../http/server.js';
import { openCore } from '../runtime.js';

export interface ReconcileCommandOptions {
  date: string;
  config?: string;
  provider?: string;
}

/**
 * A one-line progress bar on a terminal, redrawn with \r: `[########------------]  40%
 * 400,000 lines` when the statement tells how much of it was read, a spinner and the lines
 * otherwise; plain lines every 100,000 lines elsewhere (a log file).
 */
export function progressBar(out: NodeJS.WriteStream | NodeJS.WritableStream, label: string) {
  const tty = 'isTTY' in out && out.isTTY;
  let printed = -1;
  return (rows: number, fraction?: number) => {
    const count = `${rows.toLocaleString('en')} lines`;
    if (tty) {
      if (fraction === undefined) {
        out.write(`\r${label} ${'|/-\\'[Math.floor(rows / 2000) % 4]} ${count}`);
      } else {
        const filled = Math.round(fraction * 20);
        const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
        out.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${percent} ${count}`);
      }
    } else if (printed < 0 || rows - printed >= 100_000) {
      out.write(
        `${label} ${rows} lines${fraction === undefined ? '' : ` (${Math.floor(fraction * 100)}%)`}\n`,
      );
      printed = rows;
    }
  };
}

/**
 * `juhe reconcile --date D [--config ID | --provider P]`: reconciles the day for one
 * channel config, a provider's simulator default merchant (test mode), or every daily
 * target; prints progress, then each run's classes. Resolves with the runs.
 */
export async function reconcileCommand(
  core: Core,
  o: ReconcileCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<RunRecord[]> {
  const date = requireDay(o.date, '--date');
  let targets: ReconciliationTarget[];
  if (o.config) targets = [{ configId: o.config }];
  else if (o.provider) {
    if (!isProvider(o.provider)) throw new Error(`unknown provider ${o.provider}`);
    targets = [{ provider: o.provider }];
  } else targets = await dailyTargets(core);
  const runs: RunRecord[] = [];
  for (const target of targets) {
    const label = 'configId' in target ? target.configId : `sandbox:${target.provider}`;
    const run = (await reconcileDay(core, target, {
      date,
      trigger: 'manual',
      onProgress: progressBar(out, label),
    }))!;
    const counts = Object.entries(run.counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.write(`\n${label} ${date}: ${run.status} ${run.rowsRead} lines ${counts} fee_total=${run.feeTotal}`);
    out.write(run.error ? ` (${run.error})\n` : '\n');
    runs.push(run);
  }
  return runs;
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description("reconcile a day (Asia/Shanghai) against the providers' statements")
    .requiredOption('--date <day>', 'the day, e.g. 2026-12-06')
    .option('--config <id>', 'one channel config (default: every config with a statement)')
    .option('--provider <name>', "a provider's simulator default merchant (test mode)")
    .action(async (o: ReconcileCommandOptions) => {
      const core = await openCore(loadConfig());
      // The simulators (test mode's default merchants) answer over HTTP: mount them on a loopback port.
      const app = await buildServer({ core });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      core.publicUrl = url;
      try {
        const runs = await reconcileCommand(core, o);
        process.exitCode = runs.every((r) => r.status === 'completed') ? 0 : 1;
      } finally {
        await app.close();
        await core.db.close();
      }
    });
}
