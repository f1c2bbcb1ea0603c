import { createCipheriv } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/core/apps/stores.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { decryptData, encryptData, sha1Hex, sign } from '../../src/dialects/store/codec.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { genericSandboxes } from '../dialects/maxpay-app.js';
import {
  FUZZ_TIMEOUT,
  type FuzzRequest,
  byteMutation,
  chooseSign,
  freshOrderNo,
  fuzzRequests,
  hostileText,
  jsonOf,
  mutateBytes,
  perturbed,
  signChoice,
  urlEncode,
} from './dialect-fuzz.js';

/**
 * The store dialect (/mct1/...) under fuzz: form posts of open_id, timestamp, data (the
 * AES-encrypted JSON of each endpoint's parameters, perturbed: wrong types, fen amounts as
 * floats, negative, huge or strings, NUL, lone surrogates, invalid UTF-8, duplicate keys,
 * correctly encrypted garbage) and sign, made with the store's open_key so the fuzz reaches
 * each handler; or broken (bad sign, stale timestamp, duplicate or missing form fields,
 * odd content types, undecryptable data). Every answer is the envelope
 * `{errcode, msg, timestamp[, data, sign]}` (sign verifying when present), never errcode
 * 500 nor a 5xx; a refused request changes nothing.
 */
const SHOP_PASS = sha1Hex('123456');
const DATA_KEYS = [
  'out_no',
  'ord_no',
  'pmt_tag',
  'ord_name',
  'original_amount',
  'trade_amount',
  'discount_amount',
  'auth_code',
  'refund_amount',
  'refund_out_no',
  'shop_pass',
  'notify_url',
  'jump_url',
  'remark',
  'page',
  'page_size',
  'start_time',
  'end_time',
];

