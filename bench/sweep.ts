import { connectorRegistry } from '../src/channels/registry.js';
import { sandboxConnector } from '../src/channels/sandbox/sandbox.js';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore, load } from './support.js';

/**
 * The admin create-charge under offered load: its peak (autocannon, 16 connections, no
 * rate limit), then a sweep at fixed offered rates from 10% to 120% of that peak, each
 * step's achieved throughput and p99 recorded. The chart (bench/chart.ts) draws both
 * against the offered load; the latency target is the p99 at half of peak.
 */
export interface SweepPoint {
  percent: number;
  offered: number;
  rps: number;
  p99: number;
}

export interface SweepFigures {
  peak: number;
  peakP99: number;
  points: SweepPoint[];
  /** The p99 measured at 50% of peak. */
  halfPeakP99: number;
}

const STEP_SECONDS = Number(process.env.BENCH_SWEEP_SECONDS ?? 5);
const PERCENTS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];

export async function runSweepBench(): Promise<SweepFigures> {
  const { db, drop } = await freshDb('postgres');
  const core = benchCore(db, connectorRegistry({ wechatpay: sandboxConnector() }));
  try {
    const { app } = await seedApp(core);
    const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
    const server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/api/v1/charges`;
    const request = (prefix: string) => ({
      url,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        app: app.id,
        order_no: `${prefix}-[<id>]`,
        channel: 'wechatpay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'bench',
      }),
    });
    try {
      await load({ ...request('warm'), seconds: 5 });
      const peak = await load({ ...request('peak'), seconds: STEP_SECONDS * 2 });
      console.log(
        `sweep: admin create peak ${peak.rps.toFixed(0)}/s (p99 ${peak.p99.toFixed(1)} ms, 16 connections)`,
      );
      const points: SweepPoint[] = [];
      for (const percent of PERCENTS) {
        const offered = Math.max(1, Math.round((peak.rps * percent) / 100));
        const measured = await load({
          ...request(`s${percent}`),
          connections: 64,
          rate: offered,
          seconds: STEP_SECONDS,
        });
        points.push({ percent, offered, rps: measured.rps, p99: measured.p99 });
        console.log(
          `  offered ${String(percent).padStart(3)}% (${offered}/s): ${measured.rps.toFixed(0)}/s, p99 ${measured.p99.toFixed(1)} ms`,
        );
      }
      const halfPeakP99 = points.find((p) => p.percent === 50)!.p99;
      return { peak: peak.rps, peakP99: peak.p99, points, halfPeakP99 };
    } finally {
      await server.close();
    }
  } finally {
    await drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runSweepBench()));
}
