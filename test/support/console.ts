import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type DemoData, seedDemoIfEmpty } from '../../src/cli/seed.js';
import { createUser } from '../../src/http/admin/auth-routes.js';
import type { Role } from '../../src/http/admin/kit.js';
import { launchBrowser } from './browser.js';
import { ensureConsoleBuilt } from './build.js';
import { type TestCore, testCore } from './core.js';
import type { Engine } from './db.js';
import { type TestServer, testServer } from './server.js';

/** Where console e2e suites save their screenshots (gitignored); the engineer looks at them. */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

export const PASSWORD = 'console-pass-1';

export interface ConsoleGateway {
  core: TestCore;
  server: TestServer;
  demo: DemoData;
  browser: Browser;
  /** One console login per role (password PASSWORD). */
  users: Record<Role, { email: string }>;
  /** A fresh browser context logged in as the role, on the console's overview, in the language given. */
  login(role: Role, language?: 'zh-CN' | 'en-US'): Promise<{ context: BrowserContext; page: Page }>;
  /** Full-page screenshot at test-artifacts/console/<name>.<language>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  /** CSP violations the browser reported so far (should stay empty). */
  cspViolations: string[];
  close(): Promise<void>;
}

/**
 * A real listening gateway with the demo data `juhe start` seeds (merchant, app with every
 * dialect's test credentials, simulator channel configs, a store), one user per role, the
 * built console, and a headless chromium. Shared by every console e2e suite.
 */
export async function consoleGateway(engine: Engine = 'pglite'): Promise<ConsoleGateway> {
  await ensureConsoleBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  const core = await testCore(engine, { start: new Date().toISOString() });
  const home = mkdtempSync(join(tmpdir(), 'juhe-console-'));
  // Seeded before testServer adds its token users: the demo seeds only an empty database.
  const demo = (await seedDemoIfEmpty(core, home))!;
  const server = await testServer(core);
  const users = {} as Record<Role, { email: string }>;
  for (const role of ['owner', 'admin', 'developer', 'finance', 'viewer'] as const) {
    const email = `${role}@console.test`;
    await createUser(core, {
      email,
      password: PASSWORD,
      role,
      name: `${role[0]!.toUpperCase()}${role.slice(1)} 用户`,
    });
    users[role] = { email };
  }
  const browser = await launchBrowser();
  const cspViolations: string[] = [];

  async function login(role: Role, language: 'zh-CN' | 'en-US' = 'zh-CN') {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: language,
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    });
    await context.addInitScript((lang) => localStorage.setItem('juhe.language', lang), language);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${server.url}/console/`);
    await page.waitForURL(/\/console\/login/);
    await page.locator('#email').fill(users[role].email);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL(/\/console\/overview/);
    return { context, page };
  }

  async function screenshot(page: Page, name: string) {
    const language = await page.evaluate(() => document.documentElement.lang || 'zh-CN');
    // Let lazy chunks, fonts and chart animations settle before the picture.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(400);
    const path = join(ARTIFACTS, `${name}.${language}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  return {
    core,
    server,
    demo,
    browser,
    users,
    login,
    screenshot,
    cspViolations,
    async close() {
      await browser.close();
      await server.close();
      await core.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
