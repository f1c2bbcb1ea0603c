/**
 * Hosted checkout sessions and reusable payment links in chromium against the real
 * connectors and simulators: created through the admin API; on a PC the payer pays a
 * session by WeChat QR (live status) and lands on success_url with a result signed by the
 * session's secret; on a phone the payer enters an amount within a link's bounds and pays
 * by Alipay wap; a fixed amount cannot be changed by the payer; expired and paid links
 * say so. Screenshots land in test-artifacts/payer/.
 */
import { createHmac } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { toCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { shoot } from '../support/screenshots.js';
import { type TestServer, call, testServer } from '../support/server.js';

const SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
const ALIPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClient/10.5.36.6000 Language/zh-Hans';
/** Each payer page, with everything it loads from the gateway, stays under this (a slow phone). */
const PAGE_BUDGET = 100 * 1024;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** The merchant's check of the signed result, written from docs/checkout.md. */
function verifyResult(params: Record<string, string>, secret: string): boolean {
  const text = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHmac('sha256', secret).update(text).digest('hex') === params.signature;
}

// One engine for the browser suite: the pages do not depend on it.
describe.each(engines().slice(0, 1))('hosted checkout and payment links in chromium (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let appId: string;
  let shop: Server;
  let shopUrl: string;

  const create = async (body: Record<string, unknown>) => {
    const res = await call(server, 'POST', '/api/v1/checkout_links', {
      token: server.tokens.developer,
      body: {
        app: appId,
        success_url: `${shopUrl}/success`,
        cancel_url: `${shopUrl}/cancel`,
        ...body,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; url: string; signing_secret: string };
  };
  const chargesOf = async (linkId: string): Promise<Charge[]> =>
    (
      await core.db.query('SELECT * FROM charges WHERE order_no LIKE $1 ORDER BY created_at', [`${linkId}-%`])
    ).map(toCharge);

  /** Bytes per gateway page path the browser received (the simulators' pages not counted). */
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

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    const merchant = await createMerchant(core.db, core, { name: 'Checkout merchant' });
    appId = (await createApp(core.db, core, { merchantId: merchant.id, name: 'shop' })).id;
    shop = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<h1 id="shop">Back at the shop</h1>');
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const address = shop.address();
    shopUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => shop?.close(resolve));
    await server?.close();
    await core?.drop();
  });

  it('PC session: WeChat QR with live status, then success_url with a signed result; paid afterwards', async () => {
    const session = await create({
      kind: 'session',
      currency: 'CNY',
      amount: '25.99',
      description: 'Order #1001 · 2 lattes',
      methods: ['wechatpay', 'alipay', 'unionpay'],
      metadata: { order: '1001' },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const sizes = transferred(page);
    await page.goto(session.url);
    await page.locator('#amount', { hasText: '25.99' }).waitFor();
    await shoot(page, 'payer', 'checkout-pc');
    // Keyboard on a PC: the methods are buttons in the tab order; Enter picks one.
    await page.locator('[data-method="wechatpay"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#qr:not([hidden])').waitFor();
    await shoot(page, 'payer', 'checkout-pc-wechat-qr');
    const [charge] = await chargesOf(session.id);
    expect(charge).toMatchObject({
      channel: 'wechatpay',
      method: 'qr',
      amount: 2599,
      metadata: { order: '1001' },
    });
    // The payer scans and pays on the phone.
    const phone = await browser.newPage();
    await phone.goto(String(charge!.credential!.code_url));
    await phone.getByRole('button', { name: /^Pay/ }).first().click();
    await phone.close();
    await page.waitForURL(`${shopUrl}/success?**`, { timeout: 30_000 });
    expectWithinBudget(sizes);
    const result = Object.fromEntries(new URL(page.url()).searchParams);
    expect(result).toMatchObject({
      checkout: session.id,
      charge: charge!.id,
      status: 'succeeded',
      amount: '2599',
    });
    expect(verifyResult(result, session.signing_secret)).toBe(true);
    expect(verifyResult({ ...result, amount: '1' }, session.signing_secret)).toBe(false);
    // A session is paid once: opening it again says so.
    await page.goto(session.url);
    await page.locator('#state[data-state="paid"]').waitFor();
    await shoot(page, 'payer', 'checkout-paid');
    await page.close();
    expect(violations).toEqual([]);
  });

  it('H5 payment link: the payer enters an amount within the bounds and pays by Alipay wap', async () => {
    const link = await create({
      kind: 'link',
      currency: 'CNY',
      min_amount: '1',
      max_amount: '100',
      description: '街角咖啡 · 自助付款',
      methods: ['wechatpay', 'alipay'],
    });
    const context = await browser.newContext({ ...PHONE, userAgent: SAFARI_UA });
    const page = await context.newPage();
    await page.goto(link.url);
    await page.locator('#amount-input').fill('200');
    await page.locator('[data-method="alipay"]').click();
    await page.locator('#message', { hasText: 'outside' }).waitFor();
    await page.locator('#amount-input').fill('12.5');
    await shoot(page, 'payer', 'checkout-h5-link');
    await page.locator('[data-method="alipay"]').click();
    await page.waitForURL(/\/sandbox\/alipay\//);
    await page.getByRole('button', { name: /Pay/ }).first().click();
    await expect
      .poll(async () => (await chargesOf(link.id)).map((c) => [c.method, c.amount, c.status]), {
        timeout: 20_000,
      })
      .toEqual([['wap', 1250, 'succeeded']]);
    await context.close();
    // A link is reusable: it still opens for the next payer.
    expect((await fetch(link.url, { headers: { 'user-agent': SAFARI_UA } })).status).toBe(200);
  });

  it('the payer cannot change a fixed amount; an expired link is refused with its own page', async () => {
    const fixed = await create({
      kind: 'link',
      currency: 'CNY',
      amount: '9.90',
      description: 'Fixed',
      methods: ['alipay'],
    });
    const paid = await fetch(`${fixed.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'alipay', scene: 'pc', amount: '0.01' }),
    });
    expect(paid.status).toBe(200);
    expect((await chargesOf(fixed.id)).map((c) => c.amount)).toEqual([990]);
    const notAllowed = await fetch(`${fixed.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'wechatpay', scene: 'pc' }),
    });
    expect(notAllowed.status).toBe(400);

    const expiring = await create({
      kind: 'link',
      currency: 'CNY',
      amount: '1.00',
      description: 'Short-lived',
      methods: ['alipay'],
      expires_at: new Date(core.clock.now().getTime() + 60_000).toISOString(),
    });
    core.clock.advance(120_000);
    const page = await browser.newPage();
    const response = await page.goto(expiring.url);
    expect(response!.status()).toBe(410);
    await page.locator('#state[data-state="expired"]').waitFor();
    await shoot(page, 'payer', 'checkout-expired');
    await page.close();
    const late = await fetch(`${expiring.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'alipay', scene: 'pc' }),
    });
    expect(late.status).toBe(400);
    expect(await chargesOf(expiring.id)).toHaveLength(0);
  });

  it('H5 inside WeChat: openid by WeChat web authorization, JSAPI, then success_url signed', async () => {
    const session = await create({
      kind: 'session',
      currency: 'CNY',
      amount: '18.00',
      description: '街角咖啡 · 外卖',
      methods: ['wechatpay', 'alipay'],
    });
    const sim = wechatSimulatorOf(core)!;
    const context = await browser.newContext({ ...PHONE, userAgent: WECHAT_UA, locale: 'zh-CN' });
    const violations: string[] = [];
    context.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    // WeChat's in-app bridge: getBrandWCPayRequest opens the payment sheet (the simulator's
    // page for the prepay_id), where the payer pays.
    const sheets: Record<string, string>[] = [];
    await context.exposeFunction('openWechatSheet', async (params: Record<string, string>) => {
      sheets.push(params);
      const sheet = await browser.newPage();
      try {
        await sheet.goto(
          `${server.url}/sandbox/wechatpay/jsapi?prepay_id=${params.package!.replace(/^prepay_id=/, '')}`,
        );
        await sheet.getByRole('button', { name: /^Pay/ }).first().click();
        await sheet.waitForLoadState();
      } finally {
        await sheet.close();
      }
      return 'get_brand_wcpay_request:ok';
    });
    await context.addInitScript(() => {
      const w = window as unknown as Record<string, any>;
      w.WeixinJSBridge = {
        invoke: (_name: string, params: unknown, done: (res: { err_msg: string }) => void) => {
          void w.openWechatSheet(params).then((errMsg: string) => done({ err_msg: errMsg }));
        },
      };
    });
    const page = await context.newPage();
    const sizes = transferred(page);
    await page.goto(session.url);
    await page.waitForURL(`${shopUrl}/success?**`, { timeout: 40_000 });
    expectWithinBudget(sizes);
    await context.close();
    expect(violations).toEqual([]);
    const [charge] = await chargesOf(session.id);
    expect(charge).toMatchObject({
      channel: 'wechatpay',
      method: 'jsapi',
      amount: 1800,
      status: 'succeeded',
      extra: { openid: sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid) },
    });
    expect(sheets).toEqual([charge!.credential!.jsapi]);
    // A page whose sealed payer was forged cannot pay.
    const forged = await fetch(`${session.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'wechatpay', scene: 'h5', payer: 'forged' }),
    });
    expect(forged.status).toBe(400);
  });

  it('H5 inside Alipay: straight to Alipay wap; in another mobile browser WeChat pays by H5', async () => {
    const link = await create({
      kind: 'link',
      currency: 'CNY',
      amount: '3.00',
      description: 'Alipay app',
      methods: ['wechatpay', 'alipay'],
    });
    const inAlipay = await browser.newContext({ ...PHONE, userAgent: ALIPAY_UA });
    const page = await inAlipay.newPage();
    await page.goto(link.url);
    await page.waitForURL(/\/sandbox\/alipay\//, { timeout: 30_000 });
    await shoot(page, 'payer', 'checkout-h5-alipay-app');
    await inAlipay.close();
    expect((await chargesOf(link.id)).map((c) => [c.channel, c.method])).toEqual([['alipay', 'wap']]);

    const safari = await browser.newContext({ ...PHONE, userAgent: SAFARI_UA });
    const phone = await safari.newPage();
    await phone.goto(link.url);
    expect(await phone.locator('[data-method]:visible').count()).toBe(2);
    await phone.locator('[data-method="wechatpay"]').click();
    await phone.waitForURL(/\/sandbox\/wechatpay\//, { timeout: 30_000 });
    await shoot(phone, 'payer', 'checkout-h5-wechat-h5');
    await safari.close();
    expect((await chargesOf(link.id)).map((c) => [c.channel, c.method])).toContainEqual(['wechatpay', 'h5']);
  });

  it('speaks en-US or zh-CN by Accept-Language with a visible switch, on the page and its result', async () => {
    const link = await create({
      kind: 'link',
      currency: 'CNY',
      amount: '1.00',
      description: 'Language',
      methods: ['alipay', 'unionpay'],
    });
    const res = await fetch(link.url, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    const html = await res.text();
    expect(html).toContain('<html lang="en-US">');
    expect(html).toContain('Choose how to pay');
    expect(html).toContain('UnionPay online');
    expect(html).not.toContain('选择支付方式');
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(link.url);
    await page.locator('#methods-title', { hasText: 'Choose how to pay' }).waitFor();
    await shoot(page, 'payer', 'checkout-pc-en');
    await page.locator('#lang-switch', { hasText: '中文' }).click();
    await page.locator('#methods-title', { hasText: '选择支付方式' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await context.close();
    const missing = await fetch(`${server.url}/checkout/cs_000000000000000000000000`, {
      headers: { 'accept-language': 'en-US' },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No such link');
  });
});
