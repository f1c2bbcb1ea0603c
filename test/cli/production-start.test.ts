import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startGateway, waitForExit } from '../support/process.js';

/**
 * `NODE_ENV=production juhe start` on an empty database, as an operator's first start
 * (issue #15.9): before, it seeded demo data, printed an owner password and API token,
 * wrote every secret to demo.json and served the simulators to the internet.
 */
describe('the first production start', () => {
  const home = mkdtempSync(join(tmpdir(), 'juhe-prod-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(
    'seeds nothing, prints no secret, serves no simulator and says how to create the owner',
    {
      timeout: 240_000,
    },
    async () => {
      const gateway = await startGateway(
        {
          NODE_ENV: 'production',
          JUHE_HOME: home,
          JUHE_MASTER_KEY: 'a'.repeat(64),
          JUHE_WORKERS: 'off',
          LOG_LEVEL: 'info',
        },
        await freePort(),
      );
      try {
        expect(existsSync(join(home, 'demo.json'))).toBe(false);
        const sandbox = await fetch(`${gateway.url}/sandbox/wechatpay/connect/oauth2/authorize?appid=wx`);
        expect(sandbox.status).toBe(404);
        expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
        expect((await fetch(`${gateway.url}/api/docs/`)).status).toBe(404);
        // Nobody can log in until the operator creates the first owner.
        const login = await fetch(`${gateway.url}/api/v1/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'owner@demo.juhe.local', password: 'anything-at-all' }),
        });
        expect(login.status).toBe(401);
      } finally {
        gateway.child.kill('SIGTERM');
        await waitForExit(gateway.child);
      }
      const output = gateway.output();
      expect(output).toContain('juhe user create');
      expect(output).not.toMatch(/password:|Login:|API token|demo data|sk_test_|aaaaaaaa/i);
    },
  );
});
