import pg from 'pg';
import { createStore } from '../src/core/apps/stores.js';
import { chinaDayStart } from '../src/domain/china-time.js';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore } from './support.js';

/**
 * The console's transactions list (GET /api/v1/charges, 20 a page, as TransactionsPage
 * asks) on N charges generated with SQL (generate_series) into a dedicated database: every
 * filter the page offers (state: paid, refunded, partly refunded, unpaid, closed, failed;
 * channel by product; store; time today, 7, 30, 60 days and custom; search by any order
 * number: the merchant's, ours, the charge id, the upstream's) alone and combined, each
 * timed over REQUESTS sequential requests after a warm-up. p95 and p99 per combination.
 */
const REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 40);
const DAY = 86_400_000;
/** The generated charges span this many days back from now. */
const SPAN_DAYS = 90;

export interface ListCombination {
  name: string;
  query: string;
  p50: number;
  p95: number;
  p99: number;
  rows: number;
}

export interface ListFigures {
  n: number;
  generationSeconds: number;
  combinations: ListCombination[];
}

const PRODUCTS = [
  ['alipay', 'qr'],
  ['alipay', 'page'],
  ['alipay', 'wap'],
  ['wechatpay', 'qr'],
  ['wechatpay', 'jsapi'],
  ['wechatpay', 'barcode'],
  ['unionpay', 'page'],
  ['paypal', 'page'],
] as const;

export async function runListBench(n: number): Promise<ListFigures> {
  const { db, url: dbUrl, drop } = await freshDb('postgres');
  const core = benchCore(db);
  try {
    const { app } = await seedApp(core);
    const stores = [];
    for (let i = 0; i < 8; i++) {
      stores.push(await createStore(db, core, { appId: app.id, name: `store ${i}`, livemode: false }));
    }
    const now = Date.now();
    const started = performance.now();
    await generate(
      dbUrl!,
      app.id,
      stores.map((s) => s.id),
      n,
      new Date(now),
    );
    const generationSeconds = (performance.now() - started) / 1000;
    console.log(`list: generated ${n} charges (and ANALYZE) in ${generationSeconds.toFixed(1)} s`);

    const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
    const server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/api/v1/charges`;
    const headers = { authorization: `Bearer ${token}` };
    try {
      const combinations: ListCombination[] = [];
      for (const [name, query] of combinationsFor(new Date(now), stores[3]!.id, n)) {
        const get = async () => {
          const res = await fetch(`${url}?${query}&limit=20`, { headers });
          const body = (await res.json()) as { data?: unknown[] };
          if (res.status !== 200) throw new Error(`list ${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
          return body.data?.length ?? 0;
        };
        await get();
        await get();
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < REQUESTS; i++) {
          const t = performance.now();
          rows = await get();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(times.length * q) - 1)]!;
        combinations.push({ name, query, p50: at(0.5), p95: at(0.95), p99: at(0.99), rows });
        console.log(
          `  ${name.padEnd(44)} p50 ${at(0.5).toFixed(1).padStart(6)} ms  p95 ${at(0.95).toFixed(1).padStart(6)} ms  ` +
            `p99 ${at(0.99).toFixed(1).padStart(6)} ms  (${rows} rows)`,
        );
      }
      return { n, generationSeconds, combinations };
    } finally {
      await server.close();
    }
  } finally {
    await drop();
  }
}

/**
 * N charges over SPAN_DAYS days, newest now: one in four at a store, products spread, the
 * statuses a live gateway accumulates (most paid; some unpaid, closed, failed; paid ones
 * partly or fully refunded), upstream numbers on paid ones. One INSERT ... SELECT.
 */
