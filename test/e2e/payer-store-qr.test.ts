/**
 * The aggregated store QR (一码付) in chromium against the real connectors and simulators:
 * the admin API creates a desk's code and its PNG; scanned in WeChat the page learns the
 * openid (WeChat web authorization), the payer types the amount and pays by JSAPI; scanned
 * in Alipay it learns the buyer id (alipay.system.oauth.token) and pays by Alipay JSAPI
 * (alipay.trade.create with buyer_id); any other scanner is told which apps can pay. The
 * order is the store's: listed by the store API with its qrc_id.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import { toCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { sandboxBuyerId } from '../../src/sandbox/alipay/oauth.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { Mct1Client } from '../dialects/store-client.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { shoot } from '../support/screenshots.js';
import { type TestServer, call, testServer } from '../support/server.js';

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
const ALIPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClient/10.5.36.6000 Language/zh-Hans';
const UNIONPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1000) (UnionPay/1.0 CloudPay) (clientVersion 195) (language zh_CN)';
/** Each payer page, with everything it loads, stays under this many bytes (a slow phone). */
const PAGE_BUDGET = 100 * 1024;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// One engine for the browser suite: the pages do not depend on it.
describe.each(engines().slice(0, 1))('aggregated store QR in chromium (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let client: Mct1Client;
  let storeId: string;
  let qrc: { id: string; url: string; png_url: string; label: string };

  const storeCharges = async (): Promise<Charge[]> =>
    (await core.db.query('SELECT * FROM charges WHERE store_id = $1 ORDER BY created_at', [storeId])).map(
      toCharge,
    );

  /** Opens a payer page on a new page of the browser, which pays anything shown on `sheetUrl`. */
  async function inApp(userAgent: string, run: (page: Page, context: BrowserContext) => Promise<void>) {
    const context = await browser.newContext({ ...PHONE, userAgent, locale: 'zh-CN' });
    const violations: string[] = [];
    context.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    // The app's payment sheet: the simulator's payer page, where the payer pays.
    await context.exposeFunction('paySheet', async (url: string) => {
      const sheet = await browser.newPage();
      try {
        await sheet.goto(url);
        await sheet.getByRole('button', { name: /Pay/ }).first().click();
        await sheet.waitForLoadState();
      } finally {
        await sheet.close();
      }
    });
    await context.addInitScript((base: string) => {
      const w = window as unknown as Record<string, any>;
      w.WeixinJSBridge = {
        invoke: (_n: string, params: Record<string, string>, done: (r: { err_msg: string }) => void) => {
          const prepay = params.package!.replace(/^prepay_id=/, '');
          void w
            .paySheet(`${base}/sandbox/wechatpay/jsapi?prepay_id=${prepay}`)
            .then(() => done({ err_msg: 'get_brand_wcpay_request:ok' }));
        },
      };
      w.AlipayJSBridge = {
        call: (_n: string, params: { tradeNO: string }, done: (r: { resultCode: string }) => void) => {
          void w
            .paySheet(`${base}/sandbox/alipay/cashier/${params.tradeNO}`)
            .then(() => done({ resultCode: '9000' }));
        },
      };
    }, server.url);
    try {
      await run(await context.newPage(), context);
    } finally {
      await context.close();
    }
    expect(violations).toEqual([]);
  }

  /**
   * The bytes each of our payer pages transferred (the document and anything it loads from
   * the gateway; the simulators' pages are the providers' and not counted).
   */
  function transferred(page: Page): Map<string, number> {
    const sizes = new Map<string, number>();
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (!response.url().startsWith(server.url) || url.pathname.startsWith('/sandbox/')) return;
      if (response.status() >= 300 && response.status() < 400) return;
      void response
        .body()
        .then((body) => sizes.set(url.pathname, (sizes.get(url.pathname) ?? 0) + body.length))
        .catch(() => undefined);
    });
    return sizes;
  }

  function expectWithinBudget(sizes: Map<string, number>) {
    expect(sizes.size).toBeGreaterThan(0);
    for (const [path, bytes] of sizes) {
      console.log(`payer page ${path}: ${bytes} bytes`);
      expect(bytes, path).toBeLessThan(PAGE_BUDGET);
    }
  }

  async function typeAmount(page: Page, keys: string[]) {
    for (const key of keys) await page.locator(`[data-key="${key}"]`).click();
  }

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    const merchant = await createMerchant(core.db, core, { name: '咖啡商户' });
    const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'pos' });
    const store = await createStore(core.db, core, { appId: app.id, name: '街角咖啡', livemode: false });
    storeId = store.id;
    client = new Mct1Client(server.url, store.openId, store.openKey, () =>
      Math.floor(core.clock.now().getTime() / 1000),
    );
    const created = await call(server, 'POST', `/api/v1/stores/${storeId}/qr-codes`, {
      token: server.tokens.admin,
      body: { label: '2号桌' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    qrc = created.body;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.drop();
  });

  it('the admin API lists the code and prints its PNG, which holds the /q/ URL', async () => {
    expect(qrc.url).toBe(`${server.url}/q/${qrc.id}`);
    expect(qrc.label).toBe('2号桌');
    const list = await call(server, 'GET', `/api/v1/stores/${storeId}/qr-codes`, {
      token: server.tokens.viewer,
    });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([qrc.id]);
    const png = await fetch(`${server.url}${qrc.png_url}`, {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
    });
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect((await fetch(`${server.url}${qrc.png_url}`)).status).toBe(401);
  });

  it('the admin API prints the PDF sheet (A4 and A5): the store, the desk and the apps that pay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'juhe-qr-sheet-'));
    for (const size of ['A4', 'A5'] as const) {
      const res = await fetch(`${server.url}/api/v1/stores/${storeId}/qr-codes/${qrc.id}/pdf?size=${size}`, {
        headers: { authorization: `Bearer ${server.tokens.viewer}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const pdf = Buffer.from(await res.arrayBuffer());
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF/);
      // The CJK face is embedded (as a subset), so the Chinese prints the same everywhere.
      expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansCJKsc-Regular/);
      // Page size in points: A4 595.28 x 841.89, A5 419.53 x 595.28.
      expect(pdf.toString('latin1')).toContain(
        size === 'A4' ? '/MediaBox [0 0 595.28 841.89]' : '/MediaBox [0 0 419.53 595.28]',
      );
      const file = join(dir, `${size}.pdf`);
      writeFileSync(file, pdf);
      if (existsSync('/usr/bin/pdftotext')) {
        const text = execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
        expect(text).toContain('街角咖啡');
        expect(text).toContain('2号桌');
        for (const name of ['微信支付', '支付宝', '云闪付']) expect(text).toContain(name);
      }
      if (existsSync('/usr/bin/pdftoppm')) {
        mkdirSync('test-artifacts/payer', { recursive: true });
        const out = `test-artifacts/payer/store-qr-sheet-${size}`;
        execFileSync('pdftoppm', ['-png', '-r', '72', '-singlefile', file, out]);
        const png = readFileSync(`${out}.png`);
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      }
    }
    const bad = await call(server, 'GET', `/api/v1/stores/${storeId}/qr-codes/${qrc.id}/pdf?size=A3`, {
      token: server.tokens.viewer,
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/api/v1/stores/${storeId}/qr-codes/${qrc.id}/pdf`)).status).toBe(401);
  });

  it('scanned in WeChat: openid by web authorization, keypad amount and remark, JSAPI; the store lists it', async () => {
    const sim = wechatSimulatorOf(core)!;
    await inApp(WECHAT_UA, async (page) => {
      const sizes = transferred(page);
      await page.goto(qrc.url);
      await page.locator('#store', { hasText: '街角咖啡' }).waitFor();
      await typeAmount(page, ['1', '2', '.', '5']);
      await page.locator('#remark').fill('少冰');
      await shoot(page, 'payer', 'store-qr-wechat-keypad');
      await page.locator('#pay').click();
      await page.locator('#done:not([hidden])').waitFor({ timeout: 30_000 });
      await shoot(page, 'payer', 'store-qr-wechat-paid');
      expectWithinBudget(sizes);
    });
    const [charge] = await storeCharges();
    expect(charge).toMatchObject({
      channel: 'wechatpay',
      method: 'jsapi',
      amount: 1250,
      status: 'succeeded',
      storeId,
      extra: {
        qrc_id: qrc.id,
        qrc_label: '2号桌',
        openid: sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid),
      },
    });
    const status = await client.call('paystatus', { out_no: charge!.orderNo });
    expect(status.data).toMatchObject({ status: '1', qrc_id: qrc.id, trade_amount: '1250', remark: '少冰' });
  });

  it('scanned in Alipay: buyer id by alipay.system.oauth.token, Alipay JSAPI with buyer_id', async () => {
    await inApp(ALIPAY_UA, async (page) => {
      await page.goto(qrc.url);
      await typeAmount(page, ['8']);
      await shoot(page, 'payer', 'store-qr-alipay-keypad');
      await page.locator('#pay').click();
      await page.locator('#done:not([hidden])').waitFor({ timeout: 30_000 });
    });
    const charge = (await storeCharges()).find((c) => c.channel === 'alipay')!;
    expect(charge).toMatchObject({
      method: 'jsapi',
      amount: 800,
      status: 'succeeded',
      extra: { qrc_id: qrc.id },
    });
    expect(charge.extra.buyer_id).toMatch(/^2088\d{12}$/);
    expect(charge.extra.buyer_id).toBe(sandboxBuyerId(String((await alipayAppIdOf(charge))!)));
  });

  it("scanned in UnionPay's app: keypad (also by keyboard), UnionPay's mobile web payment, result page", async () => {
    const context = await browser.newContext({ ...PHONE, userAgent: UNIONPAY_UA, locale: 'zh-CN' });
    const violations: string[] = [];
    context.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const page = await context.newPage();
    const sizes = transferred(page);
    await page.goto(qrc.url);
    await page.locator('.unionpay #store', { hasText: '街角咖啡' }).waitFor();
    // A keyboard types on the keypad too (a PC, or a phone with a keyboard).
    await page.keyboard.type('6.60');
    await page.keyboard.press('Backspace');
    expect(await page.locator('#amount').textContent()).toBe('6.6');
    await shoot(page, 'payer', 'store-qr-unionpay-keypad');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sandbox\/unionpay\//, { timeout: 30_000 });
    await shoot(page, 'payer', 'store-qr-unionpay-sheet');
    await page
      .getByRole('button', { name: /确认付款/ })
      .first()
      .click();
    await page.waitForURL(/\/q\/qrc_[0-9a-f]+\/result\?charge=/, { timeout: 30_000 });
    await page.locator('#state[data-state="succeeded"]').waitFor({ timeout: 30_000 });
    await shoot(page, 'payer', 'store-qr-unionpay-result');
    expectWithinBudget(sizes);
    await context.close();
    expect(violations).toEqual([]);
    const charge = (await storeCharges()).find((c) => c.channel === 'unionpay')!;
    expect(charge).toMatchObject({
      method: 'wap',
      amount: 660,
      status: 'succeeded',
      storeId,
      extra: { qrc_id: qrc.id, qrc_label: '2号桌' },
    });
    const status = await client.call('paystatus', { out_no: charge.orderNo });
    expect(status.data).toMatchObject({ status: '1', qrc_id: qrc.id, trade_amount: '660' });
  });

  it('speaks en-US or zh-CN by Accept-Language, with a visible switch; strict CSP and security headers', async () => {
    const res = await fetch(qrc.url, { headers: { 'accept-language': 'en-US,en;q=0.9,zh;q=0.5' } });
    const html = await res.text();
    expect(html).toContain('<html lang="en-US">');
    expect(html).toContain('Scan with one of these apps to pay');
    expect(html).not.toContain('请使用');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const zh = await (await fetch(qrc.url, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } })).text();
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('请使用以下 App 扫码付款');

    const context = await browser.newContext({ ...PHONE, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(qrc.url);
    await page.locator('#hint', { hasText: 'This browser cannot pay' }).waitFor();
    await shoot(page, 'payer', 'store-qr-other-browser-en');
    await page.locator('#lang-switch', { hasText: '中文' }).click();
    await page.locator('#hint', { hasText: '当前浏览器无法完成支付' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    // The choice is kept: the plain URL now opens in Chinese despite the English browser.
    await page.goto(qrc.url);
    await page.locator('#lang-switch', { hasText: 'English' }).waitFor();
    await context.close();
  });

  it('any other scanner is told which apps can pay; an unknown code is a 404 page', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    await page.goto(qrc.url);
    await page.locator('[data-app="wechatpay"]').waitFor();
    expect(await page.locator('[data-app="alipay"]').count()).toBe(1);
    expect(await page.locator('[data-app="unionpay"]').count()).toBe(1);
    await shoot(page, 'payer', 'store-qr-other-browser');
    await context.close();
    expect((await fetch(`${server.url}/q/qrc_000000000000000000000000`)).status).toBe(404);
  });

  it('the pay endpoint refuses a forged payer token and a bad amount, creating nothing', async () => {
    const before = (await storeCharges()).length;
    const forged = await fetch(`${server.url}/q/${qrc.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payer: 'not-sealed', amount: '1' }),
    });
    expect(forged.status).toBe(400);
    const token = core.box.sealJson({ q: qrc.id, p: 'wechatpay', id: 'oX', exp: Date.now() + 60_000 });
    for (const amount of ['0', '1.234', '-1', 'abc']) {
      const bad = await fetch(`${server.url}/q/${qrc.id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payer: token, amount }),
      });
      expect(bad.status, amount).toBe(400);
    }
    // A remark PostgreSQL cannot store is the payer's mistake (400), not a server error.
    const nul = await fetch(`${server.url}/q/${qrc.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payer: token, amount: '1', remark: 'a\u0000b' }),
    });
    expect(nul.status).toBe(400);
    expect(await storeCharges()).toHaveLength(before);
  });

  /** The Alipay app id the charge's trade was created under (the simulator's default app). */
  async function alipayAppIdOf(charge: Charge): Promise<string | undefined> {
    const [row] = await core.db.query<{ app_id: string }>(
      'SELECT app_id FROM alipay_sandbox_trades WHERE out_trade_no = $1',
      [charge.id],
    );
    return row?.app_id;
  }
});
