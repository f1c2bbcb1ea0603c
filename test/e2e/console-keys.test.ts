/**
 * The console's key pages in a real browser against a real gateway: import existing MaxPay
 * keys through the apps page's form and pay-API with them; rotate a store's open_key and
 * sign a store request with the key shown once; create a store QR code and see its PNG.
 * A viewer sees none of the write controls. Screenshots in both languages land in
 * test-artifacts/console/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw } from '../dialects/maxpay-app.js';
import { Mct1Client } from '../dialects/store-client.js';
import { type ConsoleGateway, consoleGateway } from '../support/console.js';
import { call } from '../support/server.js';

describe('console key pages', () => {
  let gw: ConsoleGateway;

  beforeAll(async () => {
    gw = await consoleGateway();
  }, 300_000);
  afterAll(async () => {
    await gw?.close();
  });

  const open = async (page: Page, name: string) => {
    await page.goto(`${gw.server.url}/console/${name}`);
    await page.waitForLoadState('networkidle');
  };
  const fieldErrors = (page: Page) => page.locator('.ant-form-item-explain-error').allInnerTexts();
  const confirm = (page: Page) => page.locator('.ant-modal-confirm-btns .ant-btn-primary').click();
  const port = () => Number(new URL(gw.server.url).port);
  const maxpayRecords = (appId: string, masterKey: string) =>
    postRaw(port(), '/2.0/maxpay/records', '{}', {
      'Content-Type': 'application/json',
      'X-ML-AppId': appId,
      'X-ML-MasterKey': masterKey,
    });
  const storeClient = (openKey: string) =>
    new Mct1Client(gw.server.url, gw.demo.store.openId, openKey, () =>
      Math.floor(gw.core.clock.now().getTime() / 1000),
    );

  it('imports MaxPay keys through the form, and a MaxPay client is answered with them', async () => {
    const { context, page } = await gw.login('owner', 'en-US');
    await open(page, 'apps');
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByTestId('import-keys').click();

    // Checked before submit: nothing reaches the server.
    await page.getByTestId('import-app_id').fill('not an id!');
    await page.getByTestId('import-master_key').fill('short');
    await page.locator('#import-submit').click();
    await expect
      .poll(() => fieldErrors(page), { timeout: 10_000 })
      .toEqual(['1–64 letters, digits, _ or -', '8–128 printable ASCII characters, no spaces']);
    await gw.screenshot(page, 'apps-import-invalid');

    // Refused by the server (the demo store already has this open_id): the message lands
    // next to the field the server names.
    await page.getByText('Store', { exact: true }).click();
    await page.getByTestId('import-name').fill('Moved store');
    await page.getByTestId('import-open_id').fill(gw.demo.store.openId);
    await page.getByTestId('import-open_key').fill('0828e83720fdbe3685a7b94214af04f9');
    await page.locator('#import-submit').click();
    await expect
      .poll(() => fieldErrors(page), { timeout: 20_000 })
      .toEqual([expect.stringContaining('open_id')]);
    const openIdItem = page.locator('.ant-form-item', { has: page.getByTestId('import-open_id') });
    expect(await openIdItem.locator('.ant-form-item-explain-error').count()).toBe(1);
    await gw.screenshot(page, 'apps-import-server-error');

    // The real import, then a MaxPay request with exactly those keys.
    const keys = { appId: '56a86320e9db7300015438f7', masterKey: 'Mk7p2WQeRk3e9a1CZx0v4uHq' };
    await page.getByText('MaxPay', { exact: true }).click();
    await page.getByTestId('import-app_id').fill(keys.appId);
    await page.getByTestId('import-master_key').fill(keys.masterKey);
    expect(await page.getByTestId('import-master_key').getAttribute('type')).toBe('password');
    await page.locator('#import-submit').click();
    const answer = page.getByTestId('revealed-secrets');
    await expect.poll(() => answer.innerText(), { timeout: 20_000 }).toContain(keys.appId);
    expect(await answer.innerText()).not.toContain(keys.masterKey);
    await gw.screenshot(page, 'apps-imported');

    const records = await maxpayRecords(keys.appId, keys.masterKey);
    expect(records.body.code, JSON.stringify(records.body)).toBe(0);
    // The demo's MaxPay key of the same mode was replaced: it no longer opens the API.
    const old = await maxpayRecords(gw.demo.maxpay.appId, gw.demo.maxpay.masterKey);
    expect(old.body.code).not.toBe(0);
    await context.close();
  }, 180_000);

  it("rotates a store's open_key, and a till signs with the key shown once", async () => {
    const { context, page } = await gw.login('owner', 'zh-CN');
    expect((await storeClient(gw.demo.store.openKey).call('paylist', {})).body.errcode).toBe(0);
    await open(page, 'stores');
    await page.getByTestId('manage-store').first().click();
    await page.getByTestId('shop-password').fill('12');
    await page.getByTestId('change-password').click();
    await expect.poll(() => fieldErrors(page), { timeout: 10_000 }).toEqual(['4–64 个字符']);
    await page.getByTestId('shop-password').fill('246810');
    await page.getByTestId('change-password').click();
    await expect
      .poll(() => page.locator('.ant-message').innerText(), { timeout: 20_000 })
      .toContain('主管密码已修改');

    await page.getByTestId('overlap-minutes').fill('0');
    await page.getByTestId('rotate-open-key').click();
    await confirm(page);
    const shown = page.getByTestId('new-open-key');
    await shown.waitFor({ timeout: 20_000 });
    const newKey = (await shown.innerText()).trim();
    expect(newKey).toHaveLength(32);
    expect(newKey).not.toBe(gw.demo.store.openKey);
    await gw.screenshot(page, 'stores-open-key-rotated');

    const withNew = await storeClient(newKey).call('paylist', {});
    expect(withNew.body.errcode, JSON.stringify(withNew.body)).toBe(0);
    expect(withNew.signed).toBe(true);
    // No overlap asked for: the replaced key stops verifying at once.
    expect((await storeClient(gw.demo.store.openKey).call('paylist', {})).body.errcode).not.toBe(0);
    await context.close();
  }, 180_000);

  it('creates a store QR code per desk and shows its PNG', async () => {
    const { context, page } = await gw.login('admin', 'en-US');
    await open(page, 'stores');
    await page.getByTestId('manage-store').first().click();
    await page.getByTestId('qr-label').fill('Desk 1');
    await page.getByTestId('create-qr').click();
    const image = page.locator('.ant-drawer .ant-image img').first();
    await image.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), {
        timeout: 20_000,
      })
      .toBe(600);
    expect(await page.locator('.ant-drawer').innerText()).toContain('Desk 1');
    await gw.screenshot(page, 'stores-qr-codes');
    // The image is the gateway's PNG, of a code the API lists for this store.
    const src = await image.getAttribute('src');
    expect(src).toMatch(/^\/api\/v1\/stores\/sto_[0-9a-f]{24}\/qr-codes\/qrc_[0-9a-f]{24}\/png$/);
    await context.close();
  }, 120_000);

  it('creates a payment link with a fixed amount, and the payer page opens', async () => {
    const { context, page } = await gw.login('owner', 'en-US');
    await open(page, 'checkout-links');
    await page.getByTestId('link-description').fill('Gift card');
    await page.getByTestId('link-amount').fill('12.505');
    await page.getByTestId('create-link').click();
    await expect
      .poll(() => fieldErrors(page), { timeout: 10_000 })
      .toEqual(['An amount like 12.50 (at most two decimals)']);
    await page.getByTestId('link-amount').fill('12.50');
    await page.getByTestId('create-link').click();
    const url = page.getByTestId('link-url');
    await url.waitFor({ timeout: 20_000 });
    await gw.screenshot(page, 'checkout-links-created');
    const href = (await url.getAttribute('href'))!;
    const id = /cs_[0-9a-f]{24}/.exec(href)![0];
    const stored = await call(gw.server, 'GET', `/api/v1/checkout_links/${id}`, {
      token: gw.server.tokens.viewer,
    });
    expect(stored.body).toMatchObject({
      kind: 'link',
      currency: 'CNY',
      amount: 1250,
      description: 'Gift card',
      methods: ['wechatpay', 'alipay'],
    });
    const payer = await context.newPage();
    const answer = await payer.goto(href);
    expect(answer!.status()).toBe(200);
    expect(await payer.locator('body').innerText()).toContain('Gift card');
    await context.close();
  }, 120_000);

  it('a viewer sees no import, key or QR-create controls', async () => {
    const { context, page } = await gw.login('viewer', 'en-US');
    await open(page, 'apps');
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('import-keys').count()).toBe(0);
    await open(page, 'stores');
    await page.getByTestId('manage-store').first().click();
    await page.locator('.ant-drawer .ant-table').first().waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('rotate-open-key').count()).toBe(0);
    expect(await page.getByTestId('shop-password').count()).toBe(0);
    expect(await page.getByTestId('create-qr').count()).toBe(0);
    expect(await page.locator('.ant-menu').innerText()).not.toContain('Checkout links');
    await context.close();
  }, 120_000);

  it('the key forms in both languages, under the CSP', async () => {
    const before = gw.cspViolations.length;
    // A code to show even when this test runs alone.
    const qr = await call(gw.server, 'POST', `/api/v1/stores/${gw.demo.ids.store}/qr-codes`, {
      token: gw.server.tokens.owner,
      body: { label: 'Counter' },
    });
    expect(qr.status).toBe(201);
    for (const language of ['zh-CN', 'en-US'] as const) {
      const { context, page } = await gw.login('owner', language);
      await open(page, 'apps');
      await page.getByTestId('import-keys').click();
      await page.getByTestId('import-app_id').waitFor({ timeout: 30_000 });
      await gw.screenshot(page, 'apps-import');
      await open(page, 'stores');
      await page.getByTestId('manage-store').first().click();
      await page.getByTestId('rotate-open-key').waitFor({ timeout: 30_000 });
      await page.locator('.ant-drawer .ant-image img').first().waitFor({ timeout: 30_000 });
      await gw.screenshot(page, 'stores-drawer');
      await open(page, 'checkout-links');
      await page.getByTestId('link-description').waitFor({ timeout: 30_000 });
      await gw.screenshot(page, 'checkout-links');
      await context.close();
    }
    // The new forms, the QR image and the links page load nothing the CSP blocks (rc-component's
    // <style> elements carry the nonce too: web/vite.config.ts).
    expect(gw.cspViolations.slice(before)).toEqual([]);
  }, 180_000);
});
