import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_PROVIDERS, PROVIDERS } from '../../src/domain/channels.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';

/**
 * The inbound notification route, /notify/:provider/:configId, is the one door any stranger
 * can knock on without a key. Fuzzed with every real connector behind it: random and
 * hostile bodies in each provider's own encodings (form, JSON, XML), with each content type
 * and with headers the providers sign with. Never a 5xx (a 5xx asks a provider to retry a
 * forgery forever and pages the operator), and never a state change: no charge, refund or
 * event row moves. `FUZZ_RUNS=10000 npm run fuzz` for a longer hunt; CI replays a fixed seed.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const FIXED_SEED = 20261208;
const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.FUZZ_RUNS === undefined
      ? FIXED_SEED
      : undefined;

/** Field names the providers' notices carry, so the fuzz gets past "not a notice" into the parsers. */
const FIELDS = [
  'notify_id',
  'out_trade_no',
  'trade_no',
  'trade_status',
  'total_amount',
  'sign',
  'sign_type',
  'app_id',
  'charset',
  'id',
  'event_type',
  'resource_type',
  'resource',
  'ciphertext',
  'nonce',
  'associated_data',
  'orderId',
  'txnAmt',
  'respCode',
  'signature',
  'signPubKeyCert',
  'certId',
  'accessType',
  'merId',
  'txnTime',
  'queryId',
  'out_order_no',
  'trade_state',
  'event_version',
  'summary',
  'purchase_units',
  'amount',
  'order_sn',
];

const scalar = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '0',
    '-1',
    '1e400',
    'NaN',
    'TRADE_SUCCESS',
    'SUCCESS',
    '00',
    'null',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.nat({ max: 5000 }).map((n) => 'A'.repeat(n)),
);
const notice = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), scalar, {
  maxKeys: 8,
});

function xml(fields: Record<string, string>): string {
  return `<xml>${Object.entries(fields)
    .map(
      ([k, v]) =>
        `<${k.replace(/[^A-Za-z_]/g, '_') || 'x'}><![CDATA[${v}]]></${k.replace(/[^A-Za-z_]/g, '_') || 'x'}>`,
    )
    .join('')}</xml>`;
}

const body = fc.oneof(
  notice.map((f) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(f).toString() })),
  notice.map((f) => ({ type: 'application/json', text: JSON.stringify(f) })),
  notice.map((f) => ({ type: 'text/xml', text: xml(f) })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ type: 'application/json', text })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ type: 'text/plain', text })),
  fc.constantFrom(
    { type: 'application/json', text: '{"resource":{"ciphertext":"AAAA","nonce":"x","associated_data":""}}' },
    { type: 'application/json', text: '[]' },
    { type: 'application/json', text: 'null' },
    { type: 'application/json', text: '{"__proto__":{"polluted":1}}' },
    { type: 'text/xml', text: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>' },
    { type: 'text/xml', text: `<xml>${'<a>'.repeat(5000)}</xml>` },
    { type: 'application/x-www-form-urlencoded', text: 'a=%ZZ&b=%' },
  ),
);

/** Headers the providers sign with (WeChat Pay v3, PayPal): present, absent or absurd. */
const headers = fc.dictionary(
  fc.constantFrom(
    'wechatpay-signature',
    'wechatpay-timestamp',
    'wechatpay-nonce',
    'wechatpay-serial',
    'paypal-transmission-id',
    'paypal-transmission-sig',
    'paypal-cert-url',
    'paypal-auth-algo',
    'paypal-transmission-time',
  ),
  fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
    fc.constant('http://127.0.0.1:1/cert'),
  ),
  { maxKeys: 5 },
);

describe('inbound notifications under fuzz', () => {
  let core: TestCore;
  let server: FastifyInstance;
  beforeAll(async () => {
    core = await testCore('pglite');
    await seedApp(core);
    server = await buildServer({ core });
  }, 300_000);
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  const money = async () =>
    JSON.stringify(
      await core.db.query(
        `SELECT (SELECT count(*) FROM charges) AS charges, (SELECT count(*) FROM refunds) AS refunds,
                (SELECT count(*) FROM events) AS events,
                (SELECT coalesce(string_agg(id || status, ',' ORDER BY id), '') FROM charges) AS states`,
      ),
    );

  it.each(PROVIDERS.filter((p) => !OFFLINE_PROVIDERS.includes(p)))(
    '%s: never a 5xx, nothing changes',
    { timeout: 600_000 },
    async (provider) => {
      const before = await money();
      await fc.assert(
        fc.asyncProperty(
          body,
          headers,
          fc.constantFrom('sandbox', 'cfg_nonexistent', '%00', 'x'.repeat(200)),
          async (b, h, configId) => {
            const res = await server.inject({
              method: 'POST',
              url: `/notify/${provider}/${encodeURIComponent(configId)}`,
              headers: { ...h, 'content-type': b.type },
              payload: b.text,
            });
            expect(res.statusCode, res.body).toBeLessThan(500);
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(await money()).toBe(before);
    },
  );
});
