import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { engines, freshDb } from '../support/db.js';
import { PgProxy } from '../support/pg-proxy.js';
import { type GatewayProcess, freePort, startGateway, waitForExit } from '../support/process.js';

/**
 * Issue 15 items 1 and 2 against a real `juhe start` under load: PostgreSQL restarts (every
 * connection cut, pg_terminate_backend's 57P01, down for a while) and freezes. The shared
 * server is never touched: the gateway reaches its database through a TCP proxy.
 * Every answer must be a success or the API's own retryable answer, never a 500 or a hang;
 * the process must live on, and serve again within seconds of the database's return.
 */
const TIMEOUTS = {
  // Roomy enough for a 2-core CI machine where other suites share the server: a reconnect
  // storm after a restart must finish its handshakes within the connect timeout.
  JUHE_DB_CONNECT_TIMEOUT_MS: '3000',
  JUHE_DB_STATEMENT_TIMEOUT_MS: '1000',
  JUHE_DB_LOCK_TIMEOUT_MS: '1000',
};
/** Connect 3 s + the client's read timeout (statement 1 s + 2 s), with room for a loaded machine. */
const LONGEST_ANSWER_MS = 8_000;
/** "Within seconds of the database's return" (about 1 s measured on a quiet machine). */
const RECOVERY_MS = 8_000;

type Outcome = 'ok' | 'retryable' | 'wrong';
interface Answer {
  kind: string;
  outcome: Outcome;
  ms: number;
  detail: string;
  at: number;
}

