import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { findCharge } from '../../src/db/charges.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { chargeParams, seedApp } from '../support/fixtures.js';
import { type TestServer, testServer } from '../support/server.js';

/** A payer in a real browser opens a charge's pay link in the sandbox wallet and pays or declines. */
describe('sandbox wallet in a browser', () => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let appId: string;

  beforeAll(async () => {
    // The generic sandbox wallet serves providers without a simulator of their own; the
    // registry gains simulator-backed connectors over time, so these use it explicitly.
    const sandbox = sandboxConnector();
    core = await testCore('pglite', {
      connectors: connectorRegistry({ unionpay: sandbox, paypal: sandbox }),
    });
    server = await testServer(core);
    core.publicUrl = server.url;
    appId = (await seedApp(core)).app.id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await core.drop();
  });

  it('pays a QR charge once, and the page then shows it paid', async () => {
    const charge = await createCharge(
      core,
      chargeParams(appId, { channel: 'unionpay', method: 'qr', amount: 1288 }),
    );
    const page = await browser.newPage();
    await page.goto(charge.credential!.qr_code as string);
    expect(await page.getByTestId('amount').textContent()).toContain('12.88 CNY');
    expect(await page.locator('.qr svg').count()).toBe(1);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.locator('[data-testid=status].succeeded').waitFor();
    expect(page.url()).toBe(`${server.url}/sandbox/pay/${charge.id}`);
    expect(await page.getByRole('button', { name: /^Pay/ }).count()).toBe(0);
    expect((await findCharge(core.db, charge.id))!.status).toBe('succeeded');
    const events = await core.db.query<{ type: string }>(
      'SELECT type FROM events WHERE object_id = $1 ORDER BY seq',
      [charge.id],
    );
    expect(events.map((e) => e.type)).toEqual(['charge.created', 'charge.succeeded']);
  });

  it('declines a page-pay charge', async () => {
    const charge = await createCharge(core, chargeParams(appId, { channel: 'paypal', method: 'page' }));
    const page = await browser.newPage();
    await page.goto(charge.credential!.pay_url as string);
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.locator('[data-testid=status].failed').waitFor();
    expect((await findCharge(core.db, charge.id))!.failureCode).toBe('payer_declined');
  });

  it('never shows a live charge', async () => {
    const response = await fetch(`${server.url}/sandbox/pay/ch_000000000000000000000000`);
    expect(response.status).toBe(404);
  });
});
