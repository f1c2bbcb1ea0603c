import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { PAY_SIGNED_FIELDS, unifiedSign } from '../src/dialects/unified/sign.js';
import { decryptData, encryptData, sign as storeSign } from '../src/dialects/store/codec.js';

/**
 * The merchant clients of the dialect benchmark: for each API, what a real merchant's
 * client does per request (a fresh order number, signing, encrypting) and the check that
 * the answer is a created charge in that API's own success shape. Built from plain data
 * (`ClientSpec`) so the load worker (bench/load-worker.ts) can build them in its thread.
 */

export interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Subject {
  /** Builds request number `n` (unique order number, fresh signature). */
  prepare(n: number): Prepared;
  /** Throws unless the answer is a created charge in the dialect's own success shape. */
  check(status: number, text: string): void;
}

export type ClientSpec =
  | { kind: 'admin'; token: string; appId: string }
  | { kind: 'maxpay'; appId: string; sessionToken: string }
  | {
      kind: 'paymax';
      app: string;
      secretKey: string;
      merchantPrivateKeyPem: string;
      platformPublicKeyPem: string;
    }
  | { kind: 'store'; openId: string; openKey: string }
  | { kind: 'unified'; domainCode: string; domainSecret: string };

export class BenchAbort extends Error {}

export function fail(name: string, status: number, text: string, why: string): never {
  throw new BenchAbort(`${name}: ${why} (HTTP ${status}): ${text.slice(0, 500)}`);
}

export function buildSubject(spec: ClientSpec): Subject {
  switch (spec.kind) {
    case 'admin':
      return adminSubject(spec);
    case 'maxpay':
      return maxpaySubject(spec);
    case 'paymax':
      return paymaxSubject(spec);
    case 'store':
      return storeSubject(spec);
    case 'unified':
      return unifiedSubject(spec);
  }
}

/** Order numbers of letters and digits only (`<dialect><pid>x<n>`), which every dialect takes. */
const orderNo = (prefix: string, n: number) => `${prefix}${process.pid}x${n}`;

const ORDER_PREFIX: Record<ClientSpec['kind'], string> = {
  admin: 'adm',
  maxpay: 'mxp',
  paymax: 'pmx',
  store: 'sto',
  unified: 'unf',
};

/** The merchant order number request `n` of a client of this kind carries (the proof test finds it). */
export function orderNumberOf(kind: ClientSpec['kind'], n: number): string {
  return orderNo(ORDER_PREFIX[kind], n);
}

