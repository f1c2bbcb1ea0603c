import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { type Engine, engines, freshDb } from '../support/db.js';
import { freePort, startGateway, waitForExit } from '../support/process.js';

/**
 * Nothing acknowledged is ever lost: create charges in a loop against a real `juhe start`,
 * kill -9 it mid-flight, start it again, and find every charge whose create returned 2xx,
 * with its event and outbox row.
 */
describe.each(engines())('crash safety (%s)', (engine: Engine) => {
  const home = mkdtempSync(join(tmpdir(), 'juhe-crash-'));
  let dropDb: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await dropDb?.();
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'keeps every acknowledged charge with its events and outbox rows across kill -9',
    { timeout: 300_000 },
    async () => {
      const env: Record<string, string> = { JUHE_HOME: home, JUHE_WORKERS: 'off' };
      if (engine === 'postgres') {
        const fresh = await freshDb('postgres');
        await fresh.db.close(); // the gateway migrates and owns it; we only keep the name to drop it
        env.DATABASE_URL = fresh.url!;
        dropDb = fresh.drop;
      }
      const port = await freePort();
      const first = await startGateway(env, port);
      const demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8'));
      const headers = {
        authorization: `Bearer ${demo.console.apiToken}`,
        'content-type': 'application/json',
      };

      const acknowledged: string[] = [];
      let stop = false;
      let n = 0;
      const worker = async () => {
        while (!stop) {
          n += 1;
          const body = {
            app: demo.ids.app,
            order_no: `crash-${n}`,
            channel: n % 3 === 0 ? 'cash' : 'wechatpay',
            method: n % 3 === 0 ? 'offline' : 'qr',
            amount: 100 + n,
            currency: 'CNY',
            subject: 'crash test',
          };
          try {
            const response = await fetch(`${first.url}/api/v1/charges`, {
              method: 'POST',
              headers,
              body: JSON.stringify(body),
            });
            if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
          } catch {
            return; // the server died under us: expected
          }
        }
      };
      const workers = Array.from({ length: 4 }, worker);
      await new Promise((r) => setTimeout(r, 2500));
      first.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await waitForExit(first.child);
      expect(acknowledged.length).toBeGreaterThan(5);

      const second = await startGateway(env, port);
      for (const id of acknowledged) {
        const response = await fetch(`${second.url}/api/v1/charges/${id}`, { headers });
        expect(response.status, id).toBe(200);
      }
      second.child.kill('SIGTERM');
      expect(await waitForExit(second.child)).toBe(0);

      const db: Db =
        engine === 'postgres' ? openPostgres(env.DATABASE_URL!) : await openPglite(join(home, 'pgdata'));
      try {
        const rows = await db.query<{
          id: string;
          status: string;
          created: number;
          succeeded: number;
          outbox: number;
        }>(
          `SELECT c.id, c.status,
           count(*) FILTER (WHERE e.type = 'charge.created')::int AS created,
           count(*) FILTER (WHERE e.type = 'charge.succeeded')::int AS succeeded,
           count(o.id)::int AS outbox
         FROM charges c JOIN events e ON e.object_id = c.id LEFT JOIN outbox o ON o.event_id = e.id
         WHERE c.id = ANY($1) GROUP BY c.id, c.status`,
          [acknowledged],
        );
        expect(rows).toHaveLength(acknowledged.length);
        for (const row of rows) {
          expect(row.created, row.id).toBe(1);
          // cash succeeds inside the create request: its success event was acknowledged too
          expect(row.succeeded, row.id).toBe(row.status === 'succeeded' ? 1 : 0);
          expect(row.outbox, row.id).toBe(row.created + row.succeeded);
        }
      } finally {
        await db.close();
      }
    },
  );
});
