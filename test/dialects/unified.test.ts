import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult, applyRefundResult } from '../../src/core/channel-results/apply-channel-result.js';
import { createCharge } from '../../src/core/payments/create-charge.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import type { Charge } from '../../src/domain/charge.js';
import { forgetChannelConfigs } from '../../src/core/apps/credential-cache.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { alipaySimulatorFor } from '../../src/sandbox/alipay/plugin.js';
import { simulatorOf as wechatSimulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { rowCounts } from './row-counts.js';
import { type Body, type Dto, UnifiedClient, docSign, fromFragment } from './unified-client.js';
import { attemptsOf, documentOrder, domainClient, genericSandboxes, newDomainApp } from './unified-domain.js';

/**
 * What the cashier page must get for a charge, from the charge's credential: the QR
 * content for PC WeChat; the connector's own form, or else a self-submitting GET form
 * around its payment URL whose query travels as hidden inputs.
 */
function qrOf(charge: Charge): string {
  return String(charge.credential!.qr_code ?? charge.credential!.code_url);
}

function formOf(charge: Charge): string {
  if (typeof charge.credential!.form === 'string') return charge.credential!.form;
  const url = new URL(String(charge.credential!.pay_url));
  const inputs = [...url.searchParams]
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join('');
  url.search = '';
  return (
    `<form name="juhe_unified_pay" method="get" action="${url}">${inputs}` +
    '<input type="submit" value="立即支付" style="display:none"></form>' +
    "<script>document.forms['juhe_unified_pay'].submit();</script>"
  );
}

describe.each(engines())('unified dialect end to end (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let client: UnifiedClient;
  let liveClient: UnifiedClient;
  let appId: string;
  let seq = 0;
  const key = () => `rk${Date.now()}${++seq}`;

  const order = (extra: Partial<Dto> = {}) => documentOrder(key(), extra);
  const attempts = (requestKey: string) => attemptsOf(core, appId, requestKey);
  const counts = () => rowCounts(core, ['charges', 'events']);
  const pay = async (charge: Charge) => {
    core.clock.advance(1000);
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: `tx_${charge.id}` });
  };

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    appId = await newDomainApp(core);
    const gateway = await startGateway(core);
    // The simulators (WeChat web authorization) are reached over HTTP at the public URL.
    core.publicUrl = gateway.base;
    server = gateway.server;
    client = await domainClient(core, gateway.base, appId, false);
    liveClient = await domainClient(core, gateway.base, appId, true);
  });

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it('lists the pay types of each cashier scene', async () => {
    const pc = await client.payTypes('pc');
    expect(pc.status).toBe(200);
    expect(pc.body.errcode).toBe('0');
    expect(pc.body.errormsg).toBe('操作成功');
    expect(pc.body.obj.map((t: any) => [t.payTypeCode, t.payTypeName])).toEqual([
      ['Wechat', '微信支付'],
      ['Alipay', '支付宝支付'],
      ['ChinapayOld', '银联支付'],
      ['Paypal', 'PayPal'],
    ]);
    const h5 = await client.get('/pay/api/h5/pay-types', { domainCode: client.domainCode });
    expect(h5.body.obj.map((t: any) => t.payTypeCode)).toEqual(['Wechat', 'Alipay']);
    // A live domain offers only channels the app has configured: none yet.
    expect((await liveClient.payTypes('pc')).body).toEqual({ errcode: '0', errormsg: '操作成功', obj: [] });
  });

  it('leaves a disabled channel out of the list', async () => {
    const now = core.clock.now();
    await core.db.query(
      `INSERT INTO channel_configs (id, app_id, livemode, provider, enabled, created_at, updated_at)
       VALUES ('cc_unified_off', $1, false, 'unionpay', false, $2, $2)`,
      [appId, now],
    );
    forgetChannelConfigs(core); // written past the admin API, which would do this itself
    try {
      const pc = await client.payTypes('pc');
      expect(pc.body.obj.map((t: any) => t.payTypeCode)).toEqual(['Wechat', 'Alipay', 'Paypal']);
      const before = await counts();
      const refused = await client.pcPay({ ...client.entry(order()), payTypeCode: 'ChinapayOld' });
      expect(refused.body.errcode).toBe('20010');
      expect(await counts()).toEqual(before);
    } finally {
      await core.db.query(`DELETE FROM channel_configs WHERE id = 'cc_unified_off'`);
      forgetChannelConfigs(core);
    }
  });

  it('PC WeChat: entry URL -> QR content -> polling 30000 -> paid 0 -> query and queryInfo', async () => {
    const entry = client.entry(order({ money: '2' }));
    const url = client.entryUrl('pc', entry);
    expect(url).toContain('/pay.html#/?domainCode=');
    const dto = { ...fromFragment(url), payTypeCode: 'Wechat' };

    const paid = await client.pcPay(dto);
    expect(paid.status).toBe(200);
    expect(paid.body.errcode).toBe('0');
    const [charge] = await attempts(entry.requestKey!);
    expect(charge).toMatchObject({
      dialect: 'unified',
      livemode: false,
      orderNo: entry.requestKey,
      channel: 'wechatpay',
      method: 'qr',
      amount: 2,
      currency: 'CNY',
      subject: '这是你买的商品详单信息',
      status: 'pending',
      notifyUrl: 'http://www.sina.com',
      returnUrl: 'http://www.baidu.com',
    });
    expect(paid.body.obj).toBe(qrOf(charge!));
    expect(paid.body.obj).toMatch(/^(weixin:\/\/|https?:\/\/)\S+$/);

    // A reload of the page hands out the same QR code, not a second order.
    const again = await client.pcPay(dto);
    expect(again.body.obj).toBe(paid.body.obj);
    expect(await attempts(entry.requestKey!)).toHaveLength(1);

    expect((await client.wechatQuery(dto)).body).toEqual({
      errcode: '30000',
      errormsg: '等待支付',
      obj: 'NOTPAY',
    });
    expect((await client.query(entry.requestKey!)).body).toEqual({
      errcode: '0',
      errormsg: '操作成功',
      obj: false,
    });
    expect((await client.queryInfo(entry.requestKey!)).body).toEqual({
      errcode: '0',
      errormsg: '操作成功',
      obj: null,
    });

    await pay(charge!);
    expect((await client.wechatQuery(dto)).body).toEqual({
      errcode: '0',
      errormsg: '操作成功',
      obj: 'SUCCESSPAY',
    });
    expect((await client.query(entry.requestKey!)).body).toEqual({
      errcode: '0',
      errormsg: '操作成功',
      obj: true,
    });
    const info = await client.queryInfo(entry.requestKey!);
    const [after] = await attempts(entry.requestKey!);
    expect(info.body).toEqual({
      errcode: '0',
      errormsg: '操作成功',
      obj: {
        currencyType: 'CNY',
        payTypeCode: 'Wechat',
        domainCode: client.domainCode,
        money: 2,
        requestKey: entry.requestKey,
        payTime: after!.paidAt!.getTime(),
        orderSn: after!.orderSn,
        payStatus: 'SUCCESSPAY',
        payTypeName: '微信支付',
      },
    });
    // Same field order as the document's sample answer.
    expect(Object.keys(info.body.obj)).toEqual([
      'currencyType',
      'payTypeCode',
      'domainCode',
      'money',
      'requestKey',
      'payTime',
      'orderSn',
      'payStatus',
      'payTypeName',
    ]);
    expect(after!.orderSn).toMatch(/^\d{22}$/);

    // A paid requestKey cannot be paid again, in any pay type.
    const before = await counts();
    for (const payTypeCode of ['Wechat', 'Alipay']) {
      const dup = await client.pcPay({ ...dto, payTypeCode });
      expect(dup.status).toBe(200);
      expect(dup.body.errcode).toBe('20001');
      expect(dup.body.errormsg).toMatch(/^requestKey重复: .*already paid/);
      expect(dup.body.obj).toBeNull();
    }
    expect(await counts()).toEqual(before);

    // Refunds show in payStatus.
    const refund = await createRefund(core, {
      chargeId: after!.id,
      description: 'runner withdrew',
      metadata: {},
    });
    const refunded = (await client.queryInfo(entry.requestKey!)).body.obj.payStatus;
    expect(refunded).toBe(refund.status === 'succeeded' ? 'SUCCESSREFUND' : 'WAITREFUND');
    if (refund.status === 'pending') {
      await applyRefundResult(core, refund.id, { status: 'succeeded' });
      expect((await client.queryInfo(entry.requestKey!)).body.obj.payStatus).toBe('SUCCESSREFUND');
    }
    // Still a record of a successful payment.
    expect((await client.query(entry.requestKey!)).body.obj).toBe(true);
  });

  it('PC Alipay answers a self-submitting form; switching to WeChat closes the Alipay attempt', async () => {
    const dto = client.entry(order());
    const alipay = await client.pcPay({ ...dto, payTypeCode: 'Alipay' });
    expect(alipay.body.errcode).toBe('0');
    const [first] = await attempts(dto.requestKey!);
    expect(first).toMatchObject({ channel: 'alipay', method: 'page', status: 'pending' });
    expect(alipay.body.obj).toBe(formOf(first!));
    expect(alipay.body.obj).toMatch(/^<form /);

    const wechat = await client.pcPay({ ...dto, payTypeCode: 'Wechat' });
    expect(wechat.body.errcode).toBe('0');
    const both = await attempts(dto.requestKey!);
    expect(both.map((c) => [c.attempt, c.channel, c.status])).toEqual([
      [1, 'alipay', 'closed'],
      [2, 'wechatpay', 'pending'],
    ]);
    expect(wechat.body.obj).toBe(qrOf(both[1]!));
    // Polling follows the open attempt.
    expect((await client.wechatQuery({ ...dto, payTypeCode: 'Wechat' })).body.errcode).toBe('30000');

    await pay(both[1]!);
    const info = await client.queryInfo(dto.requestKey!);
    expect(info.body.obj).toMatchObject({
      payTypeCode: 'Wechat',
      payStatus: 'SUCCESSPAY',
      orderSn: both[1]!.orderSn,
    });
  });

  it('a double click opens one payment: concurrent pays of one order answer the same QR code', async () => {
    const dto: Dto = { ...client.entry(order()), payTypeCode: 'Wechat' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => client.pcPay(dto)));
    expect(answers.map((a) => a.body.errcode)).toEqual(['0', '0', '0', '0']);
    expect(new Set(answers.map((a) => a.body.obj)).size).toBe(1);
    const open = (await attempts(dto.requestKey!)).filter((c) => c.status === 'pending');
    expect(open).toHaveLength(1);
    expect(answers[0]!.body.obj).toBe(qrOf(open[0]!));
  });

  it('wechatQuery reports a failed or closed payment with a code other than 0 and 30000', async () => {
    const dto: Dto = { ...client.entry(order()), payTypeCode: 'Wechat' };
    await client.pcPay(dto);
    const [charge] = await attempts(dto.requestKey!);
    await applyChargeResult(core, charge!.id, { status: 'failed', failureCode: 'declined' });
    expect((await client.wechatQuery(dto)).body).toEqual({
      errcode: '30001',
      errormsg: '支付失败',
      obj: 'FAILUREPAY',
    });
  });

  it('ChinapayOld and Paypal answer forms; Paypal converts a CNY price to USD with rate', async () => {
    const union = client.entry(order({ money: '680' }));
    const u = await client.pcPay({ ...union, payTypeCode: 'ChinapayOld' });
    expect(u.body.errcode).toBe('0');
    expect(u.body.obj).toBe(formOf((await attempts(union.requestKey!))[0]!));
    expect((await attempts(union.requestKey!))[0]).toMatchObject({
      channel: 'unionpay',
      method: 'page',
      amount: 680,
      currency: 'CNY',
    });

    const paypal = client.entry(order({ money: '680', rate: '6.8' }));
    const p = await client.pcPay({ ...paypal, payTypeCode: 'Paypal' });
    expect(p.body.errcode).toBe('0');
    const [charge] = await attempts(paypal.requestKey!);
    expect(charge).toMatchObject({ channel: 'paypal', method: 'page', amount: 100, currency: 'USD' });
    await pay(charge!);
    // Reported in the merchant's own price and currency.
    expect((await client.queryInfo(paypal.requestKey!)).body.obj).toMatchObject({
      money: 680,
      currencyType: 'CNY',
      payTypeCode: 'Paypal',
      payTypeName: 'PayPal',
    });
  });

  it('a USD price pays through WeChat in CNY at rate, and is reported in USD', async () => {
    const dto: Dto = {
      ...client.entry(order({ money: '1000', currencyType: 'USD', rate: '6.8' })),
      payTypeCode: 'Wechat',
    };
    expect((await client.pcPay(dto)).body.errcode).toBe('0');
    const [charge] = await attempts(dto.requestKey!);
    expect(charge).toMatchObject({ amount: 6800, currency: 'CNY' });
    expect(charge!.extra).toMatchObject({ unified: { money: 1000, currencyType: 'USD', rate: '6.8' } });
    await pay(charge!);
    expect((await client.queryInfo(dto.requestKey!)).body.obj).toMatchObject({
      money: 1000,
      currencyType: 'USD',
    });
  });

  it('H5 WeChat: no openid -> error; openid fetch redirects back; pay answers getBrandWCPayRequest params', async () => {
    const entry = client.entry(order());
    const entryUrl = client.entryUrl('h5', entry);
    const before = await counts();
    const missing = await client.h5Pay({ ...fromFragment(entryUrl), payTypeCode: 'Wechat' });
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({
      errcode: '10001',
      errormsg: expect.stringMatching(/^缺少参数: openid/),
      obj: null,
    });
    expect(await counts()).toEqual(before);

    // The page's GET_OPENID_URI step: ?domainCode=...&backUrl=encodeURIComponent(location),
    // then WeChat web authorization (the simulator's) and back through our callback.
    const location = await openidFetch(entryUrl);
    expect(location.startsWith(entryUrl + '&openid=')).toBe(true);
    const back = fromFragment(location);
    const sim = wechatSimulatorOf(core)!;
    expect(back.openid).toBe(sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid));

    const paid = await client.h5Pay({ ...back, payTypeCode: 'Wechat' });
    expect(paid.body.errcode).toBe('0');
    const [charge] = await attempts(entry.requestKey!);
    expect(charge).toMatchObject({ channel: 'wechatpay', method: 'jsapi', amount: 1 });
    expect(charge!.extra.openid).toBe(back.openid);
    expect(paid.body.obj).toEqual(charge!.credential!.jsapi);
    expect(paid.body.obj).toMatchObject({
      appId: expect.any(String),
      package: expect.stringMatching(/^prepay_id=/),
    });

    await pay(charge!);
    expect((await client.query(entry.requestKey!)).body.obj).toBe(true);
  });

  it('H5 Alipay answers a wap form; H5 offers no ChinapayOld', async () => {
    const dto = client.entry(order());
    const alipay = await client.h5Pay({ ...dto, payTypeCode: 'Alipay' });
    expect(alipay.body.errcode).toBe('0');
    const [wap] = await attempts(dto.requestKey!);
    expect(wap).toMatchObject({ channel: 'alipay', method: 'wap' });
    expect(alipay.body.obj).toBe(formOf(wap!));

    const before = await counts();
    const union = await client.h5Pay({ ...client.entry(order()), payTypeCode: 'ChinapayOld' });
    expect(union.body.errcode).toBe('20011');
    expect(await counts()).toEqual(before);
  });

  /**
   * Follows the openid fetch as the payer's WeChat browser would: our redirect to WeChat's
   * authorize page (the gateway's public URL is not this test server's, so each hop is
   * re-aimed at it), WeChat's redirect back with a code, our callback with the cookie.
   */
  async function openidFetch(backUrl: string): Promise<string> {
    const local = (url: string) => {
      const u = new URL(url);
      return `${client.base}${u.pathname}${u.search}`;
    };
    const start = await fetch(
      `${client.base}/pay/api/h5/openid?domainCode=${client.domainCode}&backUrl=${encodeURIComponent(backUrl)}`,
      { redirect: 'manual' },
    );
    expect(start.status).toBe(302);
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.pathname).toBe('/sandbox/wechatpay/connect/oauth2/authorize');
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    const wechat = await fetch(local(authorize.toString()), { redirect: 'manual' });
    expect(wechat.status).toBe(302);
    const callback = await fetch(local(wechat.headers.get('location')!), {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(callback.status).toBe(302);
    return callback.headers.get('location')!;
  }

  it('the openid callback honours only the authorization this browser began', async () => {
    const entryUrl = client.entryUrl('h5', client.entry(order()));
    const start = await fetch(
      `${client.base}/pay/api/h5/openid?domainCode=${client.domainCode}&backUrl=${encodeURIComponent(entryUrl)}`,
      { redirect: 'manual' },
    );
    const authorize = new URL(start.headers.get('location')!);
    const wechat = await fetch(`${client.base}${authorize.pathname}${authorize.search}`, {
      redirect: 'manual',
    });
    const back = new URL(wechat.headers.get('location')!);
    for (const cookie of [undefined, 'juhe_unified_oauth=forged.e30']) {
      const answer = await fetch(`${client.base}${back.pathname}${back.search}`, {
        redirect: 'manual',
        headers: cookie ? { cookie } : {},
      });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as Body).errcode).toBe('10002');
    }
  });

  it('the openid fetch refuses foreign backUrls and live domains', async () => {
    const foreign = await fetch(
      `${client.base}/pay/api/h5/openid?domainCode=${client.domainCode}&backUrl=${encodeURIComponent('https://evil.example/x')}`,
      { redirect: 'manual' },
    );
    expect(foreign.status).toBe(200);
    expect(((await foreign.json()) as Body).errcode).toBe('10002');
    const live = await fetch(
      `${client.base}/pay/api/h5/openid?domainCode=${liveClient.domainCode}&backUrl=${encodeURIComponent(client.base + '/mpay.html#/')}`,
      { redirect: 'manual' },
    );
    // A live domain needs its WeChat Pay channel (with the official account's AppSecret).
    expect(((await live.json()) as Body).errcode).toBe('20010');
  });

  describe('bad input: the documented error shape, HTTP 200, nothing changed', () => {
    const cases: [string, () => Promise<{ status: number; body: Body }>, string][] = [
      [
        'missing sign',
        async () => client.pcPay({ ...client.entry(order()), payTypeCode: 'Wechat', sign: '' }),
        '10001',
      ],
      [
        'bad sign (money changed after signing)',
        async () => client.pcPay({ ...client.entry(order()), payTypeCode: 'Wechat', money: '100' }),
        '10010',
      ],
      [
        'a signature made with another secret',
        async () =>
          client.pcPay({
            ...new UnifiedClient(client.base, client.domainCode, 'wrong').entry(order()),
            payTypeCode: 'Wechat',
          }),
        '10010',
      ],
      [
        'unknown domainCode',
        async () =>
          client.pcPay({ ...client.entry(order({ domainCode: 'nosuchdomain' })), payTypeCode: 'Wechat' }),
        '10011',
      ],
      ['missing domainCode', async () => client.pcPay({ money: '1' }), '10001'],
      [
        'money with decimals',
        async () => client.pcPay({ ...client.entry(order({ money: '1.5' })), payTypeCode: 'Wechat' }),
        '10003',
      ],
      [
        'money zero',
        async () => client.pcPay({ ...client.entry(order({ money: '0' })), payTypeCode: 'Wechat' }),
        '10003',
      ],
      [
        'money negative',
        async () => client.pcPay({ ...client.entry(order({ money: '-1' })), payTypeCode: 'Wechat' }),
        '10003',
      ],
      [
        'money missing',
        async () => client.pcPay({ ...client.entry(order({ money: '' })), payTypeCode: 'Wechat' }),
        '10001',
      ],
      [
        'unsupported currency',
        async () => client.pcPay({ ...client.entry(order({ currencyType: 'EUR' })), payTypeCode: 'Wechat' }),
        '10004',
      ],
      [
        'USD through WeChat without a rate',
        async () =>
          client.pcPay({ ...client.entry(order({ currencyType: 'USD', rate: '' })), payTypeCode: 'Wechat' }),
        '10001',
      ],
      [
        'bad rate',
        async () => client.pcPay({ ...client.entry(order({ rate: '6,8' })), payTypeCode: 'Wechat' }),
        '10002',
      ],
      ['no pay type chosen', async () => client.pcPay(client.entry(order())), '10001'],
      [
        'unknown pay type',
        async () => client.pcPay({ ...client.entry(order()), payTypeCode: 'Bitcoin' }),
        '20011',
      ],
      [
        'missing requestKey',
        async () => client.pcPay({ ...client.entry(order({ requestKey: '' })), payTypeCode: 'Wechat' }),
        '10001',
      ],
      [
        'missing info',
        async () => client.pcPay({ ...client.entry(order({ info: '' })), payTypeCode: 'Wechat' }),
        '10001',
      ],
      [
        'bgUrl that is not a URL',
        async () =>
          client.pcPay({ ...client.entry(order({ bgUrl: 'javascript:alert(1)' })), payTypeCode: 'Wechat' }),
        '10002',
      ],
      ['malformed JSON', async () => client.post('/pay/api/pc/pay', '{"domainCode":'), '10000'],
      [
        'a structured value',
        async () => client.post('/pay/api/pc/pay', JSON.stringify({ domainCode: ['a', 'b'] })),
        '10002',
      ],
      [
        'H5 WeChat without openid',
        async () => client.h5Pay({ ...client.entry(order()), payTypeCode: 'Wechat' }),
        '10001',
      ],
      [
        'live domain without configured channels',
        async () => liveClient.pcPay({ ...liveClient.entry(order()), payTypeCode: 'Wechat' }),
        '20010',
      ],
      [
        'query with a bad sign',
        async () => client.query('1464844451098', '07c34ea79a804e7c54b0538c45d2015e2f13814e'),
        '10010',
      ],
      [
        'query without requestKey',
        async () => client.get('/pay/api/private/pay/queryInfo', { domainCode: client.domainCode }),
        '10001',
      ],
      ['pay-types of an unknown domain', async () => client.payTypes('pc', 'nosuchdomain'), '10011'],
      ['pay-types of an unknown scene', async () => client.payTypes('tv'), '10002'],
      [
        'wechatQuery of an order never started',
        async () => client.wechatQuery({ ...client.entry(order()), payTypeCode: 'Wechat' }),
        '20003',
      ],
      // Text PostgreSQL cannot store or look up: a NUL, an unpaired surrogate (valid JSON).
      ...(['a\u0000b', 'a\ud800b'] as const).flatMap((bad): (typeof cases)[number][] => [
        [
          `info ${JSON.stringify(bad)}`,
          async () => client.pcPay({ ...client.entry(order({ info: bad })), payTypeCode: 'Alipay' }),
          '10002',
        ],
        [
          `requestChannel ${JSON.stringify(bad)}`,
          async () =>
            client.pcPay({ ...client.entry(order({ requestChannel: bad })), payTypeCode: 'Alipay' }),
          '10002',
        ],
        [
          `openid ${JSON.stringify(bad)}`,
          async () => client.h5Pay({ ...client.entry(order()), payTypeCode: 'Wechat', openid: bad }),
          '10002',
        ],
      ]),
      // (An unpaired surrogate cannot travel in a URL: it arrives as U+FFFD.)
      ['query requestKey with a NUL', async () => client.query('a\u0000b'), '10002'],
      ['pay-types domainCode with a NUL', async () => client.payTypes('pc', 'a\u0000b'), '10002'],
      [
        'openid callback whose own cookie names a domainCode with a NUL',
        async () => {
          const saved = { d: 'a\u0000b', b: `${client.base}/mpay.html` };
          const cookie = `juhe_unified_oauth=s1.${Buffer.from(JSON.stringify(saved)).toString('base64url')}`;
          const response = await fetch(`${client.base}/pay/api/h5/openid/callback?code=c1&state=s1`, {
            headers: { cookie },
            redirect: 'manual',
          });
          return { status: response.status, body: (await response.json()) as Body };
        },
        '10011',
      ],
      [
        'wechatQuery with a bad sign',
        async () =>
          client.wechatQuery({ ...client.entry(order()), payTypeCode: 'Wechat', sign: 'f'.repeat(40) }),
        '10010',
      ],
    ];

    it.each(cases)('%s', async (_name, send, errcode) => {
      const before = await counts();
      const answer = await send();
      expect(answer.status).toBe(200);
      expect(answer.body.errcode).toBe(errcode);
      expect(typeof answer.body.errormsg).toBe('string');
      expect(answer.body.errormsg.length).toBeGreaterThan(0);
      expect(answer.body.obj).toBeNull();
      expect(await counts()).toEqual(before);
    });

    it('a requestKey reused for a different order is a duplicate', async () => {
      const first = client.entry(order({ money: '5' }));
      expect((await client.pcPay({ ...first, payTypeCode: 'Wechat' })).body.errcode).toBe('0');
      const before = await counts();
      const reused = client.entry(order({ money: '6', requestKey: first.requestKey }));
      const answer = await client.pcPay({ ...reused, payTypeCode: 'Wechat' });
      expect(answer.body).toEqual({
        errcode: '20001',
        errormsg: expect.stringMatching(/^requestKey重复: .*different order/),
        obj: null,
      });
      expect(await counts()).toEqual(before);
      expect((await attempts(first.requestKey!)).map((c) => c.status)).toEqual(['pending']);
    });

    it('an unknown path under /pay/api answers in the dialect shape', async () => {
      const response = await fetch(`${client.base}/pay/api/pc/nothing`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as Body).errcode).toBe('20004');
    });
  });

  it('reads text/plain bodies as a form or JSON, and answers query and queryInfo to a form POST', async () => {
    const dto: Dto = { ...client.entry(order()), payTypeCode: 'Alipay' };
    for (const body of [new URLSearchParams(dto).toString(), JSON.stringify(dto)]) {
      const response = await fetch(`${client.base}/pay/api/pc/pay`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body,
      });
      expect(((await response.json()) as Body).errcode).toBe('0');
    }
    expect(await attempts(dto.requestKey!)).toHaveLength(1);
    const sign = docSign([client.domainCode, dto.requestKey!], client.secret);
    const form = new URLSearchParams({ domainCode: client.domainCode, requestKey: dto.requestKey!, sign });
    for (const path of ['query', 'queryInfo']) {
      const response = await fetch(`${client.base}/pay/api/private/pay/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      expect(await response.json()).toEqual({
        errcode: '0',
        errormsg: '操作成功',
        obj: path === 'query' ? false : null,
      });
    }
  });

  it("shares the app's order numbers with its other APIs but never reports their payments", async () => {
    const other = await createCharge(core, {
      appId,
      livemode: false,
      dialect: 'maxpay',
      orderNo: key(),
      channel: 'alipay',
      method: 'qr',
      amount: 1,
      currency: 'CNY',
      subject: 'bought through maxpay',
    });
    await pay(other);
    expect((await client.query(other.orderNo)).body.obj).toBe(false);
    expect((await client.queryInfo(other.orderNo)).body.obj).toBeNull();
    const before = await counts();
    const taken = await client.pcPay({
      ...client.entry(order({ requestKey: other.orderNo })),
      payTypeCode: 'Wechat',
    });
    expect(taken.body.errcode).toBe('20001');
    expect(await counts()).toEqual(before);
  });

  it('accepts the pay request as a form post too', async () => {
    const dto: Dto = { ...client.entry(order()), payTypeCode: 'Wechat' };
    const response = await fetch(`${client.base}/pay/api/pc/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(dto).toString(),
    });
    const body = (await response.json()) as Body;
    expect(body.errcode).toBe('0');
    expect(body.obj).toBe(qrOf((await attempts(dto.requestKey!))[0]!));
  });
});

