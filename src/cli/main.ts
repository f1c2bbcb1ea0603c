#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createApp, createMerchant, issueCredentials } from '../core/apps/create-app.js';
import { migrate } from '../db/migrate.js';
import { createUser } from '../http/admin/auth-routes.js';
import { ROLES } from '../http/admin/kit.js';
import { openCore, openDatabase } from '../runtime.js';
import { registerImportCommands } from './import.js';
import { registerReconcileCommand } from './reconcile.js';
import { registerSandboxCommand } from './sandbox.js';
import { serve } from './serve.js';

const program = new Command('juhe').description('Juhe: a self-hosted aggregated payment gateway');

program
  .command('start')
  .description('apply migrations, seed demo data on an empty database, and serve')
  .action(async () => {
    await serve(loadConfig());
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const db = await openDatabase(loadConfig());
    const applied = await migrate(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    await db.close();
  });

const user = program.command('user').description('manage console users');
user
  .command('create')
  .requiredOption('--email <email>')
  .requiredOption('--password <password>', 'at least 8 characters')
  .option('--role <role>', `one of ${ROLES.join(', ')}`, 'admin')
  .option('--name <name>')
  .action(async (o: { email: string; password: string; role: string; name?: string }) => {
    if (!(ROLES as readonly string[]).includes(o.role))
      throw new Error(`role must be one of ${ROLES.join(', ')}`);
    if (o.password.length < 8) throw new Error('password must be at least 8 characters');
    const core = await openCore(loadConfig());
    const created = await createUser(core, o);
    process.stdout.write(JSON.stringify(created, null, 2) + '\n');
    await core.db.close();
  });

const app = program.command('app').description('manage apps');
app
  .command('create')
  .requiredOption('--name <name>', 'app name')
  .option('--merchant <id>', 'existing merchant id (a new merchant is created when omitted)')
  .option('--merchant-name <name>', 'name of the new merchant', 'Merchant')
  .option('--live', 'also issue live-mode credentials')
  .action(async (o: { name: string; merchant?: string; merchantName: string; live?: boolean }) => {
    const core = await openCore(loadConfig());
    const result = await core.db.tx(async (q) => {
      const merchantId = o.merchant ?? (await createMerchant(q, core, { name: o.merchantName })).id;
      const created = await createApp(q, core, { merchantId, name: o.name });
      const test = await issueCredentials(q, core, { appId: created.id, livemode: false });
      const live = o.live
        ? await issueCredentials(q, core, { appId: created.id, livemode: true })
        : undefined;
      return { app: created, credentials: { test, live } };
    });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    await core.db.close();
  });

registerImportCommands(program, app);
registerSandboxCommand(program);
registerReconcileCommand(program);
program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`juhe: ${error.message}\n`);
  process.exit(1);
});
