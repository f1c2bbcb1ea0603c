import {
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPairSync,
} from 'node:crypto';
import { connectorRegistry } from '../src/channels/registry.js';
import { sandboxConnector } from '../src/channels/sandbox/sandbox.js';
import { createStore } from '../src/core/apps/stores.js';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { PAY_SIGNED_FIELDS, unifiedSign } from '../src/dialects/unified/sign.js';
import { docDecrypt, docEncrypt, docSign } from '../test/dialects/store-client.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore, type Measured, loop, report } from './support.js';

/**
 * Create-charge throughput of each merchant API dialect against the admin API create,
 * measured in the same run, in the same process, with the same client (fetch inside
 * `loop`), at the same concurrency for the same time. Every dialect creates a WeChat Pay
 * QR charge on the in-process sandbox connector, like the baseline, so the ratio is the
 * dialect's own overhead: its authentication, codec, extra lookups and answer shape.
 *
 * Order: a warm-up, then admin, maxpay, admin, paymax, admin, store, admin, unified,
 * admin; each dialect is compared with the mean of the two admin runs around it.
 *
 * The client does per request what a real merchant's client does (a fresh order number,
 * signing, encrypting) and checks the business answer; a refused request aborts the run.
 * That client work shares the process with the server: its cost per request is printed
 * beside each result. Paymax is expected below target: the merchant's RSA signature is
 * verified and every answer is RSA-signed by the platform, per request; its run with the
 * requests signed beforehand is printed as context.
 */

const CONCURRENCY = 16;
const SECONDS = 5;
const WARMUP_SECONDS = 1;
const INITIAL_WARMUP_SECONDS = 5;
const TARGET = 0.8;

interface Prepared {
  url: string;
  init: RequestInit;
}

interface Subject {
  /** Builds request number `n` (unique order number, fresh signature). */
  prepare(n: number): Prepared;
  /** Throws unless the answer is a created charge in the dialect's own success shape. */
  check(status: number, text: string): void;
}

class BenchAbort extends Error {}

function fail(name: string, status: number, text: string, why: string): never {
  throw new BenchAbort(`${name}: ${why} (HTTP ${status}): ${text.slice(0, 500)}`);
}

/**
 * Request numbers, unique across warm-up and measurement: each client turns its number into
 * an order number of letters and digits only (`<dialect><pid>x<n>`), which every dialect takes.
 */
let sequence = 0;
const nextOrderNoIndex = () => ++sequence;

async function send(name: string, subject: Subject, n: number): Promise<void> {
  const { url, init } = subject.prepare(n);
  const response = await fetch(url, init);
  const text = await response.text();
  try {
    subject.check(response.status, text);
  } catch (error) {
    if (error instanceof BenchAbort) throw error;
    fail(name, response.status, text, `unreadable answer: ${(error as Error).message}`);
  }
}

function mean(a: Measured, b: Measured): Measured {
  return { rps: (a.rps + b.rps) / 2, p99: (a.p99 + b.p99) / 2 };
}

/** Average client-side preparation cost (signing, encrypting) per request, microseconds. */
/** Microseconds the Paymax server spends in RSA per charge: SHA1withRSA verify + sign. */
function serverRsaCost(keys: { merchantPrivateKeyPem: string; platformPublicKeyPem: string }): number {
  const merchantKey = createPrivateKey(keys.merchantPrivateKeyPem);
  const merchantPublic = createPublicKey(merchantKey);
  // The platform's private key stays in the server; a key of the same size costs the same.
  const { privateKey: platformLike } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const body = JSON.stringify({
    order_no: 'bench0000001',
    amount: 1,
    subject: 'bench',
    channel: 'wechat_csb',
  });
  const answer = 'x'.repeat(900);
  const signature = createSign('RSA-SHA1').update(body).sign(merchantKey);
  const rounds = 300;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    createVerify('RSA-SHA1').update(body).verify(merchantPublic, signature);
    createSign('RSA-SHA1').update(answer).sign(platformLike);
  }
  return ((performance.now() - started) * 1000) / rounds;
}

function prepareCost(subject: Subject): number {
  const rounds = 200;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) subject.prepare(1_000_000_000 + i);
  return ((performance.now() - started) * 1000) / rounds;
}

async function measure(name: string, subject: Subject): Promise<Measured> {
  // One request alone first, so a misconfigured subject fails with its own answer.
  await send(name, subject, nextOrderNoIndex());
  await loop(() => send(name, subject, nextOrderNoIndex()), CONCURRENCY, WARMUP_SECONDS);
  return loop(() => send(name, subject, nextOrderNoIndex()), CONCURRENCY, SECONDS);
}

