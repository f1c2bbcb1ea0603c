import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { testModeConfigs } from './channels/_kit/test-mode-configs.js';
import { connectorRegistry } from './channels/registry.js';
import { withTestModeConfigs } from './channels/test-mode.js';
import type { Config } from './config.js';
import type { Core } from './core/context.js';
import { secretBox } from './core/secret-box.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { systemClock } from './domain/clock.js';
import { randomIds } from './domain/ids.js';

/**
 * Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite in
 * JUHE_HOME. Each engine's driver is imported only when it is the one used (PGlite's module is
 * not loaded by a node on PostgreSQL, nor pg by an embedded one).
 */
export async function openDatabase(config: Config): Promise<Db> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./db/postgres.js');
    return openPostgres(config.databaseUrl, config.database);
  }
  mkdirSync(config.home, { recursive: true });
  const { openEmbedded } = await import('./db/embedded.js');
  return openEmbedded(join(config.home, 'pgdata'));
}

/** Wires a Core for the running process and applies pending migrations. */
export async function openCore(config: Config): Promise<Core> {
  const log = pino({ level: config.logLevel, base: { service: 'juhe' } });
  const db = await openDatabase(config);
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // Test mode's default configs: the server fills them with its simulators' default merchants.
  const defaults = testModeConfigs();
  return {
    db,
    clock: systemClock,
    ids: randomIds(),
    box: secretBox(config.masterKey),
    connectors: withTestModeConfigs(connectorRegistry(), defaults),
    testModeConfigs: defaults,
    log,
    publicUrl: config.publicUrl,
  };
}
