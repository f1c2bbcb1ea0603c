import type { Config } from '../config.js';
import { startReplaySweeper } from '../core/auth/request-replay.js';
import { startExpiryWorker } from '../core/payments/expire-charges.js';
import { startPollingWorker } from '../core/payments/poll.js';
import { startDuplicateRefundWorker } from '../core/payments/refund-duplicates.js';
import { startReconciliationWorker } from '../core/reconciliation/daily.js';
import { buildServer } from '../http/server.js';
import { startNotifyWorkers } from '../deliveries/worker.js';
import { openCore } from '../runtime.js';
import { hasUsers, seedDemoIfEmpty } from './seed.js';

/**
 * `juhe start`: migrate, seed on an empty database, serve, run workers. SIGTERM/SIGINT
 * stop accepting connections, let in-flight requests and deliveries finish, then exit.
 */
export async function serve(config: Config): Promise<void> {
  const core = await openCore(config);
  const demo = config.seedDemo ? await seedDemoIfEmpty(core, config.home) : null;
  const app = await buildServer({
    core,
    logger: { level: config.logLevel },
    limits: config.limits,
    sandbox: config.sandbox,
    ops: config.ops,
  });
  const stopWorkers: (() => Promise<void>)[] = [];
  if (config.workers) {
    stopWorkers.push(
      startExpiryWorker(core),
      startPollingWorker(core),
      startReplaySweeper(core),
      startReconciliationWorker(core),
      startDuplicateRefundWorker(core),
    );
    const notify = startNotifyWorkers(core, { allowPrivateTargets: config.allowPrivateTargets });
    stopWorkers.push(() => notify.stop());
  }
  await app.listen({ port: config.port, host: config.host });
  const url = config.publicUrl;
  core.log.info({ url, database: core.db.engine }, 'juhe is listening');
  if (demo) printDemo(url, demo, config.home);
  else if (!config.seedDemo && !(await hasUsers(core)))
    core.log.warn(
      'no console user yet: create the first owner with ' +
        '`juhe user create --email you@example.com --password <at least 8 characters> --role owner`',
    );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    core.log.info({ signal }, 'shutting down: draining requests and workers');
    await app.close();
    await Promise.all(stopWorkers.map((stop) => stop()));
    await core.db.close();
    core.log.info('bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function printDemo(
  url: string,
  demo: NonNullable<Awaited<ReturnType<typeof seedDemoIfEmpty>>>,
  home: string,
) {
  const lines = [
    '',
    '  Juhe is running with demo data (test mode: no real money moves).',
    `  Console:     ${url}/console   (中文 / English)`,
    `  Login:       ${demo.console.email} / ${demo.console.password}`,
    `  Admin API:   ${url}/api/v1   (docs: ${url}/api/docs)`,
    `  API token:   ${demo.console.apiToken}`,
    `  Everything (every dialect's credentials): ${home}/demo.json`,
    '',
    '  Try a payment:',
    `    curl -s -H 'Authorization: Bearer ${demo.console.apiToken}' -H 'Content-Type: application/json' \\`,
    `      -d '{"app":"${demo.ids.app}","order_no":"demo-1","channel":"wechatpay","method":"qr","amount":100,"currency":"CNY","subject":"Coffee"}' \\`,
    `      ${url}/api/v1/charges`,
    `    curl -s -X POST -H 'Authorization: Bearer ${demo.console.apiToken}' ${url}/api/v1/test_helpers/charges/demo-1/pay`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