/**
 * The same client's requests, all built (signed) before the clock starts: what the server
 * sustains when the client's own signing does not share this process's time. Runs out
 * loudly rather than sign inside the measurement.
 */
function prebuilt(subject: Subject, count: number): Subject {
  const pool = Array.from({ length: count }, () => subject.prepare(nextOrderNoIndex()));
  let next = 0;
  return {
    prepare() {
      const prepared = pool[next++];
      if (!prepared) throw new BenchAbort(`all ${count} requests built beforehand were used up`);
      return prepared;
    },
    check: subject.check,
  };
}

// ---------------------------------------------------------------- the five clients

function adminSubject(url: string, token: string, appId: string): Subject {
  const name = 'admin API create';
  return {
    prepare: (n) => ({
      url: `${url}/api/v1/charges`,
      init: {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          app: appId,
          order_no: `adm${process.pid}x${n}`,
          channel: 'wechatpay',
          method: 'qr',
          amount: 100,
          currency: 'CNY',
          subject: 'bench',
        }),
      },
    }),
    check(status, text) {
      if (status !== 201) fail(name, status, text, 'expected 201');
      const body = JSON.parse(text);
      if (body.status !== 'pending' || typeof body.id !== 'string')
        fail(name, status, text, 'no pending charge');
    },
  };
}