describe.each(engines())('unified dialect with an unreachable channel (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let client: UnifiedClient;

  beforeAll(async () => {
    // The real Alipay and WeChat Pay connectors and simulators; Alipay's gateway answers
    // every alipay.trade.close with a 503 (the simulator's fault), so closing never gets through.
    core = await testCore(engine);
    const gateway = await startGateway(core);
    core.publicUrl = gateway.base;
    server = gateway.server;
    client = await domainClient(core, gateway.base, await newDomainApp(core), false);
    await alipaySimulatorFor(core).addFault('error_5xx', {
      apiMethod: 'alipay.trade.close',
      count: 1000,
      params: { status: 503 },
    });
  });

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it('keeps the open attempt and opens no second one when it cannot be closed', async () => {
    const dto = client.entry({ money: '1', info: '报名费', requestKey: 'RK-1', currencyType: 'CNY' });
    expect((await client.pcPay({ ...dto, payTypeCode: 'Alipay' })).body.errcode).toBe('0');
    const rows = () =>
      core.db.query<{ status: string; channel: string }>('SELECT status, channel FROM charges');
    const switched = await client.pcPay({ ...dto, payTypeCode: 'Wechat' });
    expect(switched.status).toBe(200);
    expect(switched.body).toEqual({
      errcode: '20012',
      errormsg: expect.stringMatching(/^支付渠道错误，请稍后再试: The previous payment could not be closed/),
      obj: null,
    });
    expect(await rows()).toEqual([{ status: 'pending', channel: 'alipay' }]);
  });
});
