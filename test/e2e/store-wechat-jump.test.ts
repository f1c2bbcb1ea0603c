/**
 * A store `jump_url` order paid by WeChat JSAPI, end to end with the real WeChat Pay
 * connector and simulator and a real browser: the order is created before anyone knows
 * the payer; the hosted pay page learns the payer's openid through WeChat web
 * authorization, starts the payment upstream, hands the payer to WeChat's payment sheet,
 * and the payer finally lands on the merchant's jump_url with signed parameters.
 */
import { createPublicKey, verify } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import { startCharge } from '../../src/core/payments/start-charge.js';
import { findCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { JuheError } from '../../src/domain/errors.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { Mct1Client, docSign } from '../dialects/store-client.js';
import { launchBrowser } from '../support/browser.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, testServer } from '../support/server.js';

describe.each(engines())('store jump_url paid by WeChat JSAPI through the hosted page (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let browser: Browser;
  let client: Mct1Client;
  let openKey: string;
  let receiver: Server;
  let receiverUrl: string;
  const landed: URL[] = [];
  let counter = 0;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    const merchant = await createMerchant(core.db, core, { name: '测试商户' });
    const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'pos' });
    const store = await createStore(core.db, core, { appId: app.id, name: '门店', livemode: false });
    openKey = store.openKey;
    client = new Mct1Client(server.url, store.openId, store.openKey, () =>
      Math.floor(core.clock.now().getTime() / 1000),
    );
    // The merchant's jump_url page: records where the payer lands.
    receiver = createServer((request, response) => {
      landed.push(new URL(request.url ?? '/', receiverUrl));
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<h1>Merchant result page</h1>');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    // A beforeAll that timed out left no receiver: waiting on its close would hang the suite.
    if (receiver) await new Promise((resolve) => receiver.close(resolve));
    await server?.close();
    await core?.drop();
  });

  async function jumpOrder(): Promise<{ ordNo: string; payUrl: string; charge: Charge }> {
    counter += 1;
    const res = await client.call('payorder', {
      out_no: `WXJUMP${counter}`,
      pmt_tag: 'WeixinBERL',
      ord_name: '咖啡',
      original_amount: 1500,
      discount_amount: 0,
      ignore_amount: 0,
      trade_amount: 1500,
      jump_url: `${receiverUrl}/done`,
    });
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
      res.data.ord_no,
    ]);
    return {
      ordNo: res.data.ord_no,
      payUrl: res.data.jsapi_pay_url,
      charge: (await findCharge(core.db, row!.id))!,
    };
  }

  const events = async (id: string) =>
    (
      await core.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY seq', [id])
    ).map((e) => e.type);

  it('creates the order before the payer is known; the page authorizes, pays once, and lands on jump_url signed', async () => {
    const { ordNo, payUrl, charge } = await jumpOrder();
    expect(payUrl).toBe(`${server.url}/cashier/pay/${charge.id}`);
    expect(charge).toMatchObject({ status: 'pending', method: 'jsapi', credential: { pay_url: payUrl } });
    const sim = simulatorOf(core)!;
    // Nothing exists at WeChat yet: JSAPI needs the openid first.
    expect(await sim.findOrderByOutTradeNo(charge.orderSn)).toBeUndefined();

    const page = await browser.newPage();
    await page.goto(payUrl);
    // Back from WeChat's authorization on the hosted page, with the payment started.
    await page.getByTestId('sandbox-sheet').waitFor();
    // (Browsers keep the authorize URL's #wechat_redirect fragment across the redirects.)
    expect(page.url().split('#')[0]).toBe(payUrl);
    const started = (await findCharge(core.db, charge.id))!;
    const openid = sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid);
    expect(started.extra.openid).toBe(openid);
    const jsapi = started.credential!.jsapi as Record<string, string>;
    expect(jsapi.appId).toBe(sim.keys.merchant.appid);
    // paySign: RSA-SHA256 by the merchant key over appId, timeStamp, nonceStr and package.
    const signed = `${jsapi.appId}\n${jsapi.timeStamp}\n${jsapi.nonceStr}\n${jsapi.package}\n`;
    expect(
      verify(
        'sha256',
        Buffer.from(signed),
        createPublicKey(sim.keys.merchant.publicKeyPem),
        Buffer.from(jsapi.paySign!, 'base64'),
      ),
    ).toBe(true);
    expect(await sim.findOrderByOutTradeNo(charge.orderSn)).toMatchObject({
      tradeType: 'JSAPI',
      total: 1500,
    });

    // The payer's WeChat shows the payment sheet; they pay.
    await page.getByTestId('sandbox-sheet').click();
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByTestId('outcome').waitFor();
    await expect.poll(async () => (await findCharge(core.db, charge.id))!.status).toBe('succeeded');

    // Reopening the link shows it paid and continues to the merchant's page, signed (4.8.2).
    await page.goto(payUrl);
    expect(await page.getByTestId('status').getAttribute('data-status')).toBe('succeeded');
    await page.getByTestId('continue').click();
    await page.waitForURL(`${receiverUrl}/done?**`);
    const target = landed.filter((u) => u.pathname === '/done').at(-1)!;
    const params = Object.fromEntries(target.searchParams);
    expect(params).toMatchObject({ ord_no: ordNo, out_no: charge.orderNo, status: '1' });
    expect(docSign({ ...params, sign: undefined }, openKey)).toBe(params.sign);

    expect(await events(charge.id)).toEqual(['charge.created', 'charge.succeeded']);
    const paid = await client.call('paystatus', { out_no: charge.orderNo });
    expect(paid.data.status).toBe('1');
    await page.close();
  });

  it('an authorization return the page did not begin (no state cookie, forged state) binds no payer', async () => {
    const { charge } = await jumpOrder();
    for (const headers of [{}, { cookie: 'juhe_wx_oauth=aaaa' }] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/cashier/pay/${charge.id}/wechat-oauth?code=x&state=bbbb`, {
        headers,
        redirect: 'manual',
      });
      expect(response.status).toBe(400);
    }
    const after = (await findCharge(core.db, charge.id))!;
    expect(after.extra.openid).toBeUndefined();
    expect(after.credential).toEqual(charge.credential);
  });

  it('a started charge is not handed to a second payer; an ended one cannot start', async () => {
    const { charge } = await jumpOrder();
    await startCharge(core, charge.id, { openid: 'oFirstPayer000000000000000000' });
    await expect(
      startCharge(core, charge.id, { openid: 'oSecondPayer00000000000000000' }),
    ).rejects.toMatchObject({
      code: 'charge_not_payable',
    });
    // The same payer opening it again gets the same order (WeChat: same out_trade_no and content).
    const again = await startCharge(core, charge.id, { openid: 'oFirstPayer000000000000000000' });
    expect(again.status).toBe('pending');
    const other = await jumpOrder();
    core.clock.advance(2 * 60 * 60 * 1000);
    const error = await startCharge(core, other.charge.id, { openid: 'oLate00000000000000000000000' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(JuheError);
    expect(error.code).toBe('charge_not_payable');
  });

  it('an unknown charge id is a 404 page', async () => {
    expect((await fetch(`${server.url}/cashier/pay/ch_000000000000000000000000`)).status).toBe(404);
    expect((await fetch(`${server.url}/cashier/pay/nonsense`)).status).toBe(404);
  });
});
