/**
 * Each provider's payer-facing page in a real browser, as a payer meets it: the credential
 * a web charge returns (a pay URL, or UnionPay's auto-submitting front form) opens the
 * simulator's page; the payer pays; the provider's signed notification (or, for PayPal,
 * the capture on return) settles the charge once.
 */
import { type Server, createServer } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { findCharge } from '../../src/db/charges.js';
import type { Method, Provider } from '../../src/domain/channels.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, testServer } from '../support/server.js';

/** `returns`: the provider sends the payer straight back to the merchant after paying. */
const PAGES: { provider: Provider; method: Method; currency: 'CNY' | 'USD'; pay: RegExp; returns?: true }[] =
  [
    { provider: 'alipay', method: 'page', currency: 'CNY', pay: /Pay/ },
    { provider: 'wechatpay', method: 'h5', currency: 'CNY', pay: /^Pay/ },
    { provider: 'unionpay', method: 'page', currency: 'CNY', pay: /确认付款/ },
    { provider: 'paypal', method: 'page', currency: 'USD', pay: /Pay Now/, returns: true },
    { provider: 'lakala', method: 'page', currency: 'CNY', pay: /^Pay/, returns: true },
  ];

describe('payer pages of every provider in a browser', () => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let appId: string;
  let shop: Server;
  let shopUrl: string;
  let counter = 0;

  beforeAll(async () => {
    core = await testCore('pglite');
    server = await testServer(core);
    core.publicUrl = server.url;
    appId = (
      await core.db.tx(async (q) => {
        const merchant = await createMerchant(q, core, { name: 'Browser merchant' });
        return createApp(q, core, { merchantId: merchant.id, name: 'Shop' });
      })
    ).id;
    // The merchant's result page the payer is sent back to.
    shop = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<h1 id="back">Back at the shop</h1>');
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const address = shop.address();
    shopUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => shop?.close(resolve));
    await server?.close();
    await core?.drop();
  });

  it.each(PAGES)('$provider $method: the payer pays on the page; the charge succeeds once', async (p) => {
    counter += 1;
    const charge = await createCharge(core, {
      appId,
      livemode: false,
      dialect: 'admin',
      orderNo: `browser-${p.provider}-${counter}`,
      channel: p.provider,
      method: p.method,
      amount: 2599,
      currency: p.currency,
      subject: 'Latte',
      clientIp: '203.0.113.7',
      returnUrl: `${shopUrl}/done`,
      extra: p.provider === 'lakala' ? { user_id: 'browser-payer' } : {},
    });
    const credential = charge.credential!;
    const page = await browser.newPage();
    if (typeof credential.pay_url === 'string') await page.goto(credential.pay_url);
    else if (typeof credential.h5_url === 'string') await page.goto(credential.h5_url);
    else {
      // UnionPay's front form posts itself to the gateway, as on the merchant's page.
      expect(typeof credential.html).toBe('string');
      await page.setContent(credential.html as string);
      await page.waitForURL(/\/sandbox\/unionpay\//);
    }
    await page.getByRole('button', { name: p.pay }).first().click();
    await expect
      .poll(async () => (await findCharge(core.db, charge.id))!.status, { timeout: 15_000 })
      .toBe('succeeded');
    const events = await core.db.query<{ type: string }>(
      'SELECT type FROM events WHERE object_id = $1 ORDER BY seq',
      [charge.id],
    );
    expect(events.map((e) => e.type)).toEqual(['charge.created', 'charge.succeeded']);
    expect((await findCharge(core.db, charge.id))!.amount).toBe(2599);
    if (p.returns) {
      await page.waitForURL(`${shopUrl}/done**`);
      expect(await page.locator('#back').textContent()).toBe('Back at the shop');
    }
    await page.close();
  });
});
