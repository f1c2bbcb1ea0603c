import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build.js';
import { freePort, juheArgs, startGateway, waitForExit } from '../support/process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The `juhe` command as an operator types it, on a fresh embedded database: the compiled
 * JavaScript `npm start` ships (dist/, run by bin/juhe.js with plain node), built first if stale.
 */
describe('juhe CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'juhe-cli-'));
  const env = { ...process.env, JUHE_HOME: home, LOG_LEVEL: 'warn' };
  const juhe = (...args: string[]) =>
    run(process.execPath, [...juheArgs('compiled'), ...args], { cwd: ROOT, env });
  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(
    'migrates, creates a user and an app, then serves them with the demo seeded beside',
    { timeout: 240_000 },
    async () => {
      expect((await juhe('migrate')).stdout).toMatch(/applied: 0001_core\.sql/);
      expect((await juhe('migrate')).stdout).toBe('database is up to date\n');

      const user = JSON.parse(
        (
          await juhe(
            'user',
            'create',
            '--email',
            'ops@shop.cn',
            '--password',
            'hunter22',
            '--role',
            'finance',
          )
        ).stdout,
      );
      expect(user).toMatchObject({ email: 'ops@shop.cn', role: 'finance' });
      await expect(juhe('user', 'create', '--email', 'x@y.z', '--password', 'short')).rejects.toThrow(
        /at least 8/,
      );
      await expect(
        juhe('user', 'create', '--email', 'x@y.z', '--password', 'long enough', '--role', 'god'),
      ).rejects.toThrow(/role must be one of/);

      const app = JSON.parse((await juhe('app', 'create', '--name', 'Kiosk', '--live')).stdout);
      expect(app.app.id).toMatch(/^app_/);
      expect(app.credentials.test.paymax.secretKey).toMatch(/^sk_test_/);
      expect(app.credentials.live.paymax.secretKey).toMatch(/^sk_live_/);

      // A database with users is never seeded again; the master key file makes secrets readable on restart.
      const gateway = await startGateway({ JUHE_HOME: home, JUHE_WORKERS: 'off' }, await freePort());
      const login = await fetch(`${gateway.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ops@shop.cn', password: 'hunter22' }),
      });
      expect(login.status).toBe(200);
      expect(gateway.output()).not.toContain('demo data');
      gateway.child.kill('SIGTERM');
      expect(await waitForExit(gateway.child)).toBe(0);
      expect(() => readFileSync(join(home, 'demo.json'))).toThrow();
      expect(readFileSync(join(home, 'master.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    },
  );

  it('refuses to start in production without a master key', async () => {
    const result = await run(process.execPath, [...juheArgs('compiled'), 'migrate'], {
      cwd: ROOT,
      env: { ...env, NODE_ENV: 'production', JUHE_MASTER_KEY: '' },
    }).catch((error: { stderr: string; code: number }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toContain('JUHE_MASTER_KEY is required');
  });

  it('runs without tsx: the compiled command never loads it', async () => {
    const log = join(home, 'imports.log');
    const hook = new URL('./import-log.mjs', import.meta.url).href;
    await run(process.execPath, ['--import', hook, ...juheArgs('compiled'), 'migrate'], {
      cwd: ROOT,
      env: { ...env, JUHE_IMPORT_LOG: log },
    });
    const imported = readFileSync(log, 'utf8').split('\n');
    expect(imported).toContain(new URL('../../dist/cli/main.js', import.meta.url).href);
    expect(imported.some((url) => url.includes('/node_modules/fastify/'))).toBe(true);
    expect(imported.filter((url) => /\/node_modules\/(tsx|esbuild)\//.test(url))).toEqual([]);
  });
});
