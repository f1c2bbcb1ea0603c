/**
 * Issue 12 "Done when": every operation of each dialect driven with keys the merchant's
 * clients already hold, imported through the admin API (`POST /api/v1/apps/import`), beside
 * the same operations with generated keys (describe.each over the key source), asserting
 * the wire shapes: maxpay bill and records; paymax create, retrieve, refund and refund
 * retrieve in the 2016 raw-body scheme and the July-2016 nonce/timestamp scheme; store
 * paylist, payorder, paystatus, order/view, order list, payrefund, paycancel; unified
 * pay types, pay, query and queryInfo. Both engines.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { createApp, createMerchant, issueCredentials } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { postRaw } from './maxpay-app.js';
import { PaymaxClient } from './paymax-client.js';
import { CHARGE_KEYS, REFUND_KEYS } from './paymax-object-keys.js';
import { NodeSdkClient } from './paymax-sdk-clients.js';
import { Mct1Client } from './store-client.js';
import { UnifiedClient } from './unified-client.js';
import { documentOrder, genericSandboxes } from './unified-domain.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

function rsa(bits: number) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** What each dialect's client is configured with, whichever way the gateway got it. */
interface ClientKeys {
  maxpay: { appId: string; sessionToken: string; masterKey: string };
  paymax: { appKey: string; secretKey: string; merchantPrivateKeyPem: string; platformPublicKeyPem: string };
  unified: { domainCode: string; domainSecret: string };
  store: { openId: string; openKey: string; shopPassword: string };
}

