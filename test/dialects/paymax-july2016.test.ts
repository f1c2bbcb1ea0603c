/**
 * Paymax's July-2016 signature scheme (FACTS.md "Seen in real clients since"), driven by clients
 * that do what the published Node and PHP SDKs do (paymax-sdk-clients.ts), beside the 2016
 * document's scheme, which keeps working; replay refusal in both schemes; and `wechat_wap`
 * without `extra.open_id` paid through the hosted page. Both engines.
 */
import { createSign, createVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type IssuedCredentials,
  createApp,
  createMerchant,
  issueCredentials,
} from '../../src/core/apps/create-app.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { pruneSignedRequests } from '../../src/core/auth/request-replay.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { findCharge } from '../../src/db/charges.js';
import { requestMessage, signedTarget } from '../../src/dialects/paymax/signed-headers.js';
import { sandboxPayerOpenid } from '../../src/sandbox/wechatpay/oauth.js';
import { simulatorOf } from '../../src/sandbox/wechatpay/index.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { newPaymaxApp } from './paymax-app.js';
import { PaymaxClient, clientOf, merchantSign } from './paymax-client.js';
import { NodeSdkClient, PhpSdkClient, type SdkAnswer, phpJsonEncode } from './paymax-sdk-clients.js';
import { rowCounts } from './row-counts.js';
import { CHARGE_KEYS, REFUND_KEYS } from './paymax-object-keys.js';

const key = (name: string) => readFileSync(new URL(`./paymax-sdk-keys/${name}`, import.meta.url), 'utf8');
const SDK_PRIVATE_PKCS1 = key('merchant-private-key-pkcs1.pem');
const SDK_PRIVATE_PKCS8 = key('merchant-private-key-pkcs8.pem');
const SDK_PUBLIC = key('merchant-public-key.pem');
const PAYMAX_PUBLIC = key('paymax-public-key.pem');

describe("paymax July-2016 test vectors (the API document and the SDKs' example keys)", () => {
  // The API document's worked example (paymax-doc API文档.md, "请求数据签名").
  const docBody =
    '{"amount":1,"app":"app_49b0f1dd741646d2b277524de2785836","body":"Your Body","description":"description","subject":"Your Subject","channel":"alipay_app","client_ip":"127.0.0.1","order_no":"a2c37ff4-e253-4d69-803f-2b097a9c995f","metadata":{"metadata_key1":"metadata_value1","metadata_key2":"metadata_value2"},"currency":"CNY"}';

  it("builds the document's message to sign, byte for byte", () => {
    const target = signedTarget('/merchant-api/v1/charges?a=1&b=2&c=3');
    expect(target).toEqual({ path: '/v1/charges', query: 'a=1&b=2&c=3' });
    const message = requestMessage({
      method: 'POST',
      ...target,
      nonce: '7650d33c9b6f4e8a8025465061937376',
      timestamp: '1466404370089',
      authorization: '5b97b3138041437587646b37f52dc7f7',
      body: Buffer.from(docBody),
    });
    expect(message.toString('utf8')).toBe(
      [
        'post',
        '/v1/charges',
        'a=1&b=2&c=3',
        '7650d33c9b6f4e8a8025465061937376',
        '1466404370089',
        '5b97b3138041437587646b37f52dc7f7',
        docBody,
      ].join('\n'),
    );
    expect(signedTarget('/v1/charges/ch_1/refunds')).toEqual({ path: '/v1/charges/ch_1/refunds', query: '' });
  });

  it("the SDKs' example merchant key signs it; both published encodings give one signature", () => {
    const message = `post\n/v1/charges\n\n7650d33c9b6f4e8a8025465061937376\n1466404370089\n5b97b3138041437587646b37f52dc7f7\n${docBody}`;
    const php = createSign('RSA-SHA1').update(message).sign(SDK_PRIVATE_PKCS1, 'base64');
    const node = createSign('RSA-SHA1').update(message).sign(SDK_PRIVATE_PKCS8, 'base64');
    expect(node).toBe(php);
    expect(createVerify('RSA-SHA1').update(message).verify(SDK_PUBLIC, php, 'base64')).toBe(true);
    expect(createVerify('RSA-SHA1').update(`${message} `).verify(SDK_PUBLIC, php, 'base64')).toBe(false);
  });

  it("the PHP SDK's Paymax public key is the one the captured webhooks verify with", () => {
    const sample = readFileSync(
      new URL('../../src/dialects/paymax/fixtures/paymax-public-key.pem', import.meta.url),
      'utf8',
    );
    expect(PAYMAX_PUBLIC.replace(/\s+/g, '')).toBe(sample.replace(/\s+/g, ''));
  });
});

