import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModeConfigs } from '../../src/channels/_kit/test-mode-configs.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { withTestModeConfigs } from '../../src/channels/test-mode.js';
import { secretBox } from '../../src/core/secret-box.js';
import { manualClock } from '../../src/domain/clock.js';
import { randomIds } from '../../src/domain/ids.js';
import { type TestDb, freshDb } from '../support/db.js';
import type { TestCore } from '../support/core.js';
import { juheArgs } from '../support/process.js';
import { type TestServer, testServer } from '../support/server.js';
import { postRaw } from '../dialects/maxpay-app.js';
import { Mct1Client } from '../dialects/store-client.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `juhe app import` and `juhe channel-config import` as an operator runs them: a separate
 * process on a PostgreSQL database, reading a JSON file. A gateway on the same database and
 * master key then serves the imported store and MaxPay app to their clients.
 */
describe('juhe app import (postgres)', () => {
  const home = mkdtempSync(join(tmpdir(), 'juhe-import-'));
  const masterKey = randomBytes(32);
  let database: TestDb;
  let env: NodeJS.ProcessEnv;
  const file = (name: string, content: unknown) => {
    const path = join(home, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };
  const juhe = (...args: string[]) =>
    run(process.execPath, [...juheArgs('tsx'), ...args], { cwd: ROOT, env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  const count = async (table: string) =>
    (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  const doc = {
    name: 'Moved from MaxPay',
    merchant_name: '书店',
    test: {
      maxpay: {
        app_id: '56a86320e9db7300015438f7',
        master_key: 'Mk7p2WQeRk3e9a1CZx0v4uHq',
        session_tokens: ['St0mYw6b8Lq2xN4vR7cT1aZk'],
      },
      paymax: {
        app_key: 'app_kdjksldf93oksd923oks',
        secret_key: 'sk_test_Tn2bH7qKx9Lm4Wc8Rz1Yv5Pd',
        merchant_public_key: generateKeyPairSync('rsa', { modulusLength: 1024 })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
      },
      stores: [
        {
          name: '旗舰店',
          open_id: '87f46f5db1b65f0ac195285f49ee6958',
          open_key: '0828e83720fdbe3685a7b94214af04f9',
        },
      ],
    },
  };

  beforeAll(async () => {
    database = await freshDb('postgres');
    env = {
      ...process.env,
      JUHE_HOME: home,
      DATABASE_URL: database.url!,
      JUHE_MASTER_KEY: masterKey.toString('hex'),
      LOG_LEVEL: 'warn',
    };
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'imports from a file, refuses bad and duplicate files naming the field, and the keys serve clients',
    { timeout: 300_000 },
    async () => {
      // A bad file: the field is named, the exit code is 1, nothing is written.
      const bad = await juhe(
        'app',
        'import',
        file('bad.json', {
          ...doc,
          test: { ...doc.test, stores: [{ ...doc.test.stores[0], open_key: 'short' }] },
        }),
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('invalid_parameter (test.stores[0].open_key)');
      expect(await count('apps')).toBe(0);

      const imported = await juhe('app', 'import', file('shop.json', doc));
      expect(imported.code, imported.stderr).toBe(0);
      const result = JSON.parse(imported.stdout);
      const appId: string = result.app.id;
      expect(appId).toMatch(/^app_/);
      expect(result.imported[0].stores[0].open_id).toBe(doc.test.stores[0]!.open_id);

      // The same keys again (another app): 409 naming the first taken credential, nothing written.
      const before = [await count('apps'), await count('app_credentials'), await count('stores')];
      const duplicate = await juhe('app', 'import', file('shop.json', doc));
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('already_exists (test.maxpay.app_id)');
      expect([await count('apps'), await count('app_credentials'), await count('stores')]).toEqual(before);

      // Adding to the app: a unified domain.
      const added = await juhe(
        'app',
        'import',
        file('unified.json', { test: { unified: { domain_code: 'bookshop', domain_secret: 'test' } } }),
        '--app',
        appId,
      );
      expect(added.code, added.stderr).toBe(0);

      const audit = await database.db.query<{ action: string; actor_type: string; data: any }>(
        'SELECT action, actor_type, data FROM audit_log ORDER BY created_at, action',
      );
      expect(audit.map((a) => a.action).sort()).toEqual(
        ['app.create', 'app.credentials.import', 'app.credentials.import', 'store.import'].sort(),
      );
      expect(audit.every((a) => a.actor_type === 'cli')).toBe(true);
      const stored =
        JSON.stringify(await database.db.query('SELECT * FROM app_credentials')) +
        JSON.stringify(await database.db.query('SELECT * FROM stores')) +
        JSON.stringify(audit);
      for (const secret of [
        doc.test.maxpay.master_key,
        doc.test.paymax.secret_key,
        doc.test.stores[0]!.open_key,
        'St0mYw6b8Lq2xN4vR7cT1aZk',
      ])
        expect(stored).not.toContain(secret);

      // Channel configs: one the connector refuses makes the whole file fail; then a good one.
      const refused = await juhe(
        'channel-config',
        'import',
        file('configs-bad.json', [
          { app: appId, mode: 'live', provider: 'cash' },
          { app: appId, mode: 'live', provider: 'paypal', settings: { client_id: 'x' } },
        ]),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('([1])');
      expect(await count('channel_configs')).toBe(0);
      const configs = await juhe(
        'channel-config',
        'import',
        file('configs.json', { configs: [{ app: appId, mode: 'live', provider: 'cash' }] }),
      );
      expect(configs.code, configs.stderr).toBe(0);
      expect(JSON.parse(configs.stdout)).toMatchObject([
        { app: appId, mode: 'live', provider: 'cash', created: true },
      ]);

      // A gateway on the same database and master key serves the imported keys' clients.
      const core: TestCore = {
        db: database.db,
        dbUrl: database.url,
        clock: manualClock(new Date().toISOString()),
        ids: randomIds(),
        box: secretBox(masterKey),
        connectors: withTestModeConfigs(connectorRegistry(), testModeConfigs(), {
          standIn: sandboxConnector(),
        }),
        testModeConfigs: testModeConfigs(),
        log: pino({ level: 'silent' }),
        publicUrl: 'http://127.0.0.1:3000',
        drop: async () => {},
      };
      let server: TestServer | undefined;
      try {
        server = await testServer(core);
        const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);
        const pos = new Mct1Client(
          server.url,
          doc.test.stores[0]!.open_id,
          doc.test.stores[0]!.open_key,
          nowSec,
        );
        const paylist = await pos.call('paylist', {});
        expect(paylist.body.errcode, JSON.stringify(paylist.body)).toBe(0);
        expect(paylist.signed).toBe(true);
        const records = await postRaw(Number(new URL(server.url).port), '/2.0/maxpay/records', '{}', {
          'Content-Type': 'application/json',
          'X-ML-AppId': doc.test.maxpay.app_id,
          'X-ML-MasterKey': doc.test.maxpay.master_key,
        });
        expect(records.body.code, JSON.stringify(records.body)).toBe(0);
      } finally {
        await server?.close();
      }
    },
  );
});
