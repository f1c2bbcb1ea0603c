import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { secretBox } from '../core/secret-box.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { type DefaultMerchants, defaultMerchants, sandboxServer } from '../sandbox/standalone.js';

export interface RunningSandbox {
  url: string;
  merchants: DefaultMerchants;
  close(): Promise<void>;
}

/**
 * Serves every simulator alone on `db` (its tables come with the gateway's migrations),
 * listening on host:port; `publicUrl` is what payers and gateways reach it at (default:
 * the listening address).
 */
export async function startSandbox(o: {
  db: Db;
  masterKey: Buffer;
  port: number;
  host: string;
  publicUrl?: string;
  logLevel?: string;
  /** The wall clock unless a suite drives time by hand (as its gateway's). */
  clock?: Clock;
}): Promise<RunningSandbox> {
  await migrate(o.db);
  const ctx = {
    db: o.db,
    clock: o.clock ?? systemClock,
    log: pino({ level: o.logLevel ?? 'info', base: { service: 'juhe-sandbox' } }),
    box: secretBox(o.masterKey),
    publicUrl: o.publicUrl ?? '',
  };
  const app = await sandboxServer(ctx);
  await app.listen({ port: o.port, host: o.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = o.publicUrl ?? `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${port}`;
  ctx.publicUrl = url;
  return { url, merchants: await defaultMerchants(ctx), close: () => app.close() };
}

/** `juhe sandbox --port N [--host H]`: the simulators alone, for a gateway elsewhere. */
export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('serve every provider simulator alone (payer pages and payer API included)')
    .option('--port <port>', 'port to listen on', '4010')
    .option('--host <host>', 'host to listen on', '127.0.0.1')
    .action(async (o: { port: string; host: string }) => {
      const config = loadConfig();
      let db: Db;
      if (config.databaseUrl) db = await openPostgres(config.databaseUrl);
      else {
        mkdirSync(join(config.home, 'sandbox'), { recursive: true });
        db = await openPglite(join(config.home, 'sandbox', 'pgdata'));
      }
      const running = await startSandbox({
        db,
        masterKey: config.masterKey,
        port: Number(o.port),
        host: o.host,
        publicUrl: process.env.JUHE_SANDBOX_PUBLIC_URL,
        logLevel: config.logLevel,
      });
      process.stdout.write(`juhe sandbox at ${running.url}\n`);
      process.stdout.write('default merchants (a test-mode channel config per provider):\n');
      process.stdout.write(`${JSON.stringify(running.merchants, null, 2)}\n`);
    });
}