describe.each(engines())('every dialect operation with imported and generated keys (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let port: number;
  let merchantId: string;
  let seq = 0;
  const keysBySource: Record<string, ClientKeys> = {};
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);

  async function importedKeys(): Promise<ClientKeys> {
    const n = Date.now().toString(36);
    const hex = (s: string, len: number) => createHash('md5').update(`${s}${n}`).digest('hex').slice(0, len);
    const merchant = rsa(1024);
    const platform = rsa(2048);
    const document = {
      maxpay: {
        app_id: hex('maxpay', 24),
        master_key: `Mk${hex('m', 22)}`,
        session_tokens: [`St${hex('s', 22)}`],
      },
      paymax: {
        app_key: `app_${hex('app', 22)}`,
        secret_key: `sk_test_${hex('sk', 24)}`,
        merchant_public_key: merchant.publicBase64,
        platform_private_key: platform.privatePem,
        platform_public_key: platform.publicPem,
      },
      unified: { domain_code: `dom${hex('d', 8)}`, domain_secret: `sec${hex('ds', 12)}` },
      stores: [
        { name: '老门店', open_id: hex('open', 32), open_key: hex('key', 32), shop_password: '246810' },
      ],
    };
    const created = await call(server, 'POST', '/api/v1/apps/import', {
      token: server.tokens.owner,
      body: { merchant: merchantId, name: `imported ${n}`, test: document },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return {
      maxpay: {
        appId: document.maxpay.app_id,
        sessionToken: document.maxpay.session_tokens[0]!,
        masterKey: document.maxpay.master_key,
      },
      paymax: {
        appKey: document.paymax.app_key,
        secretKey: document.paymax.secret_key,
        merchantPrivateKeyPem: merchant.privatePem,
        platformPublicKeyPem: platform.publicPem,
      },
      unified: { domainCode: document.unified.domain_code, domainSecret: document.unified.domain_secret },
      store: {
        openId: document.stores[0]!.open_id,
        openKey: document.stores[0]!.open_key,
        shopPassword: '246810',
      },
    };
  }

  async function generatedKeys(): Promise<ClientKeys> {
    const app = await createApp(core.db, core, { merchantId, name: 'generated' });
    const issued = await issueCredentials(core.db, core, { appId: app.id, livemode: false });
    const store = await createStore(core.db, core, { appId: app.id, name: '新门店', livemode: false });
    return {
      maxpay: issued.maxpay,
      paymax: {
        appKey: issued.paymax.app,
        secretKey: issued.paymax.secretKey,
        merchantPrivateKeyPem: issued.paymax.merchantPrivateKeyPem!,
        platformPublicKeyPem: issued.paymax.platformPublicKeyPem,
      },
      unified: issued.unified,
      store: { openId: store.openId, openKey: store.openKey, shopPassword: '123456' },
    };
  }

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    server = await testServer(core);
    core.publicUrl = server.url;
    port = Number(new URL(server.url).port);
    merchantId = (await createMerchant(core.db, core, { name: '迁移商户' })).id;
    keysBySource.imported = await importedKeys();
    keysBySource.generated = await generatedKeys();
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const paid = (chargeId: string) =>
    applyChargeResult(core, chargeId, { status: 'succeeded', transactionNo: `TX${chargeId}` });

  describe.each(['imported', 'generated'])('%s keys', (source) => {
    const keys = () => keysBySource[source]!;

    it('maxpay: bill and records (session token, master key)', async () => {
      const k = keys().maxpay;
      const headers = {
        'Content-Type': 'application/json;charset=utf-8;',
        'X-ML-AppId': k.appId,
        'X-ML-Session-Token': k.sessionToken,
      };
      const billNum = `MX${source}${++seq}`;
      const bill = await postRaw(
        port,
        '/2.0/maxpay/bill',
        JSON.stringify({ channel: 'ali_app', billNum, totalFee: 1288, subject: '咖啡' }),
        headers,
      );
      expect(bill.body, JSON.stringify(bill.body)).toMatchObject({ code: 0, msg: 'OK', err: '' });
      expect(Object.keys(bill.body).sort()).toEqual(['ali_app', 'code', 'err', 'id', 'msg'].sort());
      const records = await postRaw(port, '/2.0/maxpay/records', JSON.stringify({ billNum }), headers);
      expect(records.body.code, JSON.stringify(records.body)).toBe(0);
      expect(records.body.results).toEqual([
        expect.objectContaining({
          id: bill.body.id,
          billNum,
          channel: 'ali_app',
          totalFee: 1288,
          money: '12.88 CNY',
          status: 'created',
        }),
      ]);
      const byMaster = await postRaw(port, '/2.0/maxpay/records', JSON.stringify({ billNum }), {
        'Content-Type': 'application/json',
        'X-ML-AppId': k.appId,
        'X-ML-MasterKey': k.masterKey,
      });
      expect(byMaster.body.code, JSON.stringify(byMaster.body)).toBe(0);
      const wrong = await postRaw(port, '/2.0/maxpay/records', '{}', {
        ...headers,
        'X-ML-Session-Token': 'nope',
      });
      expect(wrong.status).toBe(200);
      expect(wrong.body.code).not.toBe(0);
    });

    it('paymax 2016 scheme: create, retrieve, refund, retrieve refund in the res_data envelope', async () => {
      const k = keys().paymax;
      const client = new PaymaxClient(
        server.url,
        k.secretKey,
        k.merchantPrivateKeyPem,
        k.platformPublicKeyPem,
      );
      const orderNo = `PM${source}${Date.now()}${++seq}`;
      const created = await client.post('/v1/charges', {
        order_no: orderNo,
        amount: 3.21,
        subject: '导入',
        body: 'byok',
        channel: 'alipay_app',
        app: k.appKey,
        client_ip: '127.0.0.1',
      });
      expect(created.status, JSON.stringify(created)).toBe(200);
      expect(Object.keys(created.data)).toEqual(CHARGE_KEYS);
      expect(created.data).toMatchObject({
        app: k.appKey,
        amount: 3.21,
        status: 'PROCESSING',
        currency: 'cny',
      });
      const id = created.data.id;
      expect((await client.get(`/v1/charges/${id}`)).data).toEqual(created.data);
      await paid(id);
      const refund = await client.post(`/v1/charges/${id}/refunds`, { amount: 1.21, description: '部分' });
      expect(refund.status, JSON.stringify(refund)).toBe(200);
      expect(Object.keys(refund.data)).toEqual(REFUND_KEYS);
      expect(refund.data).toMatchObject({ amount: 1.21, charge: id, status: 'SUCCEED' });
      expect((await client.get(`/v1/charges/${id}/refunds/${refund.data.id}`)).data).toEqual(refund.data);
      const forged = await client.post(
        '/v1/charges',
        { order_no: `${orderNo}x` },
        { privateKeyPem: rsa(1024).privatePem },
      );
      expect(forged.error?.failure_code).toBe('SIGN_CHECK_FAILED');
    });

    it('paymax July-2016 scheme: the same operations, bare objects signed in headers', async () => {
      const k = keys().paymax;
      const sdk = new NodeSdkClient(
        '127.0.0.1',
        port,
        '/v1/',
        {
          secretKey: k.secretKey,
          merchantPrivateKeyPem: k.merchantPrivateKeyPem,
          platformPublicKeyPem: k.platformPublicKeyPem,
        },
        () => core.clock.now().getTime(),
      );
      const created = await sdk.createCharge({
        order_no: `JL${source}${Date.now()}${++seq}`,
        amount: 2.5,
        subject: '七月',
        body: 'b',
        channel: 'alipay_app',
        app: k.appKey,
        client_ip: '127.0.0.1',
      });
      expect(created.status, created.text).toBe(200);
      expect(Object.keys(created.json)).toEqual(CHARGE_KEYS);
      expect(created.text).not.toContain('res_data');
      const id = created.json.id;
      expect((await sdk.queryCharge(id)).json).toEqual(created.json);
      await paid(id);
      const refund = await sdk.createRefund(id, { amount: 2.5, description: '全额' });
      expect(Object.keys(refund.json)).toEqual(REFUND_KEYS);
      expect(refund.json).toMatchObject({ amount: 2.5, status: 'SUCCEED', charge: id });
      expect((await sdk.queryRefund(id, refund.json.id)).json).toEqual(refund.json);
    });

    it('store: paylist, payorder, paystatus, order/view, order list, payrefund, paycancel', async () => {
      const k = keys().store;
      const till = new Mct1Client(server.url, k.openId, k.openKey, nowSec);
      const ok = async (path: string, fields: Record<string, unknown>) => {
        const res = await till.call(path, fields);
        expect(res.body.errcode, `${path} ${JSON.stringify(res.body)}`).toBe(0);
        expect(res.signed).toBe(true);
        expect(Object.keys(res.body).sort()).toEqual(['data', 'errcode', 'msg', 'sign', 'timestamp']);
        return res.data;
      };
      const tags = await ok('paylist', {});
      expect(tags.map((t: { pmt_tag: string }) => t.pmt_tag)).toContain('AlipayCS');
      const outNo = `ST${source}${++seq}`;
      const order = await ok('payorder', {
        out_no: outNo,
        pmt_tag: 'AlipayCS',
        original_amount: 1000,
        trade_amount: 1000,
        ord_name: '测试',
      });
      expect(order).toMatchObject({ out_no: outNo, status: '2', trade_amount: '1000' });
      const [{ id }] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
        order.ord_no,
      ]);
      await paid(id!);
      expect(await ok('paystatus', { out_no: outNo })).toMatchObject({ status: '1', ord_no: order.ord_no });
      expect(await ok('order/view', { ord_no: order.ord_no })).toMatchObject({
        status: '1',
        out_no: outNo,
        trade_account: null,
      });
      const list = await ok('order', {});
      expect(JSON.stringify(list)).toContain(order.ord_no);
      const refund = await ok('payrefund', {
        out_no: outNo,
        refund_out_no: `${outNo}R`,
        refund_amount: 400,
        shop_pass: sha1(k.shopPassword),
      });
      expect(refund).toMatchObject({ status: '1', trade_amount: '400' });
      const wrongPass = await till.call('payrefund', {
        out_no: outNo,
        refund_out_no: `${outNo}R2`,
        refund_amount: 1,
        shop_pass: sha1('000000'),
      });
      expect(wrongPass.body.errcode).not.toBe(0);
      // paycancel is for barcode orders only: a QR order gets the documented 8013, signed.
      await ok('payorder', {
        out_no: `${outNo}C`,
        pmt_tag: 'AlipayCS',
        original_amount: 10,
        trade_amount: 10,
      });
      const cancel = await till.call('paycancel', { out_no: `${outNo}C` });
      expect(cancel.body).toMatchObject({ errcode: 8013, msg: expect.stringContaining('仅支持条码支付') });
      expect(cancel.signed).toBe(true);
    });

    it('unified: pay types, pay, query and queryInfo signed with the domainSecret', async () => {
      const k = keys().unified;
      const client = new UnifiedClient(server.url, k.domainCode, k.domainSecret);
      const types = await client.payTypes('PC');
      expect(types.body.errcode, JSON.stringify(types.body)).toBe('0');
      const requestKey = `uk${source}${++seq}`;
      const pay = await client.pcPay({ ...client.entry(documentOrder(requestKey)), payTypeCode: 'Alipay' });
      expect(pay.body.errcode, JSON.stringify(pay.body)).toBe('0');
      const [{ id }] = await core.db.query<{ id: string }>(
        'SELECT id FROM charges WHERE order_no = $1 ORDER BY attempt DESC',
        [requestKey],
      );
      await paid(id!);
      const query = await client.query(requestKey);
      expect(query.body, JSON.stringify(query.body)).toMatchObject({ errcode: '0' });
      const info = await client.queryInfo(requestKey);
      expect(info.body.obj).toMatchObject({ requestKey, payStatus: 'SUCCESSPAY', domainCode: k.domainCode });
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
      const forged = new UnifiedClient(server.url, k.domainCode, 'another-secret');
      expect((await forged.queryInfo(requestKey)).body.errcode).not.toBe('0');
    });
  });
});