describe.each(engines())('store under fuzz (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let store: { openId: string; openKey: string };
  const paid: string[] = [];
  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    const { app } = await seedApp(core);
    store = await createStore(core.db, core, { appId: app.id, name: 'fuzz store', livemode: false });
    server = await buildServer({ core });
    // Paid orders to refund, cancel and query, so those requests reach their handlers.
    for (let i = 0; i < 3; i++) {
      const outNo = freshOrderNo('stopaid');
      const res = await send('payorder', {
        ...bases.payorder,
        out_no: outNo,
        original_amount: 100000,
        trade_amount: 100000,
      });
      const body = JSON.parse(res.body);
      expect(body.errcode, res.body).toBe(0);
      const order = JSON.parse(decryptData(body.data, store.openKey)!);
      const [row] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_no = $1', [
        outNo,
      ]);
      await applyChargeResult(core, row!.id, { status: 'succeeded', transactionNo: `TX${order.ord_no}` });
      paid.push(outNo);
    }
  }, 300_000);
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  const bases: Record<string, Record<string, unknown>> = {
    payorder: {
      out_no: '',
      pmt_tag: 'WeixinBERL',
      ord_name: 'fuzz',
      original_amount: 100,
      trade_amount: 100,
    },
    paystatus: { out_no: '' },
    paycancel: { out_no: '' },
    payrefund: { out_no: '', refund_amount: 1, refund_out_no: '', shop_pass: SHOP_PASS },
    paylist: { page: 1, page_size: 10, start_time: '2026-03-01 00:00:00' },
    order: { page: 1 },
    'order/view': { out_no: '' },
  };

  function formOf(endpoint: string, data: Buffer | string, timestamp?: number) {
    const fields: Record<string, string> = {
      open_id: store.openId,
      timestamp: String(timestamp ?? Math.floor(core.clock.now().getTime() / 1000)),
      data: encryptData(typeof data === 'string' ? data : data.toString('latin1'), store.openKey),
    };
    fields.sign = sign(fields, store.openKey);
    return { endpoint, fields };
  }
  function send(endpoint: string, data: Record<string, unknown>) {
    const { fields } = formOf(endpoint, JSON.stringify(data));
    return server.inject({
      method: 'POST',
      url: `/mct1/${endpoint}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  // Mostly each endpoint with its own parameters; sometimes another's, or no endpoint.
  const target = fc.constantFrom(...Object.keys(bases), 'payorder', 'payrefund', 'nope').chain((endpoint) =>
    fc.record({
      endpoint: fc.constant(endpoint),
      data: fc
        .constantFrom(...(bases[endpoint] ? [endpoint, endpoint, endpoint] : []), ...Object.keys(bases))
        .chain((name) => perturbed(bases[name]!, DATA_KEYS)),
    }),
  );
  const cases = fc.record({
    target,
    which: fc.nat({ max: 4 }),
    bytes: byteMutation,
    sign: signChoice,
    skew: fc.constantFrom(0, 0, 0, 0, -3600, 3600, -1e10),
    form: fc.array(
      fc.record({
        key: fc.constantFrom('open_id', 'timestamp', 'data', 'sign', 'lang', 'x'),
        value: hostileText,
        drop: fc.boolean(),
      }),
      { maxLength: 2 },
    ),
    contentType: fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/x-www-form-urlencoded') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'application/x-www-form-urlencoded; charset=GBK',
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          ';;;',
        ),
      },
    ),
    method: fc.constantFrom<'GET' | 'POST'>('POST', 'POST', 'POST', 'GET'),
  });

  it(
    'never a 5xx, always the signed envelope, nothing written on a refusal',
    { timeout: FUZZ_TIMEOUT },
    async () => {
      const tally = await fuzzRequests(
        core,
        server,
        cases,
        (c): FuzzRequest => {
          const { endpoint, data: perturbedData } = c.target;
          const data = { ...perturbedData.fields };
          // The original order: a paid one, or a new number, as each endpoint needs.
          for (const key of ['out_no', 'refund_out_no']) {
            if (data[key] === '')
              data[key] =
                key === 'out_no' && c.which < paid.length && endpoint !== 'payorder'
                  ? paid[c.which]!
                  : freshOrderNo('stf');
          }
          const text = mutateBytes(JSON.stringify(data), c.bytes, DATA_KEYS);
          // Encrypted as bytes: invalid UTF-8 inside correctly encrypted, correctly signed data.
          const fields: Record<string, string> = {
            open_id: store.openId,
            timestamp: String(Math.floor(core.clock.now().getTime() / 1000) + c.skew),
            data: encryptBytes(text),
          };
          const correct = sign(fields, store.openKey);
          const chosen = chooseSign(correct, c.sign);
          if (chosen !== undefined) fields.sign = chosen;
          const form = new URLSearchParams(fields);
          for (const f of c.form) {
            if (f.drop) form.delete(f.key);
            else form.append(f.key, f.value);
          }
          const body = [...form.entries()].map(([k, v]) => `${urlEncode(k)}=${urlEncode(v)}`).join('&');
          return c.method === 'GET'
            ? { method: 'GET', url: `/mct1/${endpoint}?${body}`, headers: {} }
            : {
                method: 'POST',
                url: `/mct1/${endpoint}`,
                headers: { 'content-type': c.contentType },
                payload: body,
              };
        },
        (res) => {
          const body = jsonOf(res);
          expect(typeof body.errcode, res.body).toBe('number');
          expect(body.errcode, res.body).not.toBe(500);
          expect(typeof body.msg, res.body).toBe('string');
          expect(typeof body.timestamp, res.body).toBe('number');
          if (body.sign !== undefined)
            expect(sign(body as Record<string, string>, store.openKey), res.body).toBe(body.sign);
          return body.errcode === 0 ? 'accepted' : 'refused';
        },
      );
      console.log(`store fuzz (${engine}):`, tally);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.accepted).toBeGreaterThan(0);
    },
  );

  /** The document's AES-256-ECB over raw bytes (encryptData takes text). */
  function encryptBytes(bytes: Buffer): string {
    const valid = Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
    if (valid) return encryptData(bytes.toString('utf8'), store.openKey);
    return aesHex(bytes, store.openKey);
  }
});

function aesHex(bytes: Buffer, openKey: string): string {
  const c = createCipheriv('aes-256-ecb', Buffer.from(openKey, 'utf8'), null);
  return Buffer.concat([c.update(bytes), c.final()]).toString('hex');
}