function maxpaySubject(url: string, keys: { appId: string; sessionToken: string }): Subject {
  const name = 'maxpay bill';
  return {
    // What the PHP client sends: its whole parameter array (appid and token included), JSON.
    prepare: (n) => ({
      url: `${url}/2.0/maxpay/bill`,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json;charset=utf-8',
          'X-ML-AppId': keys.appId,
          'X-ML-Session-Token': keys.sessionToken,
        },
        body: JSON.stringify({
          channel: 'wx_native',
          billNum: `mxp${process.pid}x${n}`,
          totalFee: 100,
          subject: 'bench',
          appid: keys.appId,
          token: keys.sessionToken,
        }),
      },
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

function paymaxSubject(
  url: string,
  keys: { app: string; secretKey: string; merchantPrivateKeyPem: string; platformPublicKeyPem: string },
): Subject {
  const name = 'paymax charge';
  // Loaded once, as an SDK holds its keys.
  const privateKey = createPrivateKey(keys.merchantPrivateKeyPem);
  const platformKey = createPublicKey(keys.platformPublicKeyPem);
  return {
    // The raw UTF-8 body signed with the merchant private key into the `sign` header.
    prepare(n) {
      const raw = JSON.stringify({
        order_no: `pmx${process.pid}x${n}`,
        amount: 1.0,
        subject: 'bench',
        body: 'bench',
        channel: 'wechat_csb',
        app: keys.app,
        client_ip: '127.0.0.1',
      });
      const sign = createSign('RSA-SHA1').update(raw, 'utf8').sign(privateKey, 'base64');
      return {
        url: `${url}/v1/charges`,
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: keys.secretKey,
            sign,
            'X-Paymax-Client-User-Agent': '{"lang":"node","publisher":"Paymax"}',
          },
          body: raw,
        },
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

/** /mct1 codec (document 2.2 to 2.5), as in test/dialects/store-client.ts. */
function storeSubject(url: string, store: { openId: string; openKey: string }): Subject {
  const name = 'store payorder';
  return {
    // A test store's WeChat QR (payer scans): no auth_code.
    prepare(n) {
      const data = {
        out_no: `sto${process.pid}x${n}`,
        pmt_tag: 'WeixinBERL',
        ord_name: 'bench',
        original_amount: 100,
        trade_amount: 100,
      };
      const fields: Record<string, string> = {
        open_id: store.openId,
        timestamp: String(Math.floor(Date.now() / 1000)),
        data: docEncrypt(JSON.stringify(data), store.openKey),
      };
      fields.sign = docSign(fields, store.openKey);
      return {
        url: `${url}/mct1/payorder`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        },
      };
    },
    check(status, text) {
      if (status !== 200) fail(name, status, text, 'expected 200');
      const body = JSON.parse(text);
      if (body.errcode !== 0) fail(name, status, text, 'business answer is an error');
      if (docSign(body, store.openKey) !== body.sign) fail(name, status, text, 'answer sign does not verify');
      const order = JSON.parse(docDecrypt(String(body.data), store.openKey));
      if (order.status !== '2' || typeof order.trade_qrcode !== 'string') {
        fail(name, status, text, `not a pending QR order: ${JSON.stringify(order)}`);
      }
    },
  };
}

function unifiedSubject(url: string, keys: { domainCode: string; domainSecret: string }): Subject {
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
        requestKey: `unf${process.pid}x${n}`,
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
        url: `${url}/pay/api/pc/pay`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json;charset=utf-8' },
          body: JSON.stringify(dto),
        },
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

// ---------------------------------------------------------------- the run

export async function runDialectBench(): Promise<Record<string, number>> {
  const { db, drop } = await freshDb('postgres');
  // The dialect's own overhead is what this measures: every provider a dialect uses is
  // the in-process sandbox, not an upstream simulator (those have their own benchmarks).
  const sandbox = sandboxConnector();
  const core = benchCore(db, connectorRegistry({ alipay: sandbox, wechatpay: sandbox, unionpay: sandbox }));
  try {
    const { app, credentials } = await seedApp(core);
    const store = await createStore(db, core, { appId: app.id, name: 'bench store', livemode: false });
    const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
    const server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
      if (!credentials.paymax.merchantPrivateKeyPem)
        throw new Error('seedApp issued no merchant private key');
      const paymaxKeys = {
        ...credentials.paymax,
        merchantPrivateKeyPem: credentials.paymax.merchantPrivateKeyPem,
      };

      const admin = adminSubject(url, token, app.id);
      // The whole path warms up first: on a fresh database the admin create kept speeding
      // up for some 15 s (581/s, then 695, 731, 932 in consecutive 5 s runs), so a
      // baseline measured once, first, made every dialect after it look faster than it is.
      await send('admin API create', admin, nextOrderNoIndex());
      await loop(
        () => send('admin API create', admin, nextOrderNoIndex()),
        CONCURRENCY,
        INITIAL_WARMUP_SECONDS,
      );

      const dialects: Array<[string, string, Subject]> = [
        [
          'maxpay',
          'create-charge (maxpay POST /2.0/maxpay/bill wx_native)',
          maxpaySubject(url, credentials.maxpay),
        ],
        ['paymax', 'create-charge (paymax POST /v1/charges wechat_csb)', paymaxSubject(url, paymaxKeys)],
        ['store', 'create-charge (store /mct1/payorder WeixinBERL QR)', storeSubject(url, store)],
        [
          'unified',
          'create-charge (unified POST /pay/api/pc/pay Wechat)',
          unifiedSubject(url, credentials.unified),
        ],
      ];
      // Each dialect is bracketed by admin runs and compared with their mean, so drift in
      // the machine's load during the run falls on both sides of the ratio alike.
      const ratios: Record<string, number> = {};
      let before = await measure('admin API create', admin);
      console.log(
        `admin API create: ${before.rps.toFixed(0)}/s (p99 ${before.p99.toFixed(1)} ms), ` +
          `client work ${prepareCost(admin).toFixed(0)} us/request`,
      );
      for (const [key, name, subject] of dialects) {
        const measured = await measure(name, subject);
        const cost = prepareCost(subject);
        // Context, not a target: RSA signing costs the client about what the platform's own
        // answer signature costs the server; with requests signed beforehand, the server's
        // share shows. Inside the same admin bracket.
        const signedBeforehand =
          cost > 100
            ? await measure(
                name,
                prebuilt(subject, Math.ceil(measured.rps * 3 * (WARMUP_SECONDS + SECONDS)) + 200),
              )
            : null;
        const after = await measure('admin API create', admin);
        console.log(
          `admin API create: ${after.rps.toFixed(0)}/s (p99 ${after.p99.toFixed(1)} ms); ` +
            `the baseline of ${key} is the mean of this run and the one before it`,
        );
        const baseline = mean(before, after);
        ratios[key] = report(name, measured, baseline, 'admin API create', TARGET);
        console.log(`  client work (building, signing, encrypting) ${cost.toFixed(0)} us/request`);
        if (signedBeforehand) {
          report(`${name}, signed beforehand`, signedBeforehand, baseline, 'admin API create', 0);
          // What RSA leaves the server to do: verify the request, sign the answer.
          const rsa = serverRsaCost(paymaxKeys);
          const budget = 1e6 / baseline.rps;
          console.log(
            `  server RSA per request (verify + sign the answer) ${rsa.toFixed(0)} us; ` +
              `the admin create costs the whole machine ${budget.toFixed(0)} us of wall time per request`,
          );
        }
        before = after;
      }
      return ratios;
    } finally {
      await server.close();
    }
  } finally {
    await drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify({ ratios: await runDialectBench() }));
}
