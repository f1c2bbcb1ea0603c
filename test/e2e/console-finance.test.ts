/**
 * The console's finance pages in a real browser against a real gateway and the WeChat Pay
 * simulator: reconcile yesterday from the button (a callback lost, a line the books do not
 * have, an amount that differs), read the run by class and export it; the overview shows
 * the differences; the settlement reports match the API and download; a store charge's
 * refund needs its supervisor's password and a large refund a typed confirmation; channel
 * configs come in bulk from a JSON file. Every page in both languages goes to
 * test-artifacts/console/, and the browser reports no CSP violation at all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WechatpaySimulator, simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { ARTIFACTS, type ConsoleGateway, consoleGateway } from '../support/console.js';
import { call } from '../support/server.js';

const DAY = 86_400_000;
const shanghaiDay = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('console finance pages', () => {
  let gw: ConsoleGateway;
  let sim: WechatpaySimulator;
  let yesterday: string;
  const orders: Record<string, { id: string; orderNo: string; orderSn: string }> = {};
  const api = (method: string, path: string, body?: unknown) =>
    call(gw.server, method, `/api/v1${path}`, { token: gw.demo.console.apiToken, body });

  async function charge(name: string, body: Record<string, unknown>) {
    const orderNo = `FIN-${name}-${Date.now()}`;
    const created = await api('POST', '/charges', {
      app: gw.demo.ids.app,
      order_no: orderNo,
      currency: 'CNY',
      subject: '精品咖啡豆',
      ...body,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    orders[name] = { id: created.body.id, orderNo, orderSn: created.body.order_sn };
    return orders[name];
  }

  beforeAll(async () => {
    gw = await consoleGateway();
    sim = simulatorOf(gw.core)!;
    // Yesterday's business, in Shanghai: WeChat Pay orders (one whose callback is lost),
    // cash at the counter and in the store.
    const now = gw.core.clock.now();
    gw.core.clock.set(new Date(now.getTime() - DAY).toISOString());
    yesterday = shanghaiDay(gw.core.clock.now());
    for (const [name, amount] of [
      ['wx1', 3200],
      ['wx2', 4500],
      ['wx3', 6800],
      ['lost', 12800],
    ] as const) {
      const c = await charge(name, { channel: 'wechatpay', method: 'qr', amount });
      if (name === 'lost') {
        // Paid on the payer's side, its callback dropped: pending here, paid upstream.
        sim.faults.add('drop');
        expect((await sim.payerAct(sim.keys.merchant.mchid, c.orderSn, 'pay')).ok).toBe(true);
        continue;
      }
      const paid = await api('POST', `/test_helpers/charges/${c.id}/pay`);
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    }
    await sim.runDue();
    for (const name of ['wx1', 'wx2', 'wx3']) {
      // (expect.poll works only inside a test)
      for (let i = 0; (await api('GET', `/charges/${orders[name]!.id}`)).body.status !== 'succeeded'; i++) {
        if (i === 60) throw new Error(`${name} never turned paid`);
        await new Promise((r) => setTimeout(r, 500));
        await sim.runDue();
      }
    }
    expect((await api('GET', `/charges/${orders.lost!.id}`)).body.status).toBe('pending');
    await charge('cash', { channel: 'cash', method: 'offline', amount: 2600 });
    await charge('storeCash', { channel: 'cash', method: 'offline', amount: 1800, store: gw.demo.ids.store });
    // WeChat settled one order for a fen less than we booked; its statement has a stranger.
    await gw.core.db.query('UPDATE wxsim_orders SET total = total - 1 WHERE out_trade_no = $1', [
      orders.wx3!.orderSn,
    ]);
    sim.bills.faults.add('extra_row');
    gw.core.clock.set(now.toISOString());
    // Today: a store's charge to refund under its supervisor, and a large one.
    await charge('store', { channel: 'cash', method: 'offline', amount: 5000, store: gw.demo.ids.store });
    await charge('large', { channel: 'cash', method: 'offline', amount: 1_500_000 });
  }, 300_000);
  afterAll(async () => {
    await gw?.close();
  });

  const open = async (page: Page, path: string) => {
    await page.goto(`${gw.server.url}/console/${path}`);
    await page.waitForLoadState('networkidle');
  };
  const confirmButton = (page: Page) =>
    page.locator('.ant-modal-confirm').getByRole('button', { name: /确\s*认|确\s*定|OK/ });

  it('reconciles yesterday from the button, reads the run by class and exports it', async () => {
    const { context, page } = await gw.login('finance');
    await open(page, 'reconciliation');
    await page.getByText('还没有对账记录').waitFor();
    // The default day is yesterday; the default target the WeChat Pay simulator's merchant.
    expect(await page.getByTestId('run-form').locator('input').first().inputValue()).toBe(yesterday);
    await page.getByTestId('run-submit').click();
    const result = page.getByTestId('run-result');
    await expect.poll(() => result.innerText(), { timeout: 60_000 }).toContain('对账完成');
    const runs = await api('GET', `/reconciliation_runs?date=${yesterday}`);
    const run = runs.body.data[0];
    expect(run.status).toBe('completed');
    expect(run.counts).toMatchObject({ repaired: 1, missing_here: 1, amount_mismatch: 1 });
    expect(await result.innerText()).toContain(`读取 ${run.rows_read} 行`);
    // The lost callback was repaired by query: the charge is paid now.
    expect((await api('GET', `/charges/${orders.lost!.id}`)).body.status).toBe('succeeded');
    await page.locator('tbody tr.ant-table-row', { hasText: yesterday }).first().waitFor();
    await gw.screenshot(page, 'reconciliation');

    await page.getByTestId('run-result-open').click();
    const drawer = page.getByTestId('run-drawer');
    await drawer.getByTestId('run-status').getByText('已完成').waitFor();
    for (const [cls, n] of Object.entries({ repaired: 1, missing_here: 1, amount_mismatch: 1 })) {
      await expect.poll(() => drawer.getByTestId(`count-${cls}`).innerText()).toContain(String(n));
    }
    await drawer.locator('tr', { hasText: orders.wx3!.orderSn }).waitFor();
    await gw.screenshot(page, 'reconciliation-run');
    await drawer.getByTestId('count-amount_mismatch').click();
    await expect.poll(() => drawer.locator('tbody tr.ant-table-row').count()).toBe(1);
    const row = await drawer.locator('tbody tr.ant-table-row').innerText();
    expect(row).toContain('金额不符');
    expect(row).toContain('¥68.00'); // our books
    expect(row).toContain('¥67.99'); // the statement
    expect(row).toContain('-¥0.01');

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      drawer.getByTestId('items-export-csv').click(),
    ]);
    const lines = readFileSync((await csv.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('class');
    expect(lines[1]).toContain('amount_mismatch');
    expect(lines[1]).toContain(orders.wx3!.id);
    await drawer.getByTestId('items-export-progress').getByText('已导出').waitFor();
    await drawer.getByTestId('class-filter').getByText('全部差异').click();
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      drawer.getByTestId('items-export-xlsx').click(),
    ]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await xlsx.path())!);
    const sheet = book.worksheets[0]!;
    const listed = (await api('GET', `/reconciliation_items?run=${run.id}&limit=100`)).body.data;
    expect(sheet.rowCount).toBe(listed.length + 1);
    await page.locator('.ant-drawer-close').click();

    // The overview shows the open differences, from the runs API.
    await open(page, 'overview');
    const card = page.getByTestId('overview-mismatches');
    const open_ = [
      'missing_here',
      'missing_upstream',
      'amount_mismatch',
      'status_mismatch',
      'refund_mismatch',
    ]
      .map((c) => run.counts[c] ?? 0)
      .reduce((a, b) => a + b, 0);
    await expect.poll(() => card.innerText(), { timeout: 30_000 }).toContain(`${open_} 笔差异`);
    await gw.screenshot(page, 'overview');
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it('settlement reports: the figures are the API’s, by day and month, downloadable', async () => {
    const { context, page } = await gw.login('finance');
    await open(page, 'settlement');
    const report = await api(
      'GET',
      `/settlement_reports?period=day&from=${shanghaiDay(new Date(Date.now() - 29 * DAY))}&to=${shanghaiDay(new Date())}&mode=test`,
    );
    const lines = report.body.data as { period: string; gross: number; net: number; fees: number }[];
    const gross = lines.reduce((s, l) => s + l.gross, 0);
    const net = lines.reduce((s, l) => s + l.net, 0);
    expect(lines.some((l) => l.period === yesterday && l.fees > 0)).toBe(true);
    const yuan = (v: number) => `¥${(v / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    const totals = page.getByTestId('settlement-totals');
    await expect.poll(() => totals.innerText(), { timeout: 30_000 }).toContain(yuan(gross));
    expect(await totals.innerText()).toContain(yuan(net));
    await page.getByTestId('table-period').locator('tr', { hasText: yesterday }).waitFor();
    await gw.screenshot(page, 'settlement');

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('settlement-export-csv').click(),
    ]);
    const rows = readFileSync((await csv.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(rows[0]).toContain('gross');
    expect(rows).toHaveLength(lines.length + 1);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('settlement-export-xlsx').click(),
    ]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await xlsx.path())!);
    expect(book.worksheets[0]!.rowCount).toBe(lines.length + 1);

    await page.getByTestId('period').getByText('月报').click();
    const month = yesterday.slice(0, 7);
    await page.getByTestId('table-period').locator('tr', { hasText: month }).first().waitFor();
    await page.getByRole('tab', { name: '按渠道' }).click();
    await page.getByTestId('table-channel').getByText('微信支付').waitFor();
    await gw.screenshot(page, 'settlement-monthly');
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it("a store charge's refund needs its supervisor; a large refund is typed to confirm", async () => {
    const { context, page } = await gw.login('finance');
    const find = async (orderNo: string) => {
      await open(page, 'transactions');
      // The search box's input, whether antd puts the test id on it or on its wrapper.
      const search = page.locator('[data-testid=filter-search], [data-testid=filter-search] input').last();
      await search.fill(orderNo);
      await search.press('Enter');
      await page.locator('tr', { hasText: orderNo }).getByTestId('order-link').click();
      await expect.poll(() => page.getByTestId('drawer-status').innerText()).toBe('已支付');
    };
    await find(orders.store!.orderNo);
    await page.getByTestId('refund-charge').click();
    const form = page.getByTestId('refund-form');
    await form.locator('#amount').fill('20.00');
    await form.locator('#description').fill('顾客退菜');
    await form.locator('button[type=submit]').click();
    await form.getByText('请门店主管输入密码').waitFor();
    await form.locator('#supervisor_password').fill('654321');
    await form.locator('button[type=submit]').click();
    await confirmButton(page).click();
    await form.getByText('门店主管密码错误').waitFor();
    expect((await api('GET', `/charges/${orders.store!.id}`)).body.amount_refunded).toBe(0);
    await gw.screenshot(page, 'refund-supervisor');
    await form.locator('#supervisor_password').fill(gw.demo.store.shopPass);
    await form.locator('button[type=submit]').click();
    await confirmButton(page).click();
    await expect
      .poll(() => page.getByTestId('drawer-status').innerText(), { timeout: 20_000 })
      .toBe('部分退款');
    expect((await api('GET', `/charges/${orders.store!.id}`)).body.amount_refunded).toBe(2000);
    await page.locator('.ant-drawer-close').click();
    await page.locator('.ant-drawer-mask').waitFor({ state: 'hidden' });

    await find(orders.large!.orderNo);
    await page.getByTestId('refund-charge').click();
    await form.locator('#description').fill('整单退货');
    await form.locator('button[type=submit]').click();
    // ¥15,000.00: the OK stays disabled until the order number is typed.
    await page.locator('.ant-modal-confirm-title', { hasText: '大额退款：¥15,000.00' }).waitFor();
    expect(await confirmButton(page).isDisabled()).toBe(true);
    await page.getByTestId('large-refund-confirm').fill('FIN-large');
    expect(await confirmButton(page).isDisabled()).toBe(true);
    await gw.screenshot(page, 'refund-large');
    await page.getByTestId('large-refund-confirm').fill(orders.large!.orderNo);
    await confirmButton(page).click();
    await expect
      .poll(() => page.getByTestId('drawer-status').innerText(), { timeout: 20_000 })
      .toBe('已退款');
    expect((await api('GET', `/charges/${orders.large!.id}`)).body.amount_refunded).toBe(1_500_000);
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it('imports channel configs in bulk from a file: preview, the refused row, then the result', async () => {
    const { context, page } = await gw.login('owner');
    await open(page, 'channels');
    const app = gw.demo.ids.app;
    const bad = join(ARTIFACTS, 'channel-import-bad.json');
    const good = join(ARTIFACTS, 'channel-import.json');
    writeFileSync(
      bad,
      JSON.stringify([
        { app, mode: 'live', provider: 'cash' },
        {
          app,
          mode: 'live',
          provider: 'alipay',
          settings: { app_id: '2021000000000001' },
          secrets: { private_key: 'x' },
        },
      ]),
    );
    writeFileSync(
      good,
      JSON.stringify({
        configs: [
          { app, mode: 'live', provider: 'cash' },
          { app, mode: 'live', provider: 'diy' },
        ],
      }),
    );
    await page.getByTestId('import-configs').click();
    const input = page.locator('.ant-modal input[type=file]');
    await input.setInputFiles(bad);
    await expect
      .poll(() => page.getByTestId('import-preview').locator('tbody tr.ant-table-row').count())
      .toBe(2);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-row-refused').waitFor();
    await page.getByText('未写入').first().waitFor();
    await gw.screenshot(page, 'channel-import-refused');
    expect(
      (await api('GET', `/channel_configs?app=${app}`)).body.data.filter((c: any) => c.mode === 'live'),
    ).toEqual([]);
    await input.setInputFiles(good);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-done').getByText('新建 2 项').waitFor();
    expect(await page.getByTestId('import-row-ok').count()).toBe(2);
    await gw.screenshot(page, 'channel-import');
    const live = (await api('GET', `/channel_configs?app=${app}`)).body.data.filter(
      (c: any) => c.mode === 'live',
    );
    expect(live.map((c: any) => c.provider).sort()).toEqual(['cash', 'diy']);
    expect(gw.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);

  it('the same pages in English', async () => {
    const { context, page } = await gw.login('finance', 'en-US');
    await open(page, 'overview');
    await page.getByText('Reconciliation differences').waitFor();
    await gw.screenshot(page, 'overview');
    await open(page, 'reconciliation');
    await page.getByText('Run a reconciliation').waitFor();
    await page.locator('tbody tr.ant-table-row').first().waitFor();
    await gw.screenshot(page, 'reconciliation');
    await page.getByTestId('run-open').first().click();
    await page.getByTestId('run-drawer').getByText('Amount differs').first().waitFor();
    await gw.screenshot(page, 'reconciliation-run');
    await open(page, 'settlement');
    await page.getByTestId('table-period').locator('tr', { hasText: yesterday }).waitFor();
    await gw.screenshot(page, 'settlement');
    await page.getByTestId('period').getByText('Monthly').click();
    await page
      .getByTestId('table-period')
      .locator('tr', { hasText: yesterday.slice(0, 7) })
      .first()
      .waitFor();
    await gw.screenshot(page, 'settlement-monthly');
    await context.close();
    const owner = await gw.login('owner', 'en-US');
    await open(owner.page, 'channels');
    await owner.page.getByTestId('import-configs').click();
    await owner.page
      .locator('.ant-modal input[type=file]')
      .setInputFiles(join(ARTIFACTS, 'channel-import-bad.json'));
    await owner.page.getByTestId('import-preview').waitFor();
    await gw.screenshot(owner.page, 'channel-import');
    await owner.context.close();
    expect(gw.cspViolations).toEqual([]);
  }, 240_000);
});
