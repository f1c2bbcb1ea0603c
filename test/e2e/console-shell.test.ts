import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleGateway, consoleGateway } from '../support/console.js';

/** The console's frame in a real browser: login, menu, language switch, logout, under the strict CSP. */
describe('console shell', () => {
  let gw: ConsoleGateway;
  beforeAll(async () => {
    gw = await consoleGateway();
  }, 240_000);
  afterAll(async () => {
    await gw?.close();
  });

  it('logs in, shows the menu in Chinese, switches to English, logs out', async () => {
    const { context, page } = await gw.login('owner');
    await expect.poll(() => page.locator('.ant-menu').innerText()).toContain('交易管理');
    await gw.screenshot(page, 'shell');
    await page.getByTestId('language-select').click();
    await page.locator('.ant-select-item-option', { hasText: 'English' }).click();
    await expect.poll(() => page.locator('.ant-menu').innerText()).toContain('Transactions');
    await page.getByTestId('user-menu').hover();
    await page.getByText('Log out').click();
    await page.waitForURL(/\/console\/login/);
    await gw.screenshot(page, 'login');
    // The old session is gone: the API answers 401 to the same browser.
    const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
    expect(me).toBe(401);
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 120_000);
});
