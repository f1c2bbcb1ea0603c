/**
 * The aggregated store QR (一码付) in chromium against the real connectors and simulators:
 * the admin API creates a desk's code and its PNG; scanned in WeChat the page learns the
 * openid (WeChat web authorization), the payer types the amount and pays by JSAPI; scanned
 * in Alipay it learns the buyer id (alipay.system.oauth.token) and pays by Alipay JSAPI
 * (alipay.trade.create with buyer_id); any other scanner is told which apps can pay. The
 * order is the store's: listed by the store API with its qrc_id.
 */
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

  it('scanned in WeChat: openid by web authorization, keypad amount and remark, JSAPI; the store lists it', async () => {
    const sim = wechatSimulatorOf(core)!;
    await inApp(WECHAT_UA, async (page) => {
      await page.goto(qrc.url);
      await page.locator('#store', { hasText: '街角咖啡' }).waitFor();
      await typeAmount(page, ['1', '2', '.', '5']);
      await page.locator('#remark').fill('少冰');
      await shoot(page, 'payer', 'store-qr-wechat-keypad');
      await page.locator('#pay').click();
      await page.locator('#done:not([hidden])').waitFor({ timeout: 30_000 });
      await shoot(page, 'payer', 'store-qr-wechat-paid');
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

  it('any other scanner is told which apps can pay; an unknown code is a 404 page', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    await page.goto(qrc.url);
    await page.locator('[data-app="wechatpay"]').waitFor();
    expect(await page.locator('[data-app="alipay"]').count()).toBe(1);
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
