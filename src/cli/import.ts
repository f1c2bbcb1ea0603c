import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { checkImport } from '../core/apps/check-import.js';
import { createMerchant } from '../core/apps/create-app.js';
import { checkChannelConfigImport, importChannelConfigs } from '../core/apps/import-channel-configs.js';
import { type RecordAudit, importApp, importCredentials } from '../core/apps/import-credentials.js';
import type { Core } from '../core/context.js';
import { insertAuditEntry } from '../db/audit-log.js';
import { JuheError } from '../domain/errors.js';
import { openCore } from '../runtime.js';

/**
 * `juhe app import <file.json>` and `juhe channel-config import <file.json>`: the admin
 * API's imports for an operator on the gateway's host (docs/credential-import.md has the
 * file shapes). Audited like the API, the actor being the CLI and the system user.
 */
function cliAudit(core: Core): RecordAudit {
  const who = safeUser();
  return (q, action, target, data) =>
    insertAuditEntry(q, {
      id: core.ids.next('audit'),
      actorType: 'cli',
      actorId: who,
      action,
      targetType: target.type,
      targetId: target.id,
      data,
      ip: null,
      createdAt: core.clock.now(),
    });
}

function safeUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** A refused import says which field, as the admin API's 400/409 does. */
function explained(error: unknown): Error {
  if (error instanceof JuheError)
    return new Error(`${error.code}${error.param ? ` (${error.param})` : ''}: ${error.message}`);
  return error as Error;
}

async function withCore<T>(run: (core: Core) => Promise<T>): Promise<void> {
  const core = await openCore(loadConfig());
  try {
    process.stdout.write(JSON.stringify(await run(core), null, 2) + '\n');
  } catch (error) {
    throw explained(error);
  } finally {
    await core.db.close();
  }
}

export function registerImportCommands(program: Command, app: Command): void {
  app
    .command('import <file>')
    .description('create an app (or add to one with --app) from the credentials its clients already hold')
    .option('--app <id>', 'add to this existing app instead of creating one')
    .action(async (file: string, o: { app?: string }) => {
      const document = readJson(file) as Record<string, unknown>;
      const modes = (() => {
        try {
          return checkImport(document, ['name', 'merchant', 'merchant_name']);
        } catch (error) {
          throw explained(error);
        }
      })();
      await withCore(async (core) => {
        const record = cliAudit(core);
        if (o.app) {
          const imported = await core.db.tx((q) => importCredentials(q, core, o.app!, modes, record));
          return { app: { id: o.app }, imported };
        }
        const name = document.name;
        if (typeof name !== 'string' || name.length < 1 || name.length > 200)
          throw new JuheError(
            'missing_parameter',
            'name (1 to 200 characters) is required to create an app',
            'name',
          );
        return core.db.tx(async (q) => {
          const merchantId =
            typeof document.merchant === 'string'
              ? document.merchant
              : (
                  await createMerchant(q, core, {
                    name: typeof document.merchant_name === 'string' ? document.merchant_name : 'Merchant',
                  })
                ).id;
          return importApp(q, core, { merchantId, name }, modes, record);
        });
      });
    });

  program
    .command('channel-config')
    .description('manage upstream channel configs')
    .command('import <file>')
    .description('create or update channel configs from a JSON list, all or nothing')
    .action(async (file: string) => {
      const raw = readJson(file);
      const list = Array.isArray(raw) ? raw : (raw as { configs?: unknown } | null)?.configs;
      await withCore(async (core) => {
        const configs = checkChannelConfigImport(list);
        const saved = await core.db.tx((q) => importChannelConfigs(q, core, configs, cliAudit(core)));
        return saved.map(({ row, created }) => ({
          id: row.id,
          app: row.app_id,
          mode: row.livemode ? 'live' : 'test',
          provider: row.provider,
          created,
        }));
      });
    });
}
