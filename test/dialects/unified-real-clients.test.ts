/**
 * The unified cashier API as real integrations and payers use it beyond the document
 * (FACTS.md, issue 15): signatures over URL-encoded pageUrl/bgUrl, values moved between
 * signed fields to underpay, the opt-in named signature, bgUrl aimed at private addresses,
 * and broken paths, all over HTTP with the document-written client.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetAppCredentials } from '../../src/core/apps/credential-cache.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { rowCounts } from './row-counts.js';
import { DTO_FIELDS, type Dto, type UnifiedClient, docSign } from './unified-client.js';
import { documentOrder, domainClient, genericSandboxes, newDomainApp } from './unified-domain.js';

/** The named signature as a merchant computes it from our documentation (sign.ts). */
function namedSign(dto: Dto, secret: string): string {
  const pairs = DTO_FIELDS.filter((f) => (dto[f] ?? '') !== '')
    .sort()
    .map((f) => `${f}=${dto[f]}`);
  return createHash('sha1')
    .update([...pairs, `domainSecret=${secret}`].join('&'))
    .digest('hex');
}

describe.each(engines())('unified real clients (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let client: UnifiedClient;
  let appId: string;
  let seq = 0;
  const key = () => `rc${Date.now()}${++seq}`;
  const counts = () => rowCounts(core, ['charges', 'events']);

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    appId = await newDomainApp(core);
    const gateway = await startGateway(core);
    server = gateway.server;
    client = await domainClient(core, gateway.base, appId, false);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  async function refused(dto: Dto, errcode: string, message: RegExp) {
    const before = await counts();
    const res = await client.pcPay(dto);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ errcode, errormsg: expect.stringMatching(message), obj: null });
    expect(await counts()).toEqual(before);
  }

  it('accepts a signature over the URL-encoded pageUrl and bgUrl', async () => {
    const dto = client.entry(
      documentOrder(key(), { pageUrl: 'http://shop.example/done?x=1', payTypeCode: 'Alipay' }),
    );
    const encoded: Dto = {
      ...dto,
      pageUrl: encodeURIComponent(dto.pageUrl!),
      bgUrl: encodeURIComponent(dto.bgUrl!),
    };
    dto.sign = docSign(
      DTO_FIELDS.map((f) => encoded[f] ?? ''),
      client.secret,
    );
    const res = await client.pcPay(dto);
    expect(res.body.errcode, JSON.stringify(res.body)).toBe('0');
    const [row] = await core.db.query<{ notify_url: string; return_url: string }>(
      'SELECT notify_url, return_url FROM charges WHERE order_no = $1',
      [dto.requestKey],
    );
    expect(row).toEqual({ notify_url: 'http://www.sina.com', return_url: 'http://shop.example/done?x=1' });
  });

  it('refuses signed values moved between fields to underpay; the named signature binds them', async () => {
    const signed = client.entry(
      documentOrder(key(), { money: '10000', requestChannel: '1', payTypeCode: 'Alipay' }),
    );
    // The payer swaps money and requestChannel: the nameless signature still matches.
    await refused(
      { ...signed, money: '1', requestChannel: '10000' },
      '10002',
      /requestChannel \(10000\) reads as an amount larger than money/,
    );
    // rate moved into money; a sentence moved into a code; money with a leading zero.
    const withRate = client.entry(documentOrder(key(), { money: '1000', rate: '7', payTypeCode: 'Alipay' }));
    await refused({ ...withRate, money: '7', rate: '1000' }, '10002', /rate \(1000\)/);
    const sentence = client.entry(
      documentOrder(key(), { payTypeCode: 'Alipay', requestChannel: 'web shop' }),
    );
    await refused(sentence, '10002', /requestChannel must be up to 32 letters/);
    const zero = client.entry(documentOrder(key(), { payTypeCode: 'Alipay', money: '010' }));
    await refused(zero, '10003', /leading zeros/);
    // The untouched order pays.
    expect((await client.pcPay(signed)).body.errcode).toBe('0');

    // Signed with names, the same values in their places pay; moved, they do not verify.
    const named = client.entry(
      documentOrder(key(), { money: '1', requestChannel: '10000', payTypeCode: 'Alipay' }),
    );
    named.sign = namedSign(named, client.secret);
    await refused({ ...named, money: '10000', requestChannel: '1' }, '10010', /sign/);
    expect((await client.pcPay(named)).body.errcode).toBe('0');
  });

  it('a domain that opts into named signatures refuses the nameless one', async () => {
    await core.db.query(`UPDATE app_credentials SET attrs = '{"sign_scheme":"named"}' WHERE public_id = $1`, [
      client.domainCode,
    ]);
    forgetAppCredentials(core, appId);
    try {
      const nameless = client.entry(documentOrder(key(), { payTypeCode: 'Alipay' }));
      await refused(nameless, '10010', /sign/);
      const named = { ...nameless, sign: namedSign(nameless, client.secret) };
      expect((await client.pcPay(named)).body.errcode).toBe('0');
    } finally {
      await core.db.query(`UPDATE app_credentials SET attrs = '{}' WHERE public_id = $1`, [
        client.domainCode,
      ]);
      forgetAppCredentials(core, appId);
    }
  });

  it('refuses a bgUrl aimed at a private address when the order is made', async () => {
    const saved = process.env.JUHE_ALLOW_PRIVATE_TARGETS;
    process.env.JUHE_ALLOW_PRIVATE_TARGETS = 'false';
    try {
      for (const bgUrl of [
        'http://127.0.0.1:9/n',
        'http://localhost/n',
        'http://[::1]/n',
        'http://192.168.1.1/n',
      ]) {
        await refused(
          client.entry(documentOrder(key(), { payTypeCode: 'Alipay', bgUrl })),
          '10002',
          /bgUrl is not an allowed target/,
        );
      }
      const ok = await client.pcPay(client.entry(documentOrder(key(), { payTypeCode: 'Alipay' })));
      expect(ok.body.errcode).toBe('0');
    } finally {
      if (saved === undefined) delete process.env.JUHE_ALLOW_PRIVATE_TARGETS;
      else process.env.JUHE_ALLOW_PRIVATE_TARGETS = saved;
    }
  });

  it('answers a broken path under /pay/api in its own shape', async () => {
    const res = await fetch(`${client.base}/pay/api/%ZZ`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ errcode: '10000', errormsg: expect.any(String), obj: null });
  });
});
