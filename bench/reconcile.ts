import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { sql as raw } from 'kysely';
import type { Connector } from '../src/channels/_kit/connector.js';
import type { Statement } from '../src/channels/_kit/statement.js';
import { fileLines } from '../src/channels/_kit/statement-spool.js';
import { testModeConfigs } from '../src/channels/_kit/test-mode-configs.js';
import { tradeBillRows } from '../src/channels/wechatpay/statement.js';
import { reconcileDay } from '../src/core/reconciliation/reconcile-day.js';
import { rawRows } from '../src/db/raw.js';
import { type TradeBillRow, tradeBillLines } from '../src/sandbox/wechatpay/bills.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore } from './support.js';

const N = Number(process.env.RECONCILE_BENCH_N ?? 1_000_000);
const TARGET = 0.3;
const DAY = '2026-03-01';
const DAY_START = Date.parse(`${DAY}T00:00:00+08:00`);

const sn = (i: number) => `B${String(i).padStart(12, '0')}`;

function* billRows(): Generator<TradeBillRow> {
  for (let i = 0; i < N; i++) {
    const total = 100 + (i % 9900);
    yield {
      time: new Date(DAY_START + Math.floor((i * 86_000_000) / N)),
      appid: 'wxbench',
      mchid: '1900000109',
      transactionId: `4200${String(i).padStart(24, '0')}`,
      outTradeNo: sn(i),
      openid: 'o_bench',
      tradeType: 'NATIVE',
      state: 'SUCCESS',
      total,
      description: 'bench',
      attach: '',
      fee: Math.floor((total * 6000 + 500_000) / 1_000_000),
    };
  }
}

async function writeLines(
  path: string,
  lines: Iterable<string>,
  keep: (line: string) => boolean = () => true,
) {
  const out = createWriteStream(path);
  for (const line of lines) {
    if (!keep(line)) continue;
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Reconciles a day of N statement lines (WeChat Pay's trade bill format, parsed line by
 * line from a file) against N succeeded charges in PostgreSQL: lines per second, with the
 * peak resident memory sampled while it runs, against a plain `COPY` of the same lines into
 * PostgreSQL measured in this run. Prints and returns the ratio (target >= 0.3).
 */
export async function runReconcileBench(): Promise<number> {
  const { db, url, drop } = await freshDb('postgres');
  const bill = join(tmpdir(), `juhe-bench-bill-${process.pid}.csv`);
  const plain = join(tmpdir(), `juhe-bench-rows-${process.pid}.csv`);
  try {
    const seeding = benchCore(db);
    const { app } = await seedApp(seeding);
    // In slices: one statement of a million rows would outlast the pool's statement timeout.
    for (let from = 0; from < N; from += 20_000) {
      const last = Math.min(from + 19_999, N - 1);
      const start = new Date(DAY_START);
      await rawRows(
        db,
        raw`INSERT INTO charges (id, app_id, livemode, dialect, order_no, order_scope, order_sn, channel, method, amount,
         currency, subject, status, transaction_no, created_at, updated_at, expires_at, paid_at)
       SELECT 'ch_' || lpad(to_hex(i), 24, '0'), ${app.id}, false, 'admin', 'o' || i, ${app.id},
              'B' || lpad(i::text, 12, '0'), 'wechatpay', 'qr', 100 + (i % 9900), 'CNY', 'bench', 'succeeded',
              '4200' || lpad(i::text, 24, '0'), ${start}::timestamptz, ${start}::timestamptz,
              ${start}::timestamptz + interval '2 hours',
              ${start}::timestamptz + (floor(i::numeric * 86000 / ${N}) || ' seconds')::interval
         FROM generate_series(${from}::int, ${last}::int) AS i`,
      );
    }
    await db.query('ANALYZE charges');
    await writeLines(bill, tradeBillLines(billRows(), 6000));
    await writeLines(
      plain,
      tradeBillLines(billRows(), 6000),
      (l) => l.startsWith('`') && !l.startsWith('`' + N),
    );

    // Baseline: the same lines COPYed into a table of 27 text columns, nothing else.
    await db.query(
      `CREATE TABLE bench_copy (${Array.from({ length: 27 }, (_, i) => `c${i} text`).join(', ')})`,
    );
    let started = performance.now();
    execFileSync('psql', [url!, '-qc', `\\copy bench_copy FROM '${plain}' WITH (FORMAT csv)`]);
    const copySeconds = (performance.now() - started) / 1000;

    // Where the time goes: reading and parsing the file alone, without the database.
    started = performance.now();
    for await (const row of tradeBillRows(fileLines(bill))) void row;
    const parseSeconds = (performance.now() - started) / 1000;

    const statement: Statement = {
      id: `wechatpay:tradebill:${DAY}:bench`,
      rows: () => tradeBillRows(fileLines(bill)),
      dispose: async () => {},
    };
    const connector = { name: 'wechatpay', capabilities: { methods: [] }, statement: async () => statement };
    const configs = testModeConfigs();
    configs.provide('wechatpay', () => ({ settings: {}, secrets: {} }));
    const core = { ...benchCore(db), testModeConfigs: configs };
    core.connectors = { resolve: () => connector as unknown as Connector };
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    started = performance.now();
    const run = (await reconcileDay(core, { provider: 'wechatpay' }, { date: DAY, trigger: 'manual' }))!;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (run.status !== 'completed' || run.counts.matched !== N) {
      throw new Error(`reconcile bench: expected ${N} matched, got ${JSON.stringify(run)}`);
    }
    // How many settlement updates stayed on their page (HOT: no index entries); the
    // statistics reach the view within a second of the backends' last transaction.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [upd] = await db.query<{ hot: string; all: string }>(
      "SELECT n_tup_hot_upd AS hot, n_tup_upd AS all FROM pg_stat_user_tables WHERE relname = 'charges'",
    );
    const rate = N / seconds;
    const copyRate = N / copySeconds;
    const ratio = rate / copyRate;
    console.log(
      `reconcile: ${N} lines in ${seconds.toFixed(1)} s = ${Math.round(rate)} lines/s; COPY ${copySeconds.toFixed(1)} s = ` +
        `${Math.round(copyRate)} lines/s; ratio ${ratio.toFixed(2)} (target ${TARGET}); peak RSS ${Math.round(peak / 2 ** 20)} MiB; ` +
        `parsing alone ${parseSeconds.toFixed(1)} s; HOT updates ${upd?.hot}/${upd?.all}`,
    );
    return ratio;
  } finally {
    await rm(bill, { force: true });
    await rm(plain, { force: true });
    await drop();
  }
}

if (process.argv[1]?.endsWith('reconcile.ts')) await runReconcileBench();
