/**
 * WeChat Pay service-provider mode (服务商): a channel config naming sp_mchid / sp_appid /
 * sub_mchid (/ sub_appid) makes the connector (official wechatpay-axios-plugin) use the
 * partner endpoints, and the simulator answers them as WeChat does: the service provider
 * signs, the sub-merchant must be bound to it, callbacks name both merchants. Test mode
 * and a live-mode config whose base URL is the simulator's, on both engines.
 */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import WechatpayPlugin from 'wechatpay-axios-plugin';
import { beforeAll, describe, expect, it } from 'vitest';
import { wechatpayConnector } from '../../src/channels/wechatpay/connector.js';
import { lines } from '../../src/channels/wechatpay/protocol.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { forgetChannelConfigs } from '../../src/core/apps/credential-cache.js';
import { saveChannelConfig } from '../../src/core/apps/save-channel-config.js';
import { cancelCharge } from '../../src/core/payments/cancel-charge.js';
import { type ChargeCreateParams, createCharge } from '../../src/core/payments/create-charge.js';
import { syncChargeFromChannel } from '../../src/core/payments/sync-from-channel.js';
import { createRefund } from '../../src/core/refunds/create-refund.js';
import { findRefund } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import { type WechatpaySimulator, simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { createStore } from '../../src/core/apps/stores.js';
import { Mct1Client } from '../dialects/store-client.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import type { TestCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, call } from '../support/server.js';

type Wx = {
  chain(path: string): {
    get(config?: Record<string, unknown>): Promise<{ status: number; data: any; headers: any }>;
    post(
      data: unknown,
      config?: Record<string, unknown>,
    ): Promise<{ status: number; data: any; headers: any }>;
  };
};
const Wechatpay = WechatpayPlugin as unknown as new (config: Record<string, unknown>) => Wx;

const SUB_MCHID = '1900000109';
const SUB_APPID = 'wxsubofficial000001';
const STORE_MINI_APPID = 'wxsubmini00000002';
const APP_APPID = 'wxopenplatform0003';

describe.each(engines())('wechatpay service-provider mode against the simulator (%s)', (engine) => {
  const gateway = useChannelGateway(engine, {
    merchant: 'Bank acquirer',
    connectors: () => connectorRegistry({ wechatpay: wechatpayConnector() }),
    simulator: simulatorOf,
  });
  const { events, current } = gateway;
  let core: TestCore;
  let server: TestServer;
  let sim: WechatpaySimulator;
  let liveApp: string;
  let n = 0;

  /** The service provider's own config for the sub-merchant, as the bank's acquirer holds it. */
  const partnerSettings = (extra: Record<string, unknown> = {}) => ({
    merchant_mode: 'service_provider',
    sp_mchid: sim.keys.merchant.mchid,
    sp_appid: sim.keys.merchant.appid,
    sub_mchid: SUB_MCHID,
    serial_no: sim.keys.merchant.serialNo,
    base_url: `${server.url}/sandbox/wechatpay/`,
    ...extra,
  });
  const secrets = () => ({
    private_key: sim.keys.merchant.privateKeyPem,
    api_v3_key: sim.keys.merchant.apiV3Key,
    api_v2_key: sim.keys.merchant.apiV2Key,
    platform_certificate: sim.keys.platform.certificatePem,
  });

  async function save(appId: string, livemode: boolean, settings: Record<string, unknown>) {
    await core.db.tx((q) =>
      saveChannelConfig(q, core, { appId, livemode, provider: 'wechatpay', settings, secrets: secrets() }),
    );
    forgetChannelConfigs(core);
  }

  beforeAll(async () => {
    ({ core, server, sim } = gateway);
    await sim.bindSubMerchant(SUB_MCHID, [SUB_APPID, STORE_MINI_APPID, APP_APPID]);
    await save(gateway.appId, false, partnerSettings({ app_appid: APP_APPID }));
    liveApp = await gateway.newApp('Bank acquirer live', 'Live shop');
    await save(liveApp, true, partnerSettings({ sub_appid: SUB_APPID }));
  }, 180_000);

  const charge = (
    method: ChargeCreateParams['method'],
    overrides: Partial<ChargeCreateParams> = {},
  ): Promise<Charge> => {
    n += 1;
    return createCharge(core, {
      appId: gateway.appId,
      livemode: false,
      dialect: 'admin',
      orderNo: `sp-${n}`,
      channel: 'wechatpay',
      method,
      amount: 1000,
      currency: 'CNY',
      subject: 'Tea 茶',
      clientIp: '203.0.113.9',
      ...overrides,
    });
  };
  const order = async (c: Charge) =>
    (await core.db.query('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [c.orderSn]))[0];

  /** The official client as the service provider configures it, against the listening simulator. */
  const officialClient = (overrides: Record<string, unknown> = {}): Wx =>
    new Wechatpay({
      mchid: sim.keys.merchant.mchid,
      serial: sim.keys.merchant.serialNo,
      privateKey: sim.keys.merchant.privateKeyPem,
      certs: { [sim.keys.platform.serial]: sim.keys.platform.certificatePem },
      baseURL: `${server.url}/sandbox/wechatpay/`,
      ...overrides,
    });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: { response?: { status: number; data: unknown } }) => ({
        status: error.response?.status,
        data: error.response?.data,
      }),
    );

  it('native: the partner endpoint, kept under sub_mchid; paid by the partner callback, payer recorded', async () => {
    const c = await charge('qr');
    expect(c.status).toBe('pending');
    expect(String(c.credential!.code_url)).toMatch(/\/sandbox\/wechatpay\/qr\/[0-9a-f]{24}$/);
    expect(await order(c)).toMatchObject({
      mchid: SUB_MCHID,
      sp_mchid: sim.keys.merchant.mchid,
      appid: sim.keys.merchant.appid,
      sub_appid: null,
      trade_type: 'NATIVE',
    });
    const before = sim.deliveries.length;
    await sim.payerAct(SUB_MCHID, c.orderSn, 'pay');
    expect(sim.deliveries.slice(before)).toEqual([
      expect.objectContaining({ eventType: 'TRANSACTION.SUCCESS', status: 204, forged: false }),
    ]);
    const paid = await current(c);
    const row = await order(c);
    expect(paid).toMatchObject({
      status: 'succeeded',
      transactionNo: row.transaction_id,
      payerAccount: row.payer_openid,
    });
    expect(row.openid_kind).toBe('sp_openid');
    expect(await events(c.id)).toEqual(['charge.created', 'charge.succeeded']);

    // The partner query answers in the partner shape (the exact keys WeChat documents).
    const { data } = await officialClient()
      .chain(`v3/pay/partner/transactions/out-trade-no/${c.orderSn}`)
      .get({ params: { sp_mchid: sim.keys.merchant.mchid, sub_mchid: SUB_MCHID } });
    expect(Object.keys(data).sort()).toEqual(
      [
        'amount',
        'attach',
        'bank_type',
        'out_trade_no',
        'payer',
        'sp_appid',
        'sp_mchid',
        'sub_mchid',
        'success_time',
        'trade_state',
        'trade_state_desc',
        'trade_type',
        'transaction_id',
      ].sort(),
    );
    expect(data).toMatchObject({
      sp_appid: sim.keys.merchant.appid,
      sp_mchid: sim.keys.merchant.mchid,
      sub_mchid: SUB_MCHID,
      trade_state: 'SUCCESS',
      payer: { sp_openid: row.payer_openid },
      amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
    });
    expect(await syncChargeFromChannel(core, c.id)).toMatchObject({ status: 'succeeded' });
  });

  it("jsapi with the store's sub_appid: payer.sub_openid, paySign appId is the sub_appid", async () => {
    const c = await charge('jsapi', {
      extra: { sub_appid: STORE_MINI_APPID, openid: 'oSubOpenid0000000000001' },
    });
    const row = await order(c);
    expect(row).toMatchObject({
      trade_type: 'JSAPI',
      sub_appid: STORE_MINI_APPID,
      openid_kind: 'sub_openid',
      payer_openid: 'oSubOpenid0000000000001',
    });
    const jsapi = c.credential!.jsapi as Record<string, string>;
    expect(jsapi).toMatchObject({ appId: STORE_MINI_APPID, package: `prepay_id=${row.prepay_id}` });
    const message = lines(jsapi.appId, jsapi.timeStamp, jsapi.nonceStr, jsapi.package);
    const spKey = createPublicKey(sim.keys.merchant.publicKeyPem);
    expect(verify('sha256', Buffer.from(message), spKey, Buffer.from(jsapi.paySign, 'base64'))).toBe(true);
    await sim.payerAct(SUB_MCHID, c.orderSn, 'pay');
    expect(await current(c)).toMatchObject({ status: 'succeeded', payerAccount: 'oSubOpenid0000000000001' });
  });

  it('jsapi without a sub_appid pays as the service provider: payer.sp_openid', async () => {
    const c = await charge('jsapi', { extra: { openid: 'oSpOpenid00000000000001' } });
    expect(await order(c)).toMatchObject({ sub_appid: null, openid_kind: 'sp_openid' });
    expect((c.credential!.jsapi as Record<string, string>).appId).toBe(sim.keys.merchant.appid);
  });

  it("store JSAPI: the store's sub_appid becomes the order's sub_appid; trade_account is the sub_openid", async () => {
    const made = await createStore(core.db, core, {
      appId: gateway.appId,
      name: '银行门店',
      livemode: false,
    });
    const till = new Mct1Client(server.url, made.openId, made.openKey, () =>
      Math.floor(core.clock.now().getTime() / 1000),
    );
    const res = await till.call('payorder', {
      out_no: `SPSTORE${n++}`,
      pmt_tag: 'WeixinBERL',
      original_amount: 990,
      trade_amount: 990,
      JSAPI: 1,
      sub_appid: STORE_MINI_APPID,
      sub_openid: 'oStoreSubOpenid00000001',
    });
    expect(res.body.errcode, JSON.stringify(res.body)).toBe(0);
    const [row] = await core.db.query('SELECT * FROM wxsim_orders WHERE out_trade_no = $1', [
      res.data.ord_no,
    ]);
    expect(row).toMatchObject({
      mchid: SUB_MCHID,
      sub_appid: STORE_MINI_APPID,
      openid_kind: 'sub_openid',
      payer_openid: 'oStoreSubOpenid00000001',
    });
    expect(res.data.appId).toBe(STORE_MINI_APPID);
    expect(res.data.trade_account ?? null).toBeNull();
    await sim.payerAct(SUB_MCHID, res.data.ord_no, 'pay');
    const view = await till.call('order/view', { ord_no: res.data.ord_no });
    expect(view.data).toMatchObject({ status: '1', trade_account: 'oStoreSubOpenid00000001' });
  });

  it('app: made under the Open Platform appid (app_appid), paid to the sub-merchant', async () => {
    const c = await charge('app');
    const row = await order(c);
    expect(row).toMatchObject({ trade_type: 'APP', sub_appid: APP_APPID });
    expect(c.credential!.app_params).toMatchObject({
      appid: APP_APPID,
      partnerid: SUB_MCHID,
      prepayid: row.prepay_id,
      package: 'Sign=WXPay',
    });
  });

  it('h5, close (cancel) and refund through the partner endpoints; the refund callback names both merchants', async () => {
    const h5 = await charge('h5');
    expect((await order(h5)).trade_type).toBe('MWEB');
    const canceled = await cancelCharge(core, h5.id);
    expect(canceled.status).toBe('canceled');
    expect((await order(h5)).trade_state).toBe('CLOSED');

    const c = await charge('qr', { amount: 1500 });
    await sim.payerAct(SUB_MCHID, c.orderSn, 'pay');
    const before = sim.deliveries.length;
    const r = await createRefund(core, { chargeId: c.id, amount: 500 });
    await sim.runDue();
    expect(sim.deliveries.slice(before)).toEqual([
      expect.objectContaining({ eventType: 'REFUND.SUCCESS', status: 204 }),
    ]);
    expect(await findRefund(core.db, r.id)).toMatchObject({ status: 'succeeded', amount: 500 });
    const [upstream] = await core.db.query('SELECT * FROM wxsim_refunds WHERE out_refund_no = $1', [r.id]);
    expect(upstream).toMatchObject({ mchid: SUB_MCHID, status: 'SUCCESS' });
    expect(Number(upstream.refund)).toBe(500);
  });

  it('live mode: a config whose base URL is the simulator, with the config sub_appid', async () => {
    n += 1;
    const c = await createCharge(core, {
      appId: liveApp,
      livemode: true,
      dialect: 'admin',
      orderNo: `sp-live-${n}`,
      channel: 'wechatpay',
      method: 'jsapi',
      amount: 1,
      currency: 'CNY',
      subject: 'live',
      extra: { openid: 'oLiveSub000000000000001' },
    });
    expect(c).toMatchObject({ livemode: true, status: 'pending' });
    expect(await order(c)).toMatchObject({
      mchid: SUB_MCHID,
      sub_appid: SUB_APPID,
      openid_kind: 'sub_openid',
    });
    await sim.payerAct(SUB_MCHID, c.orderSn, 'pay');
    expect(await current(c)).toMatchObject({ status: 'succeeded', payerAccount: 'oLiveSub000000000000001' });
  });

  it('the simulator refuses what WeChat refuses: unbound sub_mchid, foreign sub_appid, sp_mchid not the signer, bad signature', async () => {
    const wx = officialClient();
    const base = {
      sp_appid: sim.keys.merchant.appid,
      sp_mchid: sim.keys.merchant.mchid,
      sub_mchid: SUB_MCHID,
      description: 'x',
      out_trade_no: `refused${Date.now()}`,
      notify_url: `${server.url}/notify/wechatpay/none`,
      amount: { total: 1, currency: 'CNY' },
    };
    const native = (body: Record<string, unknown>) =>
      refusal(wx.chain('v3/pay/partner/transactions/native').post(body));
    expect(await native({ ...base, sub_mchid: '1999999999' })).toMatchObject({
      status: 400,
      data: { code: 'INVALID_REQUEST', message: '受理关系不存在' },
    });
    expect(await native({ ...base, sub_appid: 'wxnotbound000000001' })).toMatchObject({
      status: 400,
      data: { code: 'INVALID_REQUEST', message: 'sub_mch_id与sub_appid不匹配' },
    });
    expect(await native({ ...base, sp_mchid: '1230000109' })).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR' },
    });
    expect(await native({ ...base, sp_appid: 'wxother' })).toMatchObject({
      status: 400,
      data: { code: 'APPID_MCHID_NOT_MATCH' },
    });
    expect(
      await refusal(
        wx.chain('v3/pay/partner/transactions/jsapi').post({
          ...base,
          payer: { sp_openid: 'a', sub_openid: 'b' },
          sub_appid: SUB_APPID,
        }),
      ),
    ).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR' } });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      await refusal(
        officialClient({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) })
          .chain('v3/pay/partner/transactions/native')
          .post(base),
      ),
    ).toMatchObject({ status: 401, data: { code: 'SIGN_ERROR' } });
    // A direct order is not a partner order, and an unbound sub-merchant queries nothing.
    expect(
      await refusal(
        wx
          .chain(`v3/pay/partner/transactions/out-trade-no/${base.out_trade_no}`)
          .get({ params: { sp_mchid: sim.keys.merchant.mchid, sub_mchid: SUB_MCHID } }),
      ),
    ).toMatchObject({ status: 404, data: { code: 'ORDER_NOT_EXIST' } });
  });

  it('the admin API checks a service-provider config by its mode, and binds sandbox sub-merchants', async () => {
    const token = server.tokens.owner;
    const refused = await call(server, 'POST', '/api/v1/channel_configs', {
      token,
      body: {
        app: gateway.appId,
        mode: 'test',
        provider: 'wechatpay',
        settings: { merchant_mode: 'service_provider', sp_appid: 'wx1', serial_no: 'AB' },
        secrets: secrets(),
      },
    });
    expect(refused.status).toBe(400);
    const params = (refused.body.error?.errors ?? refused.body.errors ?? []).map(
      (e: { param: string }) => e.param,
    );
    expect(params).toContain('settings.sp_mchid');
    expect(params).toContain('settings.sub_mchid');
    expect(params).not.toContain('settings.mch_id');
    expect(params).not.toContain('settings.appid');

    const fields = await call(server, 'GET', '/api/v1/channel_configs/fields', { token });
    const wechat = fields.body.data.wechatpay as { name: string; when?: unknown }[];
    expect(wechat.find((f) => f.name === 'sub_mchid')).toMatchObject({
      required: true,
      when: { setting: 'merchant_mode', equals: 'service_provider' },
    });
    expect(wechat.find((f) => f.name === 'merchant_mode')).toMatchObject({
      choices: ['direct', 'service_provider'],
    });

    const bound = await call(server, 'POST', '/api/v1/sandbox/wechatpay/sub_merchants', {
      token,
      body: { sub_mchid: '1900000555', sub_appids: ['wxabc'] },
    });
    expect(bound).toMatchObject({
      status: 200,
      body: { sub_mchid: '1900000555', sp_mchid: sim.keys.merchant.mchid, sub_appids: ['wxabc'] },
    });
  });
});