describe.each(engines())('paymax July-2016 signature scheme end to end (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let second: FastifyInstance;
  let base: string;
  let port: number;
  let secondPort: number;
  /** Imported keys: the SDK examples' merchant key pair. */
  let imported: IssuedCredentials;
  /** Generated keys. */
  let generated: IssuedCredentials;
  let node: NodeSdkClient;
  let php: PhpSdkClient;
  let seq = 0;

  const now = () => core.clock.now().getTime();
  const orderNo = () => `JUL${Date.now().toString().slice(-8)}${String(++seq).padStart(4, '0')}`;
  const chargeParams = (creds: IssuedCredentials, overrides: Record<string, unknown> = {}) => ({
    order_no: orderNo(),
    amount: 3.21,
    subject: '测试/商品',
    body: 'Your Body',
    channel: 'alipay_app',
    app: creds.paymax.app,
    client_ip: '127.0.0.1',
    ...overrides,
  });
  const counts = () => rowCounts(core, ['charges', 'refunds', 'events', 'outbox']);

  const nodeClient = (
    creds: IssuedCredentials,
    privateKeyPem: string,
    basePath = '/merchant-api/v1/',
    p = port,
  ) =>
    new NodeSdkClient(
      '127.0.0.1',
      p,
      basePath,
      {
        secretKey: creds.paymax.secretKey,
        merchantPrivateKeyPem: privateKeyPem,
        platformPublicKeyPem: creds.paymax.platformPublicKeyPem,
      },
      now,
    );

  async function paid(id: string) {
    await applyChargeResult(core, id, { status: 'succeeded', transactionNo: `TX${id}` });
  }

  /** A refusal: the status and code, bare error JSON, nothing changed. */
  async function refused(status: number, code: string, send: () => Promise<SdkAnswer>, message?: RegExp) {
    const before = await counts();
    const answer = await send();
    expect(answer.json, answer.text).toEqual({ failure_code: code, failure_msg: expect.any(String) });
    expect(answer.status).toBe(status);
    if (message) expect(answer.json.failure_msg).toMatch(message);
    expect(await counts()).toEqual(before);
    return answer;
  }

  beforeAll(async () => {
    // Refunds answer at once (the generic sandbox stand-in); WeChat is the real connector and
    // simulator, whose web authorization the hosted page goes through.
    const sandbox = sandboxConnector();
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: sandbox, lakala: sandbox }) });
    generated = (await newPaymaxApp(core, false)).credentials;
    // An existing Paymax merchant's client keeps its key pair: the gateway is given its public key.
    const merchant = await createMerchant(core.db, core, { name: 'SDK example merchant' });
    const app = await createApp(core.db, core, { merchantId: merchant.id, name: 'SDK example keys' });
    imported = await issueCredentials(core.db, core, {
      appId: app.id,
      livemode: false,
      merchantPublicKeyPem: SDK_PUBLIC,
    });
    ({ server, base, port } = await startGateway(core));
    core.publicUrl = base;
    // A second node on the same database: nonces are shared through it.
    const other2 = await startGateway(core);
    second = other2.server;
    secondPort = other2.port;
    node = nodeClient(imported, SDK_PRIVATE_PKCS8);
    php = new PhpSdkClient(
      '127.0.0.1',
      port,
      '/merchant-api',
      {
        secretKey: generated.paymax.secretKey,
        merchantPrivateKeyPem: generated.paymax.merchantPrivateKeyPem!,
        platformPublicKeyPem: generated.paymax.platformPublicKeyPem,
      },
      now,
    );
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await server?.close();
    await core?.drop();
  });

  it("Node SDK (the SDK examples' own key pair): every operation, bare objects signed in headers", async () => {
    const params = chargeParams(imported, { metadata: { k: 'v' } });
    const created = await node.createCharge(params);
    expect(created.status).toBe(200);
    expect(Object.keys(created.json)).toEqual(CHARGE_KEYS);
    expect(created.json).toMatchObject({
      amount: 3.21,
      app: imported.paymax.app,
      order_no: params.order_no,
      status: 'PROCESSING',
      currency: 'cny',
      credential: { alipay_app: { order_string: expect.any(String) } },
    });
    expect(created.text).not.toContain('res_data');
    const id = created.json.id;

    const fetched = await node.queryCharge(id);
    expect(fetched.json).toEqual(created.json);
    // The same object in both schemes: the July-2016 body is, byte for byte, the 2016 res_data.
    const legacy = new PaymaxClient(
      base,
      imported.paymax.secretKey,
      SDK_PRIVATE_PKCS1,
      imported.paymax.platformPublicKeyPem,
    );
    expect((await legacy.get(`/merchant-api/v1/charges/${id}`)).resData).toBe(fetched.text);

    await paid(id);
    const refund = await node.createRefund(id, { amount: 1.2, description: '部分退款' });
    expect(refund.status).toBe(200);
    expect(Object.keys(refund.json)).toEqual(REFUND_KEYS);
    expect(refund.json).toMatchObject({
      amount: 1.2,
      charge: id,
      status: 'SUCCEED',
      order_no: params.order_no,
    });

    const again = await node.queryRefund(id, refund.json.id);
    expect(again.json).toEqual(refund.json);
    const after = await node.queryCharge(id);
    expect(after.json).toMatchObject({ status: 'SUCCEED', refunded: true, amount_refunded: 1.2 });
    expect(after.json.refunds).toEqual([refund.json]);

    // The same, at /v1 without the /merchant-api prefix.
    const plain = nodeClient(imported, SDK_PRIVATE_PKCS1, '/v1/');
    expect((await plain.queryCharge(id)).json.id).toBe(id);
  });

  it('PHP SDK (generated keys): every operation, parsing the raw header lines at fixed offsets', async () => {
    const params = chargeParams(generated, { description: 'http://shop.example/订单' });
    const created = await php.createCharge(params);
    expect(created.status).toBe(200);
    expect(Object.keys(created.json)).toEqual(CHARGE_KEYS);
    // json_encode escaped the slashes and the CJK characters; the gateway read them back.
    expect(phpJsonEncode(params)).toContain('\\/');
    expect(created.json).toMatchObject({ subject: '测试/商品', description: 'http://shop.example/订单' });
    const id = created.json.id;
    expect((await php.queryCharge(id)).json).toEqual(created.json);
    await paid(id);
    // A body over 1024 bytes: curl sends Expect: 100-continue and reads two header blocks.
    const big = await php.createCharge(chargeParams(generated, { metadata: { note: '备注'.repeat(200) } }));
    expect(php.sawInterim).toBe(true);
    expect(big.status).toBe(200);
    expect(big.json.metadata.note).toHaveLength(400);
    const refund = await php.createRefund(id, { description: '全额退款' });
    expect(refund.json).toMatchObject({ amount: 3.21, status: 'SUCCEED' });
    expect(Object.keys(refund.json)).toEqual(REFUND_KEYS);
    expect((await php.queryRefund(id, refund.json.id)).json).toEqual(refund.json);
  });

  it('writes the four answer headers exactly so, and no other header line holds their names', async () => {
    const created = await php.createCharge(chargeParams(generated));
    // A client-chosen request id that would confuse the PHP SDK is not echoed.
    const answer = await php.send('GET', `/v1/charges/${created.json.id}`, undefined, [
      'X-Request-Id: sign-me-nonce',
    ]);
    const lines = answer.headerLines!;
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    const named = (name: string) => lines.filter((l) => l.startsWith(`${name}: `));
    for (const name of ['nonce', 'timestamp', 'Authorization', 'sign'])
      expect(named(name), name).toHaveLength(1);
    expect(named('nonce')[0]).toMatch(/^nonce: [a-z0-9]{32}$/);
    expect(named('timestamp')[0]).toBe(`timestamp: ${now()}`);
    expect(named('Authorization')[0]).toBe(`Authorization: ${generated.paymax.secretKey}`);
    expect(named('sign')[0]).toMatch(/^sign: [A-Za-z0-9+/]+=*$/);
    const others = lines.slice(1).filter((l) => !/^(nonce|timestamp|Authorization|sign): /.test(l));
    expect(others.length).toBeGreaterThan(3);
    for (const line of others) expect(line).not.toMatch(/nonce|timestamp|Authorization|sign/);
    // helmet's headers are all still there.
    const names = others.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    expect(names).toEqual(
      expect.arrayContaining(['content-security-policy', 'x-frame-options', 'content-type']),
    );
    expect(names).not.toContain('x-request-id');
  });

  it("answers an error bare and unsigned; the PHP client's 2-minute freshness check holds", async () => {
    const missing = await php.queryCharge('ch_000000000000000000000000');
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ failure_code: 'ORDER_NO_NOT_EXIST', failure_msg: expect.any(String) });
    for (const line of missing.headerLines!) expect(line).not.toMatch(/^(nonce|timestamp|sign): /);
    // An answer read 2 minutes after it was signed is refused by the client, as the SDK does.
    const created = await php.createCharge(chargeParams(generated));
    expect(created.status).toBe(200);
    let readings = 0;
    // The first reading stamps the request; the second is the client's clock when the answer arrives.
    const slowNetwork = new PhpSdkClient('127.0.0.1', port, '', php.keys, () =>
      ++readings === 1 ? now() : now() + 2 * 60 * 1000,
    );
    await expect(slowNetwork.queryCharge(created.json.id)).rejects.toThrow('Response Time Is Invalid');
  });

  it('refuses a timestamp more than 5 minutes off, either way, and a nonce used before', async () => {
    const created = await node.createCharge(chargeParams(imported));
    const path = `/merchant-api/v1/charges/${created.json.id}`;
    for (const skew of [-5 * 60 * 1000 - 1, 5 * 60 * 1000 + 1]) {
      const header = { ...node.header('get', path, ''), timestamp: now() + skew };
      header.sign = resign(node, 'get', path, header, '');
      await refused(401, 'SIGN_CHECK_FAILED', () => node.get(path, header), /timestamp/);
    }
    // At the edge of the window it is accepted.
    const edge = { ...node.header('get', path, ''), timestamp: now() - 5 * 60 * 1000 };
    edge.sign = resign(node, 'get', path, edge, '');
    expect((await node.get(path, edge)).status).toBe(200);

    // A captured request sent again: refused, on this node and on another one.
    const body = JSON.stringify(chargeParams(imported));
    const header = node.header('post', '/merchant-api/v1/charges', body);
    expect((await node.post('/merchant-api/v1/charges', body, header)).status).toBe(200);
    await refused(
      401,
      'SIGN_CHECK_FAILED',
      () => node.post('/merchant-api/v1/charges', body, header),
      /nonce/,
    );
    const onSecond = nodeClient(imported, SDK_PRIVATE_PKCS8, '/merchant-api/v1/', secondPort);
    await refused(
      401,
      'SIGN_CHECK_FAILED',
      () => onSecond.post('/merchant-api/v1/charges', body, header),
      /nonce/,
    );
    // Even a GET's nonce is single-use.
    const getHeader = node.header('get', path, '');
    expect((await node.get(path, getHeader)).status).toBe(200);
    await refused(401, 'SIGN_CHECK_FAILED', () => node.get(path, getHeader), /nonce/);
  });

  it('one nonce raced by five requests on two nodes makes one charge', async () => {
    const body = JSON.stringify(chargeParams(imported));
    const header = node.header('post', '/merchant-api/v1/charges', body);
    const onSecond = nodeClient(imported, SDK_PRIVATE_PKCS8, '/merchant-api/v1/', secondPort);
    const before = (await counts()).charges;
    const answers = await Promise.all(
      [node, onSecond, node, onSecond, node].map((c) => c.post('/merchant-api/v1/charges', body, header)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
    expect((await counts()).charges).toBe(before + 1);
  });

  it('refuses a signature over anything else: path, query, body, another key, no sign, half the headers', async () => {
    const created = await node.createCharge(chargeParams(imported));
    const id = created.json.id;
    const path = `/merchant-api/v1/charges/${id}`;
    const cases: Array<() => Promise<SdkAnswer>> = [
      // Signed for one charge, sent for another.
      () => node.get(`/v1/charges/${id}x`, node.header('get', path, '')),
      // A query string the signature did not cover.
      () => node.get(`${path}?expand=refunds`, node.header('get', path, '')),
      // The body changed after signing.
      () => {
        const body = JSON.stringify(chargeParams(imported));
        return node.post(
          '/v1/charges',
          body.replace('3.21', '0.01'),
          node.header('post', '/v1/charges', body),
        );
      },
      // Signed with a generated key instead of the imported one.
      () => nodeClient(imported, generated.paymax.merchantPrivateKeyPem!).queryCharge(id),
      // No sign header.
      () => node.get(path, { ...node.header('get', path, ''), sign: undefined as unknown as string }),
      // A nonce without a timestamp.
      () => node.get(path, { ...node.header('get', path, ''), timestamp: undefined as unknown as number }),
    ];
    for (const send of cases) await refused(401, 'SIGN_CHECK_FAILED', send);
  });

  it('forgets nonces once their window has passed (the sweeper), and the table stays small', async () => {
    const path = '/v1/charges/ch_000000000000000000000000';
    await node.get(path);
    const [{ n: before }] = await core.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM signed_request_keys',
    );
    expect(before).toBeGreaterThan(0);
    core.clock.advance(5 * 60 * 1000 + 1);
    expect(await pruneSignedRequests(core)).toBe(before);
    const [{ n: after }] = await core.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM signed_request_keys',
    );
    expect(after).toBe(0);
  });

  it('the 2016 scheme keeps its envelope; a captured refund replayed four times makes one refund', async () => {
    const legacy = clientOf(base, generated);
    const created = await legacy.post('/v1/charges', chargeParams(generated, { amount: 10 }));
    expect(created.status).toBe(200);
    expect(created.resData).toBeDefined();
    const id = created.data.id;
    await paid(id);
    // The captured bytes and headers of one refund request, sent five times.
    const raw = JSON.stringify({ amount: 1, description: '退款' });
    const headers = {
      Authorization: generated.paymax.secretKey,
      sign: merchantSign(raw, generated.paymax.merchantPrivateKeyPem!),
      'Content-Type': 'application/json',
    };
    const send = (path: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers, body: raw }).then(async (r) => ({
        status: r.status,
        json: await r.json(),
      }));
    const first = await send(`/v1/charges/${id}/refunds`);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json).sort()).toEqual(['res_data', 'sign']);
    for (const path of [
      `/v1/charges/${id}/refunds`,
      `/merchant-api/v1/charges/${id}/refunds`,
      `/v1/charges/${id}/refunds`,
      `/v1/charges/${id}/refunds`,
    ]) {
      const replay = await send(path);
      expect(replay.status).toBe(401);
      expect(replay.json).toEqual({
        failure_code: 'SIGN_CHECK_FAILED',
        failure_msg: expect.stringMatching(/already received/),
      });
    }
    const rows = await core.db.query('SELECT id FROM refunds WHERE charge_id = $1', [id]);
    expect(rows).toHaveLength(1);
    // A refused refund gives its claim back: the same request, once it can succeed, is no replay.
    const other = await legacy.post('/v1/charges', chargeParams(generated, { amount: 0.5 }));
    const tooMuch = await fetch(`${base}/v1/charges/${other.data.id}/refunds`, {
      method: 'POST',
      headers,
      body: raw,
    });
    expect(tooMuch.status).toBe(400); // not paid yet
    await paid(other.data.id);
    const paidRefund = await fetch(`${base}/v1/charges/${other.data.id}/refunds`, {
      method: 'POST',
      headers,
      body: raw,
    });
    expect(paidRefund.status).toBe(400); // 1.00 > 0.50: AMOUNT_NOT_ENOUGH, not a replay
    expect((await paidRefund.json()).failure_code).toBe('AMOUNT_NOT_ENOUGH');
    // The 2016 scheme's GET needs no sign and is answered in the envelope.
    const got = await legacy.get(`/v1/charges/${id}`);
    expect(got.data.amount_refunded).toBe(1);
  });

  it('wechat_wap without open_id: the hosted page learns the openid, then pays by JSAPI', async () => {
    const created = await node.createCharge(chargeParams(imported, { channel: 'wechat_wap', amount: 0.5 }));
    expect(created.status).toBe(200);
    const id = created.json.id;
    const payUrl = `${base}/cashier/pay/${id}`;
    expect(created.json.credential).toEqual({ wechat_wap: { pay_url: payUrl } });
    expect(created.json).toMatchObject({
      status: 'PROCESSING',
      extra: {},
      time_expire: now() + 3 * 60 * 1000,
    });
    const sim = simulatorOf(core)!;
    const stored = (await findCharge(core.db, id))!;
    expect(await sim.findOrderByOutTradeNo(stored.orderSn)).toBeUndefined();

    // The payer's WeChat browser: the page sends it to WeChat's authorization, which comes back with a code.
    const opened = await fetch(payUrl, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const authorize = new URL(opened.headers.get('location')!);
    expect(authorize.pathname).toMatch(/\/connect\/oauth2\/authorize$/);
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    expect(callback.split('?')[0]).toBe(`${payUrl}/wechat-oauth`);
    const started = await fetch(callback, { redirect: 'manual', headers: { cookie } });
    expect(started.status).toBe(303);

    const charge = (await findCharge(core.db, id))!;
    expect(charge.extra.openid).toBe(sandboxPayerOpenid(sim.keys, sim.keys.merchant.appid));
    expect(charge.credential!.jsapi).toMatchObject({
      appId: sim.keys.merchant.appid,
      paySign: expect.any(String),
    });
    expect(await sim.findOrderByOutTradeNo(charge.orderSn)).toMatchObject({ tradeType: 'JSAPI', total: 50 });
    // The merchant's client sees the charge still PROCESSING, its credential the page's.
    const fetched = await node.queryCharge(id);
    expect(fetched.json.status).toBe('PROCESSING');
    expect(fetched.json.credential.wechat_wap).toMatchObject({ pay_url: payUrl });

    // With open_id, as before: JSAPI parameters at once.
    const direct = await node.createCharge(
      chargeParams(imported, { channel: 'wechat_wap', extra: { open_id: 'obc-jswk25IUGp3q8RPTYu083rmk' } }),
    );
    expect(direct.json.credential.wechat_wap.jsapi).toMatchObject({ paySign: expect.any(String) });
    expect(direct.json.credential.wechat_wap.pay_url).toBeUndefined();
    // A malformed open_id is the documented 400, nothing created.
    await refused(400, 'ILLEGAL_ARGUMENT', () =>
      node.createCharge(chargeParams(imported, { channel: 'wechat_wap', extra: { open_id: 42 } })),
    );
  });
});

/** Re-signs a Node SDK header after a test changed one of its values. */
function resign(
  client: NodeSdkClient,
  method: string,
  path: string,
  header: { nonce: string; timestamp: number; Authorization: string },
  body: string,
): string {
  const message = `${method}\n${path.replace('/merchant-api', '')}\n\n${header.nonce}\n${header.timestamp}\n${header.Authorization}\n${body}`;
  return createSign('RSA-SHA1').update(message).sign(client.keys.merchantPrivateKeyPem, 'base64');
}