async function generate(url: string, appId: string, storeIds: string[], n: number, now: Date) {
  const products = PRODUCTS.map(([c]) => `'${c}'`).join(',');
  const methods = PRODUCTS.map(([, m]) => `'${m}'`).join(',');
  const storeArray = storeIds.map((s) => `'${s}'`).join(',');
  // Its own connection, without the gateway pool's statement timeout: this takes minutes.
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`ALTER TABLE charges SET (autovacuum_enabled = false)`);
  await db.query(
    `INSERT INTO charges (id, app_id, store_id, livemode, dialect, order_no, order_scope, order_sn, channel, method,
       amount, amount_refunded, currency, subject, status, transaction_no, created_at, updated_at, expires_at, paid_at)
     SELECT 'ch_' || lpad(to_hex(i), 24, '0'), $1,
            CASE WHEN i % 4 = 0 THEN (ARRAY[${storeArray}])[1 + (i / 4) % ${storeIds.length}] END,
            false, 'admin', 'bl' || i, 'app', 'sn' || i,
            (ARRAY[${products}])[1 + i % ${PRODUCTS.length}], (ARRAY[${methods}])[1 + i % ${PRODUCTS.length}],
            1000 + i % 9000,
            CASE WHEN s = 'succeeded' AND i % 50 = 1 THEN 1000 + i % 9000
                 WHEN s = 'succeeded' AND i % 50 = 2 THEN 500 ELSE 0 END,
            'CNY', 'bench', s,
            CASE WHEN s = 'succeeded' THEN 'tx' || i END,
            t, t, t + interval '2 hours',
            CASE WHEN s = 'succeeded' THEN t + interval '1 minute' END
       FROM (SELECT i,
                    $2::timestamptz - (($3::bigint - i) * ($4::float8 / $3::bigint)) * interval '1 millisecond' AS t,
                    CASE WHEN i % 20 < 15 THEN 'succeeded' WHEN i % 20 < 17 THEN 'closed'
                         WHEN i % 20 = 17 THEN 'canceled' WHEN i % 20 = 18 THEN 'failed'
                         WHEN i % 40 = 19 THEN 'pending' ELSE 'user_paying' END AS s
               FROM generate_series(1, $3::bigint) AS i) g`,
    [appId, now, n, SPAN_DAYS * DAY],
  );
  await db.query(`ALTER TABLE charges SET (autovacuum_enabled = true)`);
  await db.query('VACUUM ANALYZE charges');
  await db.end();
}

/** The page's filters as its query strings (filters.ts and types.ts STATES of the console). */
function combinationsFor(now: Date, storeId: string, n: number): Array<[string, string]> {
  const iso = (d: Date) => encodeURIComponent(d.toISOString());
  const today = chinaDayStart(now);
  const end = new Date(today.getTime() + DAY - 1);
  const times: Array<[string, string]> = [
    ['today', `created_gte=${iso(today)}&created_lte=${iso(end)}`],
    ['7 days', `created_gte=${iso(new Date(today.getTime() - 6 * DAY))}&created_lte=${iso(end)}`],
    ['30 days', `created_gte=${iso(new Date(today.getTime() - 29 * DAY))}&created_lte=${iso(end)}`],
    ['60 days', `created_gte=${iso(new Date(today.getTime() - 59 * DAY))}&created_lte=${iso(end)}`],
    [
      'custom (80 to 70 days ago)',
      `created_gte=${iso(new Date(today.getTime() - 80 * DAY))}&created_lte=${iso(new Date(today.getTime() - 69 * DAY - 1))}`,
    ],
  ];
  const states: Array<[string, string]> = [
    ['all', ''],
    ['paid', 'status=succeeded&refunded=none'],
    ['refunded', 'refunded=full'],
    ['partly refunded', 'refunded=partial'],
    ['unpaid', 'status=pending&status=user_paying'],
    ['closed', 'status=closed&status=canceled'],
    ['failed', 'status=failed'],
  ];
  const join = (...parts: string[]) => parts.filter((p) => p !== '').join('&');
  const out: Array<[string, string]> = [];
  for (const [t, tq] of times) for (const [s, sq] of states) out.push([`${s}, ${t}`, join(sq, tq)]);
  const month = times[2]![1];
  for (const [channel, method] of [PRODUCTS[0], PRODUCTS[3], PRODUCTS[7]]) {
    out.push([`product ${channel}.${method}, 30 days`, join(`channel=${channel}&method=${method}`, month)]);
    out.push([
      `product ${channel}.${method}, unpaid, 7 days`,
      join(`channel=${channel}&method=${method}`, states[4]![1], times[1]![1]),
    ]);
  }
  out.push(['store, 30 days', join(`store=${storeId}`, month)]);
  out.push(['store, paid, today', join(`store=${storeId}`, states[1]![1], times[0]![1])]);
  out.push([
    'store, product wechatpay.qr, refunded, 60 days',
    join(`store=${storeId}&channel=wechatpay&method=qr`, states[2]![1], times[3]![1]),
  ]);
  // A charge from the last few days (the newest are the highest numbers), inside 30 days.
  const i = Math.max(21, Math.floor(n * 0.97));
  const paidI = i - (i % 20) + 1; // a succeeded one (i % 20 == 1)
  for (const [kind, value] of [
    ["merchant's order number", `bl${i}`],
    ['our order number', `sn${i}`],
    ['charge id', `ch_${i.toString(16).padStart(24, '0')}`],
    ["upstream's number", `tx${paidI}`],
    ['no such number', 'nosuchorder'],
  ]) {
    out.push([`search: ${kind}, 30 days`, join(`any_no=${value}`, month)]);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runListBench(Number(process.env.BENCH_LIST_N ?? 1_000_000));
}
