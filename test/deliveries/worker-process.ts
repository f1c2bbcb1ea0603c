/**
 * One notification "node" as its own process: the workers against DATABASE_URL until killed.
 * The crash suite SIGKILLs it mid-delivery and starts another. SIGTERM stops it gracefully.
 */
import pino from 'pino';
import { connectorRegistry } from '../../src/channels/registry.js';
import type { Core } from '../../src/core/context.js';
import { secretBox } from '../../src/core/secret-box.js';
import { openPostgres } from '../../src/db/postgres.js';
import { systemClock } from '../../src/domain/clock.js';
import { randomIds } from '../../src/domain/ids.js';
import { startNotifyWorkers } from '../../src/deliveries/worker.js';

const env = process.env;
const db = openPostgres(env.DATABASE_URL!, 4);
const core: Core = {
  db,
  clock: systemClock,
  ids: randomIds(),
  box: secretBox(Buffer.from(env.JUHE_MASTER_KEY!, 'hex')),
  connectors: connectorRegistry(),
  log: pino({ level: 'silent' }),
  publicUrl: 'http://127.0.0.1:3000',
};
const workers = startNotifyWorkers(core, {
  workerId: env.WORKER_ID,
  timeoutMs: Number(env.TIMEOUT_MS ?? 10_000),
  leaseMs: Number(env.LEASE_MS ?? 60_000),
  pollIntervalMs: 50,
  allowPrivateTargets: true,
});
process.on('SIGTERM', () => {
  void workers
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
process.stdout.write('ready\n');