describe.skipIf(!engines().includes('postgres'))('gateway through PostgreSQL outages (postgres)', () => {
  const home = mkdtempSync(join(tmpdir(), 'juhe-outage-'));
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'rides through restarts, a refusal and a freeze: retryable answers, no exit, back within seconds',
    { timeout: 240_000 },
    async () => {
      const database = await freshDb('postgres');
      await database.db.close();
      cleanup.push(database.drop);
      const proxy = await PgProxy.start(database.url!);
      cleanup.push(() => proxy.close());
      const gateway = await startGateway(
        { JUHE_HOME: home, DATABASE_URL: proxy.via(database.url!), LOG_LEVEL: 'warn', ...TIMEOUTS },
        await freePort(),
      );
      cleanup.push(async () => {
        gateway.child.kill('SIGKILL');
        await waitForExit(gateway.child);
      });
      const requests = requestKinds(gateway, JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')));

      const answers: Answer[] = [];
      let running = true;
      const load = Array.from({ length: 4 }, async (_, worker) => {
        for (let n = worker; running; n += 4) {
          const [kind, send] = requests[n % requests.length];
          answers.push({ kind, ...(await timed(send)) });
        }
      });

      const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
      /** Milliseconds from now until every kind of request has succeeded again. */
      const recovery = async (): Promise<number> => {
        const from = Date.now();
        const pending = new Set(requests.map(([kind]) => kind));
        while (pending.size > 0) {
          if (Date.now() - from > 30_000) {
            const last = answers.filter((a) => pending.has(a.kind)).slice(-6);
            throw new Error(
              `not back after 30 s: ${JSON.stringify(last)}\n${gateway.output().slice(-3_000)}`,
            );
          }
          await settle(100);
          for (const a of answers) if (a.at >= from && a.outcome === 'ok') pending.delete(a.kind);
        }
        return Date.now() - from;
      };

      await settle(1_500);
      const recovered: Record<string, number> = {};
      const readinessWhileFrozen: number[] = [];

      for (let round = 1; round <= 3; round++) {
        proxy.cut(); // a restart: every connection drops at once
        recovered[`restart ${round}`] = await recovery();
        await settle(500);
      }

      await terminateBackends(database.url!); // what a fast shutdown sends: 57P01 to every session
      recovered['pg_terminate_backend'] = await recovery();

      await proxy.refuse(); // down for two seconds
      await settle(2_000);
      await proxy.accept();
      recovered['down 2 s'] = await recovery();

      proxy.freeze(); // frozen for four seconds
      for (let i = 0; i < 4; i++) {
        const started = Date.now();
        const response = await fetch(`${gateway.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        readinessWhileFrozen.push(Date.now() - started);
        expect(response.status).toBe(503);
        await settle(700);
      }
      proxy.thaw();
      recovered['frozen 4 s'] = await recovery();

      running = false;
      await Promise.all(load);

      const wrong = answers.filter((a) => a.outcome === 'wrong');
      const slowest = Math.max(...answers.map((a) => a.ms));
      const tally = Object.fromEntries(
        (['ok', 'retryable', 'wrong'] as const).map((o) => [
          o,
          answers.filter((a) => a.outcome === o).length,
        ]),
      );
      console.info('outage figures', { tally, slowest, recovered, readinessWhileFrozen });

      expect(gateway.child.exitCode).toBeNull();
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(tally.retryable).toBeGreaterThan(0);
      expect(slowest).toBeLessThan(LONGEST_ANSWER_MS);
      for (const ms of Object.values(recovered)) expect(ms).toBeLessThan(RECOVERY_MS);
      for (const ms of readinessWhileFrozen) expect(ms).toBeLessThan(1_000);
      // The workers (expiry, polling, delivery) and request handlers logged no crash.
      expect(gateway.output()).not.toMatch(/Unhandled|uncaught|FATAL/i);

      gateway.child.kill('SIGTERM');
      expect(await waitForExit(gateway.child)).toBe(0);
    },
  );
});

type Send = () => Promise<{ outcome: Outcome; detail: string }>;

/** A request of each API, each judged by that API's own success and retryable shapes. */
function requestKinds(gateway: GatewayProcess, demo: any): [string, Send][] {
  const admin = { authorization: `Bearer ${demo.console.apiToken}`, 'content-type': 'application/json' };
  let n = 0;
  const adminJudge = async (response: Response, okStatus: number) => {
    const body = (await response.json()) as { error?: { code?: string } };
    if (response.status === okStatus) return { outcome: 'ok' as const, detail: '' };
    const retryable = response.status === 503 && body.error?.code === 'database_unavailable';
    return {
      outcome: retryable ? ('retryable' as const) : ('wrong' as const),
      detail: `${response.status} ${JSON.stringify(body)}`,
    };
  };
  return [
    [
      'admin: create and refund a cash charge',
      async () => {
        n += 1;
        const created = await fetch(`${gateway.url}/api/v1/charges`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({
            app: demo.ids.app,
            order_no: `outage-${n}`,
            channel: 'cash',
            method: 'offline',
            amount: 500,
            currency: 'CNY',
            subject: 'outage test',
          }),
          signal: AbortSignal.timeout(LONGEST_ANSWER_MS + 3_000),
        });
        if (created.status !== 201) return adminJudge(created, 201);
        const { id } = (await created.json()) as { id: string };
        const refunded = await fetch(`${gateway.url}/api/v1/charges/${id}/refunds`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ amount: 100 }),
          signal: AbortSignal.timeout(LONGEST_ANSWER_MS + 3_000),
        });
        return adminJudge(refunded, refunded.status === 200 ? 200 : 201);
      },
    ],
    [
      'maxpay: records',
      async () => {
        const response = await fetch(`${gateway.url}/2.0/maxpay/records`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-ml-appid': demo.maxpay.appId,
            'x-ml-masterkey': demo.maxpay.masterKey,
          },
          body: JSON.stringify({ limit: 5 }),
          signal: AbortSignal.timeout(LONGEST_ANSWER_MS + 3_000),
        });
        const body = (await response.json()) as { code?: number };
        if (response.status !== 200)
          return { outcome: 'wrong', detail: `${response.status} ${JSON.stringify(body)}` };
        if (body.code === 0) return { outcome: 'ok', detail: '' };
        return { outcome: body.code === 14 ? 'retryable' : 'wrong', detail: JSON.stringify(body) };
      },
    ],
    [
      'paymax: retrieve a charge',
      async () => {
        const response = await fetch(`${gateway.url}/v1/charges/ch_${'0'.repeat(24)}`, {
          headers: { authorization: demo.paymax.secretKey },
          signal: AbortSignal.timeout(LONGEST_ANSWER_MS + 3_000),
        });
        const body = (await response.json()) as { failure_code?: string };
        if (response.status === 400 && body.failure_code === 'ORDER_NO_NOT_EXIST')
          return { outcome: 'ok', detail: '' };
        const retryable = response.status === 503 && body.failure_code === 'SYSTEM_ERROR';
        return {
          outcome: retryable ? 'retryable' : 'wrong',
          detail: `${response.status} ${JSON.stringify(body)}`,
        };
      },
    ],
    [
      'readyz',
      async () => {
        const response = await fetch(`${gateway.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        if (response.status === 200) return { outcome: 'ok', detail: '' };
        return { outcome: response.status === 503 ? 'retryable' : 'wrong', detail: String(response.status) };
      },
    ],
  ];
}

async function timed(send: Send): Promise<Omit<Answer, 'kind'>> {
  const started = Date.now();
  try {
    const { outcome, detail } = await send();
    return { outcome, detail, ms: Date.now() - started, at: started };
  } catch (error) {
    // A refused connection or an answer that never came: the gateway died or hung.
    return { outcome: 'wrong', detail: String(error), ms: Date.now() - started, at: started };
  }
}

async function terminateBackends(databaseUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
  } finally {
    await admin.end();
  }
}
