import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, testServer } from '../support/server.js';
import type { Dto, UnifiedClient } from './unified-client.js';
import { attemptsOf, documentOrder, domainClient, genericSandboxes, newDomainApp } from './unified-domain.js';

/**
 * The document's entry URLs (`pay.html#/?...` for PC, `mpay.html#/?...` for H5) are where
 * a merchant sends the payer: the cashier pages must exist there and drive the REST API
 * as the document's page does. Checked with a real browser opening the signed URL.
 */
describe.each(engines())('unified cashier pages (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let client: UnifiedClient;
  let appId: string;
  let seq = 0;

  /** The document's order, with pages on this server so the browser can be seen arriving. */
  const order = (extra: Partial<Dto> = {}) =>
    documentOrder(`page${Date.now()}${++seq}`, {
      pageUrl: `${server.url}/healthz?page`,
      dialogOkUrl: `${server.url}/healthz?ok`,
      dialogFailUrl: `${server.url}/healthz?fail`,
      ...extra,
    });
  const attempts = (requestKey: string) => attemptsOf(core, appId, requestKey);

  /** Opens the signed entry URL in a new page of the browser, and closes the page whatever happens. */
  async function onEntryPage(scene: 'pc' | 'h5', entry: Dto, run: (page: Page) => Promise<void>) {
    const page = await browser.newPage();
    try {
      await page.goto(client.entryUrl(scene, entry));
      await run(page);
    } finally {
      await page.close();
    }
  }

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    server = await testServer(core);
    core.publicUrl = server.url;
    appId = await newDomainApp(core);
    client = await domainClient(core, server.url, appId, false);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.drop();
  });

  it("serves the document's entry URLs: pay.html (PC) and mpay.html (H5)", async () => {
    for (const [page, scene] of [
      ['pay.html', 'pc'],
      ['mpay.html', 'h5'],
    ] as const) {
      // The document's own example URL, on this server (the fragment never reaches it).
      const response = await fetch(
        `${server.url}/${page}#/?domainCode=test&payTypeCode=&requestChannel=&money=1&requestKey=1464659622189`,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).toContain(`var SCENE = "${scene}";`);
    }
  });

  it('draws the open WeChat QR code for the signed order; refuses a bad sign or an order not started', async () => {
    const dto = { ...client.entry(order()), payTypeCode: 'Wechat' };
    const notStarted = await client.get('/pay/api/pc/qrcode', dto);
    expect(notStarted.body).toMatchObject({ errcode: '20003', obj: null });
    expect((await client.pcPay(dto)).body.errcode).toBe('0');
    const response = await fetch(`${server.url}/pay/api/pc/qrcode?${new URLSearchParams(dto)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toMatch(/^<svg /);
    const forged = await client.get('/pay/api/pc/qrcode', { ...dto, money: '2' });
    expect(forged).toMatchObject({ status: 200, body: { errcode: '10010', obj: null } });
  });

  it('PC: the payer picks WeChat, scans the QR code, and the polling page goes on to dialogOkUrl', async () => {
    const entry = client.entry(order({ money: '2' }));
    await onEntryPage('pc', entry, async (page) => {
      await page.locator('#amount', { hasText: '¥0.02' }).waitFor();
      await page.locator('button[data-pay-type="Wechat"]').click();
      await page.locator('#qr:not([hidden])').waitFor();
      await expect
        .poll(() => page.locator('#qr-image').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
      const [charge] = await attempts(entry.requestKey!);
      expect(charge).toMatchObject({ channel: 'wechatpay', method: 'qr', status: 'pending', amount: 2 });
      await applyChargeResult(core, charge!.id, { status: 'succeeded', transactionNo: `tx_${charge!.id}` });
      await page.waitForURL(`${server.url}/healthz?ok`, { timeout: 15_000 });
    });
  });

  it('PC: a payTypeCode the merchant signed starts at once; Alipay submits the answered form', async () => {
    const entry = client.entry(order({ payTypeCode: 'Alipay' }));
    await onEntryPage('pc', entry, async (page) => {
      await page.waitForURL(`${server.url}/sandbox/pay/ch_*`);
      const [charge] = await attempts(entry.requestKey!);
      expect(charge).toMatchObject({ channel: 'alipay', method: 'page', status: 'pending' });
      // (A GET form submission leaves an empty query: "...?".)
      expect(page.url().split('?')[0]).toBe(`${server.url}/sandbox/pay/${charge!.id}`);
    });
  });

  it('H5: Alipay submits the wap form; WeChat outside WeChat shows the error and opens nothing', async () => {
    const entry = client.entry(order());
    await onEntryPage('h5', entry, async (page) => {
      await page.locator('button[data-pay-type="Wechat"]').click();
      await page.locator('#message', { hasText: 'openid' }).waitFor();
      expect(await attempts(entry.requestKey!)).toHaveLength(0);
      await page.locator('button[data-pay-type="Alipay"]').click();
      await page.waitForURL(`${server.url}/sandbox/pay/ch_*`);
      const [charge] = await attempts(entry.requestKey!);
      expect(charge).toMatchObject({ channel: 'alipay', method: 'wap' });
    });
  });

  it('H5 inside WeChat: fetches the openid first, then goes straight to getBrandWCPayRequest', async () => {
    const entry = client.entry(order());
    const context = await browser.newContext({
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47',
    });
    // WeChat's in-app bridge: hands the sheet it is asked to open to the test, reports it paid.
    const sheets: unknown[] = [];
    await context.exposeFunction('recordSheet', (name: string, params: unknown) => {
      sheets.push({ name, params });
    });
    await context.addInitScript(() => {
      const w = window as unknown as Record<string, any>;
      w.WeixinJSBridge = {
        invoke: (name: string, params: unknown, done: (res: { err_msg: string }) => void) => {
          void w.recordSheet(name, params).then(() => done({ err_msg: 'get_brand_wcpay_request:ok' }));
        },
      };
    });
    const page = await context.newPage();
    try {
      await page.goto(client.entryUrl('h5', entry));
      // Back from WeChat's authorization with the payer's openid in the fragment.
      await page.waitForURL(/&openid=/);
      const sim = wechatSimulatorOf(core)!;
      const openid = sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid);
      expect(new URLSearchParams(page.url().split('#/?')[1]).get('openid')).toBe(openid);
      // WeChat Pay is the only way to pay inside WeChat: it starts without a click.
      await page.waitForURL(`${server.url}/healthz?ok`);
      const [charge] = await attempts(entry.requestKey!);
      expect(charge).toMatchObject({ channel: 'wechatpay', method: 'jsapi', extra: { openid } });
      expect(sheets).toEqual([{ name: 'getBrandWCPayRequest', params: charge!.credential!.jsapi }]);
    } finally {
      await context.close();
    }
  });

  it('shows the invalid-link page for a tampered URL instead of paying', async () => {
    const entry: Dto = { ...client.entry(order()), money: '100' };
    await onEntryPage('pc', entry, async (page) => {
      await page.locator('#state[data-state="tampered"]').waitFor();
      expect(await page.locator('button[data-pay-type]').count()).toBe(0);
      expect(await attempts(entry.requestKey!)).toHaveLength(0);
    });
  });
});
