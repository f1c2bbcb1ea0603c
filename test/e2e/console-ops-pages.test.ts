/**
 * The console's operations pages in a real browser against a real gateway: configure a
 * channel and test its connection (a signed query to the Alipay simulator); add a webhook,
 * test-send it and replay a failed delivery; invite a user and change the role; a viewer
 * sees no write buttons. Screenshots of every page, in both languages, land in
 * test-artifacts/console/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyEngine } from '../../src/deliveries/worker.js';
import { type ConsoleGateway, consoleGateway } from '../support/console.js';
import { type Receiver, answer, receiver, testEngine } from '../deliveries/support.js';
import { call } from '../support/server.js';

const PAGES = ['channels', 'webhooks', 'apps', 'stores', 'users', 'audit', 'sandbox'] as const;

describe('console operations pages', () => {
  let gw: ConsoleGateway;
  let merchant: Receiver;
  let engine: NotifyEngine;

  beforeAll(async () => {
    gw = await consoleGateway();
    merchant = await receiver(gw.core.clock, answer(500, 'down for maintenance'));
    engine = testEngine(gw.core);
  }, 300_000);
  afterAll(async () => {
    await engine?.close();
    await merchant?.close();
    await gw?.close();
  });

  const open = async (page: Page, name: string) => {
    await page.goto(`${gw.server.url}/console/${name}`);
    await page.waitForLoadState('networkidle');
  };

  it('configures Alipay with real keys and tests the connection against the simulator', async () => {
    const { context, page } = await gw.login('owner', 'zh-CN');
    await open(page, 'channels');
    await gw.screenshot(page, 'channels');
    await page.getByTestId('configure-alipay').click();
    await page.getByTestId('use-simulator').uncheck();
    // First a wrong key: the server's refusal lands next to the field it names.
    const sandbox = (await gw.core.testModeConfigs!.configFor('alipay'))!;
    await page.getByTestId('field-settings.app_id').fill(String(sandbox.settings.app_id));
    await page.getByTestId('field-settings.gateway_url').fill(String(sandbox.settings.gateway_url));
    await page.getByTestId('field-secrets.private_key').fill('-----BEGIN PRIVATE KEY-----\nnot a key');
    await page.getByTestId('field-secrets.alipay_public_key').fill(sandbox.secrets.alipay_public_key!);
    await page.getByTestId('save-config').click();
    await expect
      .poll(() => page.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 20_000 })
      .toContainEqual(expect.stringContaining('secrets.private_key'));
    await gw.screenshot(page, 'channels-field-error');
    await page.getByTestId('field-secrets.private_key').fill(sandbox.secrets.private_key!);
    await page.getByTestId('save-config').click();
    await page.locator('.ant-drawer').waitFor({ state: 'hidden' });
    await page.getByTestId('test-alipay').click();
    const result = page.getByTestId('test-answer');
    await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('连接成功');
    await gw.screenshot(page, 'channels-test-connection');
    // Saved for real, secrets write-only.
    const configs = await call(gw.server, 'GET', `/api/v1/channel_configs?app=${gw.demo.ids.app}`, {
      token: gw.server.tokens.viewer,
    });
    const alipay = configs.body.data.find((c: { provider: string }) => c.provider === 'alipay');
    expect(alipay.settings).toEqual({
      app_id: sandbox.settings.app_id,
      gateway_url: sandbox.settings.gateway_url,
    });
    expect(JSON.stringify(configs.body)).not.toContain('PRIVATE KEY');
    await context.close();
  }, 180_000);

  it('adds a webhook, test-sends it, and replays a failed delivery', async () => {
    const { context, page } = await gw.login('developer', 'en-US');
    await open(page, 'webhooks');
    await page.getByTestId('add-webhook').click();
    await page.getByTestId('webhook-url').fill(`${merchant.url}/hooks`);
    await page.getByTestId('webhook-headers').fill('no colon here');
    await page.locator('#save-webhook').click();
    await expect
      .poll(() => page.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 20_000 })
      .toContain('Headers must be "Name: value"');
    await page.getByTestId('webhook-headers').fill('X-Shop: 0001');
    await page.locator('#save-webhook').click();
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 20_000 }).toBe(1);

    await page.getByTestId('test-send').click();
    const sent = page.getByTestId('test-send-result');
    await expect.poll(() => sent.innerText(), { timeout: 20_000 }).toContain('HTTP 500');
    expect((await sent.innerText()).toLowerCase()).toContain('x-shop: 0001');
    expect(merchant.requests.at(-1)!.headers['x-shop']).toBe('0001');
    await gw.screenshot(page, 'webhooks-test-send');
    await page.keyboard.press('Escape');

    // A real event: a charge paid through the Alipay simulator, delivered to a failing receiver.
    const created = await call(gw.server, 'POST', '/api/v1/charges', {
      token: gw.server.tokens.owner,
      body: {
        app: gw.demo.ids.app,
        order_no: 'ops-e2e-1',
        channel: 'alipay',
        method: 'qr',
        amount: 1288,
        currency: 'CNY',
        subject: 'Latte',
      },
    });
    expect(created.status).toBe(201);
    await call(gw.server, 'POST', `/api/v1/test_helpers/charges/${created.body.id}/pay`, {
      token: gw.server.tokens.owner,
    });
    await expect
      .poll(
        async () => {
          await engine.runDue();
          const failed = await call(gw.server, 'GET', '/api/v1/deliveries?status=failed', {
            token: gw.server.tokens.viewer,
          });
          const pending = await call(gw.server, 'GET', '/api/v1/deliveries?status=pending', {
            token: gw.server.tokens.viewer,
          });
          return (
            failed.body.data.length +
            pending.body.data.filter((d: { attempts: number }) => d.attempts > 0).length
          );
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);

    await page.getByRole('tab', { name: 'Delivery log' }).click();
    await expect.poll(() => page.getByTestId('replay').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await gw.screenshot(page, 'webhooks-deliveries');
    merchant.handler = answer(200, 'ok');
    await page.getByTestId('replay').first().click();
    await expect
      .poll(() => page.locator('.ant-message').innerText(), { timeout: 20_000 })
      .toContain('Queued again');
    await expect
      .poll(
        async () => {
          await engine.runDue();
          const done = await call(gw.server, 'GET', '/api/v1/deliveries?status=succeeded', {
            token: gw.server.tokens.viewer,
          });
          return done.body.data.length;
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    const replays = await call(gw.server, 'GET', '/api/v1/audit_log?action=delivery.replay', {
      token: gw.server.tokens.owner,
    });
    expect(replays.body.data.length).toBe(1);
    await context.close();
  }, 180_000);

  it('invites a user and changes the role', async () => {
    const { context, page } = await gw.login('admin', 'zh-CN');
    await open(page, 'users');
    await page.getByTestId('invite-user').click();
    await page.getByTestId('invite-email').fill('not-an-email');
    await page.locator('#send-invite').click();
    await expect
      .poll(() => page.locator('.ant-form-item-explain-error').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await page.getByTestId('invite-email').fill('lin@example.com');
    await page.locator('#send-invite').click();
    const password = (await page.getByTestId('temporary-password').innerText()).trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    const login = await call(gw.server, 'POST', '/api/v1/login', {
      body: { email: 'lin@example.com', password },
    });
    expect(login.body.user.role).toBe('viewer');

    await page.getByTestId('role-lin@example.com').click();
    await page.locator('.ant-select-item-option', { hasText: '财务' }).click();
    await page.locator('.ant-modal-confirm .ant-btn-primary').click();
    await expect
      .poll(
        async () => {
          const users = await call(gw.server, 'GET', '/api/v1/users', { token: gw.server.tokens.owner });
          return users.body.data.find((u: { email: string }) => u.email === 'lin@example.com').role;
        },
        { timeout: 20_000 },
      )
      .toBe('finance');
    await gw.screenshot(page, 'users-invited');
    await context.close();
  }, 120_000);

  it('a viewer sees no write buttons', async () => {
    const { context, page } = await gw.login('viewer', 'en-US');
    const menu = await page.locator('.ant-menu').innerText();
    expect(menu).not.toContain('Audit log');
    expect(menu).not.toContain('Sandbox');
    // Wait for the page itself (lazy chunk, data) before counting what is missing from it.
    const rowsShown = () =>
      expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await open(page, 'channels');
    await rowsShown();
    expect(await page.getByTestId('configure-alipay').count()).toBe(0);
    await open(page, 'webhooks');
    await rowsShown();
    expect(await page.getByTestId('add-webhook').count()).toBe(0);
    await page.getByRole('tab', { name: 'Delivery log' }).click();
    await rowsShown();
    expect(await page.getByTestId('replay').count()).toBe(0);
    expect(await page.getByTestId('bulk-replay').count()).toBe(0);
    await open(page, 'apps');
    await rowsShown();
    expect(await page.getByTestId('reveal').count()).toBe(0);
    expect(await page.getByTestId('rotate').count()).toBe(0);
    await open(page, 'users');
    await page.locator('h4').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('invite-user').count()).toBe(0);
    await gw.screenshot(page, 'users-viewer');
    await context.close();
  }, 120_000);

  it('every page in both languages, as an owner, under the CSP', async () => {
    const violations: Record<string, string[]> = {};
    for (const language of ['zh-CN', 'en-US'] as const) {
      const { context, page } = await gw.login('owner', language);
      for (const name of PAGES) {
        const before = gw.cspViolations.length;
        await open(page, name);
        await page.locator('h3').first().waitFor({ timeout: 30_000 });
        await gw.screenshot(page, name);
        const added = gw.cspViolations.slice(before);
        if (added.length) violations[`${name}.${language}`] = [...new Set(added.map((m) => m.slice(0, 160)))];
      }
      await context.close();
    }
    // Nothing is blocked: antd's and rc-component's <style> elements (the table's scrollbar
    // measurement, the scroll locker) all carry the nonce (web/vite.config.ts).
    expect(violations).toEqual({});
  }, 240_000);
});
