/**
 * The unified platform's cashier pages (`/pay.html`, `/mpay.html`) in chromium against the
 * real connectors and their simulators, every flow of the document: PC WeChat QR with the
 * 2-second polling, Alipay, UnionPay and PayPal (with the rate) by redirect; H5 inside
 * WeChat (openid by web authorization, then JSAPI), inside Alipay (straight to Alipay wap)
 * and in any other mobile browser; dialogOkUrl, pageUrl and the clear pages for tampered,
 * already-paid and expired links. Screenshots land in test-artifacts/payer/.
 */
import { type Server, createServer } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endUnpaidCharge } from '../../src/core/payments/cancel-charge.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import type { Dto, UnifiedClient } from '../dialects/unified-client.js';
import { attemptsOf, documentOrder, domainClient, newDomainApp } from '../dialects/unified-domain.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { shoot } from '../support/screenshots.js';
import { type TestServer, testServer } from '../support/server.js';

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
const ALIPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClient/10.5.36.6000 Language/zh-Hans';
const SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// The browser suites run on one engine: the pages do not depend on it, and the dialect
// suites cover both (test/dialects/unified*.test.ts).
describe.each(engines().slice(0, 1))(
  'unified cashier in chromium with the real simulators (%s)',
  (engine) => {
    let core: TestCore;
    let server: TestServer;
    let browser: Browser;
    let client: UnifiedClient;
    let appId: string;
    let shop: Server;
    let shopUrl: string;
    let seq = 0;

    const order = (extra: Partial<Dto> = {}) =>
      documentOrder(`cash${Date.now()}${++seq}`, {
        info: '马拉松 报名费',
        pageUrl: `${shopUrl}/page`,
        bgUrl: `${shopUrl}/notify`,
        dialogOkUrl: `${shopUrl}/ok`,
        dialogFailUrl: `${shopUrl}/fail`,
        ...extra,
      });
    const attempts = (requestKey: string) => attemptsOf(core, appId, requestKey);
    const statusOf = async (requestKey: string) => (await attempts(requestKey)).map((c) => c.status);

    /** A browser context as a payer's phone or PC; CSP violations are collected to be asserted none. */
    async function payerContext(options: { userAgent?: string; phone?: boolean; locale?: string } = {}) {
      const context = await browser.newContext({
        ...(options.phone ? PHONE : { viewport: { width: 1280, height: 800 } }),
        ...(options.userAgent ? { userAgent: options.userAgent } : {}),
        locale: options.locale ?? 'zh-CN',
      });
      const violations: string[] = [];
      context.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      return { context, violations };
    }

    async function withPage(
      options: Parameters<typeof payerContext>[0],
      run: (page: Page, context: BrowserContext) => Promise<void>,
    ): Promise<string[]> {
      const { context, violations } = await payerContext(options);
      try {
        await run(await context.newPage(), context);
      } finally {
        await context.close();
      }
      return violations;
    }

    /** The payer pays a WeChat order on their phone: the simulator's payer page for it. */
    async function payOnSimulator(url: string, button: RegExp) {
      const phone = await browser.newPage();
      try {
        await phone.goto(url);
        await phone.getByRole('button', { name: button }).first().click();
        await phone.waitForLoadState();
      } finally {
        await phone.close();
      }
    }

    beforeAll(async () => {
      core = await testCore(engine);
      server = await testServer(core);
      core.publicUrl = server.url;
      appId = await newDomainApp(core);
      client = await domainClient(core, server.url, appId, false);
      shop = createServer((request, response) => {
        response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<h1 id="shop">${request.url?.split('?')[0] === '/notify' ? 'success' : 'Back at the shop'}</h1>`,
          );
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

    it('serves both pages with a nonce CSP (no inline script without it), by Accept-Language, under 100 KB', async () => {
      for (const page of ['pay.html', 'mpay.html']) {
        for (const [accept, lang, word] of [
          ['en-US,en;q=0.9,zh;q=0.5', 'en-US', 'Choose how to pay'],
          ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN', '选择支付方式'],
        ] as const) {
          const response = await fetch(`${server.url}/${page}`, { headers: { 'accept-language': accept } });
          const html = await response.text();
          const csp = response.headers.get('content-security-policy')!;
          const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
          expect(nonce, csp).toBeTruthy();
          expect(csp).not.toContain('unsafe-inline');
          expect(html.match(/<script[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
          expect(html).toContain(`<html lang="${lang}">`);
          expect(html).toContain(word);
          expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
        }
      }
    });

    it('PC WeChat: QR code, the payer scans and pays on the phone, polling goes on to dialogOkUrl', async () => {
      const entry = client.entry(order({ money: '2' }));
      const violations = await withPage({}, async (page) => {
        await page.goto(client.entryUrl('pc', entry));
        await page.locator('#amount', { hasText: '0.02' }).waitFor();
        await shoot(page, 'payer', 'unified-pc-methods');
        await page.locator('button[data-pay-type="Wechat"]').click();
        await page.locator('#qr:not([hidden])').waitFor();
        await expect
          .poll(() => page.locator('#qr-image').evaluate((img: HTMLImageElement) => img.naturalWidth))
          .toBeGreaterThan(0);
        await shoot(page, 'payer', 'unified-pc-wechat-qr');
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({ channel: 'wechatpay', method: 'qr', status: 'pending', amount: 2 });
        await payOnSimulator(String(charge!.credential!.code_url ?? charge!.credential!.qr_code), /^Pay/);
        await page.waitForURL(`${shopUrl}/ok`, { timeout: 20_000 });
        expect(await statusOf(entry.requestKey!)).toEqual(['succeeded']);
      });
      expect(violations).toEqual([]);
    });

    it('PC Alipay: a description with spaces in a form-encoded (+) link is not refused; pays on Alipay', async () => {
      const entry = client.entry(order({ info: 'Marathon entry fee 2026' }));
      // Java's URLEncoder: spaces as "+", which the merchant signed as spaces.
      const formEncoded = `${server.url}/pay.html#/?${new URLSearchParams(entry)}`;
      expect(formEncoded).toContain('info=Marathon+entry+fee+2026');
      await withPage({}, async (page) => {
        await page.goto(formEncoded);
        await page.locator('#info', { hasText: 'Marathon entry fee 2026' }).waitFor();
        await page.locator('button[data-pay-type="Alipay"]').click();
        await page.waitForURL(/\/sandbox\/alipay\//);
        await shoot(page, 'payer', 'unified-pc-alipay-cashier');
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({
          channel: 'alipay',
          method: 'page',
          subject: 'Marathon entry fee 2026',
        });
        await page.getByRole('button', { name: /Pay/ }).first().click();
        await expect.poll(() => statusOf(entry.requestKey!), { timeout: 20_000 }).toEqual(['succeeded']);
      });
    });

    it('PC UnionPay: the front form posts itself to the gateway; the payer confirms', async () => {
      const entry = client.entry(order({ money: '1999' }));
      await withPage({}, async (page) => {
        await page.goto(client.entryUrl('pc', entry));
        await page.locator('button[data-pay-type="ChinapayOld"]').click();
        await page.waitForURL(/\/sandbox\/unionpay\//);
        await shoot(page, 'payer', 'unified-pc-unionpay');
        await page
          .getByRole('button', { name: /确认付款/ })
          .first()
          .click();
        await expect.poll(() => statusOf(entry.requestKey!), { timeout: 20_000 }).toEqual(['succeeded']);
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({ channel: 'unionpay', method: 'page', amount: 1999, currency: 'CNY' });
      });
    });

    it('PC PayPal: the CNY price is paid in USD at the signed rate; back on pageUrl', async () => {
      // 1000 fen at 6.8 CNY per USD: 147 cents (147.06 rounded half up).
      const entry = client.entry(order({ money: '1000', rate: '6.8' }));
      await withPage({ locale: 'en-US' }, async (page) => {
        await page.goto(client.entryUrl('pc', entry));
        const paypal = page.locator('button[data-pay-type="Paypal"]');
        await expect.poll(() => paypal.textContent()).toContain('rate 6.8');
        await shoot(page, 'payer', 'unified-pc-methods-en');
        await paypal.click();
        await page.waitForURL(/\/sandbox\/paypal\//);
        await shoot(page, 'payer', 'unified-pc-paypal');
        await page
          .getByRole('button', { name: /Pay Now/ })
          .first()
          .click();
        await page.waitForURL(`${shopUrl}/page**`, { timeout: 20_000 });
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({
          channel: 'paypal',
          amount: 147,
          currency: 'USD',
          status: 'succeeded',
        });
      });
    });

    it('H5 inside WeChat: fetches the openid, goes straight to JSAPI, the sheet pays, on to dialogOkUrl', async () => {
      const entry = client.entry(order({ money: '3' }));
      const sim = wechatSimulatorOf(core)!;
      const openid = sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid);
      const violations = await withPage({ userAgent: WECHAT_UA, phone: true }, async (page, context) => {
        // WeChat's in-app bridge: getBrandWCPayRequest opens WeChat's payment sheet (the
        // simulator's page for the prepay_id), where the payer pays.
        const sheets: Record<string, string>[] = [];
        await context.exposeFunction('openWechatSheet', async (params: Record<string, string>) => {
          sheets.push(params);
          const prepayId = params.package!.replace(/^prepay_id=/, '');
          await payOnSimulator(`${server.url}/sandbox/wechatpay/jsapi?prepay_id=${prepayId}`, /^Pay/);
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
        await page.goto(client.entryUrl('h5', entry));
        await page.waitForURL(`${shopUrl}/ok`, { timeout: 30_000 });
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({ channel: 'wechatpay', method: 'jsapi', extra: { openid } });
        expect(sheets).toEqual([charge!.credential!.jsapi]);
        expect(await statusOf(entry.requestKey!)).toEqual(['succeeded']);
      });
      expect(violations).toEqual([]);
    });

    it('H5 inside Alipay: straight to Alipay wap; the payer pays there', async () => {
      const entry = client.entry(order());
      await withPage({ userAgent: ALIPAY_UA, phone: true }, async (page) => {
        await page.goto(client.entryUrl('h5', entry));
        await page.waitForURL(/\/sandbox\/alipay\//);
        await shoot(page, 'payer', 'unified-h5-alipay-app');
        const [charge] = await attempts(entry.requestKey!);
        expect(charge).toMatchObject({ channel: 'alipay', method: 'wap' });
        await page.getByRole('button', { name: /Pay/ }).first().click();
        await expect.poll(() => statusOf(entry.requestKey!), { timeout: 20_000 }).toEqual(['succeeded']);
      });
    });

    it('H5 in a mobile browser: the payer picks Alipay (wap)', async () => {
      const entry = client.entry(order());
      await withPage({ userAgent: SAFARI_UA, phone: true }, async (page) => {
        await page.goto(client.entryUrl('h5', entry));
        await page.locator('button[data-pay-type="Alipay"]').waitFor();
        await shoot(page, 'payer', 'unified-h5-browser');
        await page.locator('button[data-pay-type="Alipay"]').click();
        await page.waitForURL(/\/sandbox\/alipay\//);
        expect((await attempts(entry.requestKey!))[0]).toMatchObject({ channel: 'alipay', method: 'wap' });
      });
    });

    it('a tampered link gets the invalid-link page and creates nothing', async () => {
      const entry: Dto = { ...client.entry(order()), money: '1' };
      entry.money = '100';
      await withPage({ phone: true, userAgent: SAFARI_UA }, async (page) => {
        await page.goto(client.entryUrl('h5', entry));
        await page.locator('#state[data-state="tampered"]').waitFor();
        await shoot(page, 'payer', 'unified-tampered');
        expect(await page.locator('button[data-pay-type]').count()).toBe(0);
        expect(await page.locator('#state-link').getAttribute('href')).toBe(`${shopUrl}/fail`);
      });
      expect(await attempts(entry.requestKey!)).toHaveLength(0);
    });

    it('an already-paid link says so and links back to the merchant; an expired QR says so', async () => {
      const paid = client.entry(order());
      await withPage({}, async (page) => {
        await page.goto(client.entryUrl('pc', paid));
        await page.locator('button[data-pay-type="Alipay"]').click();
        await page.waitForURL(/\/sandbox\/alipay\//);
        await page.getByRole('button', { name: /Pay/ }).first().click();
        await expect.poll(() => statusOf(paid.requestKey!), { timeout: 20_000 }).toEqual(['succeeded']);
        await page.goto(client.entryUrl('pc', paid));
        await page.locator('#state[data-state="paid"]').waitFor();
        await shoot(page, 'payer', 'unified-already-paid');
        expect(await page.locator('#state-link').getAttribute('href')).toBe(`${shopUrl}/ok`);
      });

      // No dialogFailUrl nor pageUrl to go to: the page itself says the QR code expired.
      const expiring = client.entry(order({ dialogFailUrl: '', pageUrl: '', dialogOkUrl: '' }));
      await withPage({}, async (page) => {
        await page.goto(client.entryUrl('pc', expiring));
        await page.locator('button[data-pay-type="Wechat"]').click();
        await page.locator('#qr:not([hidden])').waitFor();
        const [charge] = await attempts(expiring.requestKey!);
        await endUnpaidCharge(core, charge!.id, 'closed');
        await page.locator('#state[data-state="expired"]').waitFor({ timeout: 20_000 });
        await shoot(page, 'payer', 'unified-expired');
      });
    });
  },
);
