import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleGateway, consoleGateway } from '../support/console.js';
import { call } from '../support/server.js';

/**
 * The transactions page as finance uses it, in a real browser against a real gateway: find a
 * new charge by channel, status and time; watch it turn paid without a reload; refund part
 * of it; export the list; switch language; and a viewer sees no refund button and the API
 * refuses one anyway. Screenshots of every page in both languages go to test-artifacts/.
 */
describe('console transactions', () => {
  let gw: ConsoleGateway;
  let chargeId: string;
  const orderNo = `E2E-${Date.now()}`;

  beforeAll(async () => {
    gw = await consoleGateway();
    // A few paid charges so the overview and the list are not empty.
    for (let i = 1; i <= 3; i++) {
      await call(gw.server, 'POST', '/api/v1/charges', {
        token: gw.demo.console.apiToken,
        body: {
          app: gw.demo.ids.app,
          order_no: `CASH-${i}`,
          channel: 'cash',
          method: 'offline',
          amount: 1280 * i,
          currency: 'CNY',
          subject: '拿铁咖啡',
        },
      });
    }
    const created = await call(gw.server, 'POST', '/api/v1/charges', {
      token: gw.demo.console.apiToken,
      body: {
        app: gw.demo.ids.app,
        order_no: orderNo,
        channel: 'alipay',
        method: 'qr',
        amount: 8800,
        currency: 'CNY',
        subject: '手冲咖啡豆 250g',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    chargeId = created.body.id;
  }, 300_000);
  afterAll(async () => {
    await gw?.close();
  });

  async function pick(page: Page, testId: string, option: string) {
    await page.getByTestId(testId).click();
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option })
      .first()
      .click();
  }

  it('finds, watches, refunds and exports a charge as finance', async () => {
    const { context, page } = await gw.login('finance');
    await gw.screenshot(page, 'overview');
    await page.locator('.ant-menu').getByText('交易管理').click();
    await page.waitForURL(/\/console\/transactions/);
    await pick(page, 'filter-product', '支付宝二维码');
    await pick(page, 'filter-status', '未支付');
    await page.getByTestId('filter-time').getByText('今天').click();
    const row = page.locator('tr', { hasText: orderNo });
    await row.waitFor();
    expect(await page.locator('tbody tr.ant-table-row').count()).toBe(1);
    await gw.screenshot(page, 'transactions');

    await row.getByTestId('order-link').click();
    const drawer = page.getByTestId('drawer-status');
    await expect.poll(() => drawer.innerText()).toBe('未支付');
    // The payer pays in the sandbox; the open drawer and the list turn paid without a reload.
    const paid = await call(gw.server, 'POST', `/api/v1/test_helpers/charges/${chargeId}/pay`, {
      token: gw.demo.console.apiToken,
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    await expect.poll(() => drawer.innerText(), { timeout: 20_000 }).toBe('已支付');

    await page.getByTestId('refund-charge').click();
    const form = page.getByTestId('refund-form');
    await form.locator('#amount').fill('100');
    await form.locator('button[type=submit]').click();
    // Over the refundable amount: refused next to the field, nothing sent.
    await form.getByText('请输入不超过').waitFor();
    await form.locator('#amount').fill('12.50');
    await form.locator('#description').fill('顾客退回一半');
    await form.locator('button[type=submit]').click();
    await page
      .locator('.ant-modal-confirm')
      .getByRole('button', { name: /确\s*认|OK|确\s*定/ })
      .click();
    await expect.poll(() => drawer.innerText(), { timeout: 20_000 }).toBe('部分退款');
    const charge = await call(gw.server, 'GET', `/api/v1/charges/${chargeId}`, {
      token: gw.demo.console.apiToken,
    });
    expect(charge.body.amount_refunded).toBe(1250);
    await page.getByText('顾客退回一半').first().waitFor();
    await gw.screenshot(page, 'transaction-drawer');
    await page.locator('.ant-drawer-close').click();
    await page.locator('.ant-drawer-mask').waitFor({ state: 'hidden' });

    // Export the filtered list (now: partly refunded, today) in both formats.
    await page.getByTestId('filter-status').click();
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '部分退款' })
      .click();
    await page.getByTestId('filter-product').locator('.ant-select-clear').click({ force: true });
    await page.locator('tr', { hasText: orderNo }).waitFor();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const lines = readFileSync((await csv.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]!.startsWith('创建时间,系统订单号,商户订单号')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${chargeId},${orderNo},`);
    expect(lines[1]).toContain(',88.00,CNY,12.50,succeeded,');
    await page.getByTestId('export-progress').getByText('已导出').waitFor();
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-xlsx').click(),
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await xlsx.path())!);
    const sheet = workbook.getWorksheet('charges')!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(3).value).toBe(orderNo);

    // English, one click away: the same page, every string and the money format change.
    await page.getByTestId('language-select').click();
    await page.locator('.ant-select-item-option', { hasText: 'English' }).click();
    await page.getByText('Partly refunded').first().waitFor();
    await expect.poll(() => page.locator('tr', { hasText: orderNo }).innerText()).toContain('CN¥88.00');
    await gw.screenshot(page, 'transactions');
    await page.locator('.ant-menu').getByText('Overview').click();
    await page.getByText('Paid per day (last 30 days)').waitFor();
    await gw.screenshot(page, 'overview');
    // Nothing is blocked: antd's styles carry the nonce (ConfigProvider csp), and so do the
    // <style> elements rc-component's scroll locker and table add (web/vite.config.ts).
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it('a viewer sees no refund button, and the API refuses the refund', async () => {
    const { context, page } = await gw.login('viewer');
    await page.goto(`${gw.server.url}/console/transactions`);
    await page.locator('tr', { hasText: orderNo }).getByTestId('order-link').click();
    await expect.poll(() => page.getByTestId('drawer-status').innerText()).toBe('部分退款');
    expect(await page.getByTestId('refund-charge').count()).toBe(0);
    const status = await page.evaluate(async (id) => {
      const me = await (await fetch('/api/v1/me')).json();
      const res = await fetch(`/api/v1/charges/${id}/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
        body: JSON.stringify({ amount: 100 }),
      });
      return res.status;
    }, chargeId);
    expect(status).toBe(403);
    await context.close();
  }, 120_000);
});