function adminSubject(keys: { token: string; appId: string }): Subject {
  const name = 'admin API create';
  return {
    prepare: (n) => ({
      path: '/api/v1/charges',
      headers: { authorization: `Bearer ${keys.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        app: keys.appId,
        order_no: orderNumberOf('admin', n),
        channel: 'wechatpay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'bench',
      }),
    }),
    check(status, text) {
      if (status !== 201) fail(name, status, text, 'expected 201');
      const body = JSON.parse(text);
      if (body.status !== 'pending' || typeof body.id !== 'string')
        fail(name, status, text, 'no pending charge');
    },
  };
}

function maxpaySubject(keys: { appId: string; sessionToken: string }): Subject {
  const name = 'maxpay bill';
  return {
    // What the PHP client sends: its whole parameter array (appid and token included), JSON.
    prepare: (n) => ({
      path: '/2.0/maxpay/bill',
      headers: {
        'content-type': 'application/json;charset=utf-8',
        'X-ML-AppId': keys.appId,
        'X-ML-Session-Token': keys.sessionToken,
      },
      body: JSON.stringify({
        channel: 'wx_native',
        billNum: orderNumberOf('maxpay', n),
        totalFee: 100,
        subject: 'bench',
        appid: keys.appId,
        token: keys.sessionToken,
      }),
    }),
    check(status, text) {
      if (status !== 200) fail(name, status, text, 'expected 200');
      const body = JSON.parse(text);
      if (body.code !== 0 || typeof body.id !== 'string' || typeof body.codeUrl !== 'string') {
        fail(name, status, text, 'business answer is not a created bill');
      }
    },
  };
}

function paymaxSubject(keys: {
  app: string;
  secretKey: string;
  merchantPrivateKeyPem: string;
  platformPublicKeyPem: string;
}): Subject {
  const name = 'paymax charge';
  // Loaded once, as an SDK holds its keys.
  const privateKey = createPrivateKey(keys.merchantPrivateKeyPem);
  const platformKey = createPublicKey(keys.platformPublicKeyPem);
  return {
    // The raw UTF-8 body signed with the merchant private key into the `sign` header.
    prepare(n) {
      const raw = JSON.stringify({
        order_no: orderNumberOf('paymax', n),
        amount: 1.0,
        subject: 'bench',
        body: 'bench',
        channel: 'wechat_csb',
        app: keys.app,
        client_ip: '127.0.0.1',
      });
      const sign = createSign('RSA-SHA1').update(raw, 'utf8').sign(privateKey, 'base64');
      return {
        path: '/v1/charges',
        headers: {
          'content-type': 'application/json',
          authorization: keys.secretKey,
          sign,
          'X-Paymax-Client-User-Agent': '{"lang":"node","publisher":"Paymax"}',
        },
        body: raw,
      };
    },
    // Like the SDK: an answer counts only once its signature over res_data verifies.
    check(status, text) {
      if (status !== 200) fail(name, status, text, 'expected 200');
      const body = JSON.parse(text);
      const verified = createVerify('RSA-SHA1')
        .update(String(body.res_data), 'utf8')
        .verify(platformKey, String(body.sign), 'base64');
      if (!verified) fail(name, status, text, 'answer signature does not verify');
      const charge = JSON.parse(body.res_data);
      if (charge.status !== 'PROCESSING' || typeof charge.credential?.wechat_csb?.qr_code !== 'string') {
        fail(name, status, text, 'business answer is not a created charge');
      }
    },
  };
}

/**
 * /mct1 codec (document 2.2 to 2.5). The load generator uses the gateway's own codec
 * (kept AES contexts, one-shot digests): it agrees with the document-written client of
 * test/dialects/store-client.ts on the document's golden vectors, and costs this shared
 * machine less, which is the client's time, not the dialect's.
 */
function storeSubject(store: { openId: string; openKey: string }): Subject {
  const name = 'store payorder';
  return {
    // A test store's WeChat QR (payer scans): no auth_code.
    prepare(n) {
      const data = {
        out_no: orderNumberOf('store', n),
        pmt_tag: 'WeixinBERL',
        ord_name: 'bench',
        original_amount: 100,
        trade_amount: 100,
      };
      const fields: Record<string, string> = {
        open_id: store.openId,
        timestamp: String(Math.floor(Date.now() / 1000)),
        data: encryptData(JSON.stringify(data), store.openKey),
      };
      fields.sign = storeSign(fields, store.openKey);
      return {
        path: '/mct1/payorder',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      };
    },
    check(status, text) {
      if (status !== 200) fail(name, status, text, 'expected 200');
      const body = JSON.parse(text);
      if (body.errcode !== 0) fail(name, status, text, 'business answer is an error');
      if (storeSign(body, store.openKey) !== body.sign)
        fail(name, status, text, 'answer sign does not verify');
      const order = JSON.parse(decryptData(String(body.data), store.openKey) ?? 'null');
      if (order.status !== '2' || typeof order.trade_qrcode !== 'string') {
        fail(name, status, text, `not a pending QR order: ${JSON.stringify(order)}`);
      }
    },
  };
}

function unifiedSubject(keys: { domainCode: string; domainSecret: string }): Subject {
  const name = 'unified pc pay';
  return {
    // The merchant signs the entry parameters (payTypeCode empty); the PC cashier page
    // then posts them with the payer's choice, WeChat, and gets the QR content back.
    prepare(n) {
      const dto: Record<string, string> = {};
      for (const f of PAY_SIGNED_FIELDS) dto[f] = '';
      Object.assign(dto, {
        domainCode: keys.domainCode,
        requestChannel: '1',
        money: '1',
        info: 'bench',
        requestKey: orderNumberOf('unified', n),
        currencyType: 'CNY',
        pageUrl: 'http://shop.example/done',
        bgUrl: 'http://shop.example/notify',
      });
      dto.sign = unifiedSign(
        PAY_SIGNED_FIELDS.map((f) => dto[f]!),
        keys.domainSecret,
      );
      dto.payTypeCode = 'Wechat';
      return {
        path: '/pay/api/pc/pay',
        headers: { 'content-type': 'application/json;charset=utf-8' },
        body: JSON.stringify(dto),
      };
    },
    check(status, text) {
      if (status !== 200) fail(name, status, text, 'expected 200');
      const body = JSON.parse(text);
      if (body.errcode !== '0' || typeof body.obj !== 'string' || body.obj === '') {
        fail(name, status, text, 'business answer is not a QR code');
      }
    },
  };
}
