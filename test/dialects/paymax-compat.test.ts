/**
 * Paymax requests the audit against paymax-api.md found mishandled: text that JSON allows
 * but PostgreSQL cannot store (NUL, unpaired surrogates) in any stored field, and such a
 * character in a charge or refund id of a GET. Each must be the documented 400 with nothing
 * changed, never 500 SYSTEM_ERROR.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { JuheError } from '../../src/domain/errors.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { newPaymaxApp } from './paymax-app.js';
import { merchantSign } from './paymax-client.js';
import { rowCounts } from './row-counts.js';

interface Answer {
  status: number;
  body: any;
}

describe.each(engines())('paymax compatibility gaps (%s)', (engine) => {
  let core: TestCore;
  let server: FastifyInstance;
  let base: string;
  let creds: IssuedCredentials;
  let orderSeq = 0;

  /** Signs and sends the exact JSON text given, as a Paymax SDK does. */
  async function post(path: string, raw: string): Promise<Answer> {
    const sign = merchantSign(raw, creds.paymax.merchantPrivateKeyPem!);
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { Authorization: creds.paymax.secretKey, sign, 'Content-Type': 'application/json' },
      body: Buffer.from(raw, 'utf8'),
    });
    return { status: response.status, body: await response.json() };
  }

  async function get(path: string): Promise<Answer> {
    const response = await fetch(base + path, { headers: { Authorization: creds.paymax.secretKey } });
    return { status: response.status, body: await response.json() };
  }

  const chargeBody = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      order_no: `COMPAT${String(++orderSeq).padStart(6, '0')}`,
      amount: 2.01,
      subject: 'test',
      body: 'test',
      channel: 'alipay_app',
      app: creds.paymax.app,
      client_ip: '127.0.0.1',
      ...overrides,
    });

  const counts = () => rowCounts(core, ['charges', 'refunds', 'events']);

  async function refused(status: number, code: string, send: () => Promise<Answer>): Promise<Answer> {
    const before = await counts();
    const answer = await send();
    expect(answer.body, JSON.stringify(answer.body)).toEqual({
      failure_code: code,
      failure_msg: expect.any(String),
    });
    expect(answer.status).toBe(status);
    expect(await counts()).toEqual(before);
    return answer;
  }

  async function paidCharge(): Promise<string> {
    const created = await post('/v1/charges', chargeBody());
    expect(created.status).toBe(200);
    const { id } = JSON.parse(created.body.res_data);
    await applyChargeResult(core, id, { status: 'succeeded', transactionNo: `TX${id}` });
    return id;
  }

  beforeAll(async () => {
    const sandbox = sandboxConnector();
    // Lakala's upstream refuses every order, as a channel that rejects the merchant does.
    const refusing = {
      ...sandbox,
      name: 'lakala-refusing',
      pay: async () => {
        throw new JuheError('channel_error', 'LKL0001 merchant not activated');
      },
    };
    core = await testCore(engine, {
      connectors: connectorRegistry({ alipay: sandbox, wechatpay: sandbox, lakala: refusing }),
    });
    creds = (await newPaymaxApp(core, false)).credentials;
    ({ server, base } = await startGateway(core));
  });

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it.each([
    ['subject with NUL', { subject: 'te\u0000st' }, 'subject'],
    ['subject with an unpaired surrogate', { subject: 'test\ud800' }, 'subject'],
    ['body with NUL', { body: 'te\u0000st' }, 'body'],
    ['description with an unpaired surrogate', { description: '\udc00' }, 'description'],
    ['an extra value with NUL', { channel: 'lakala_web', extra: { user_id: 'a\u0000' } }, 'extra.user_id'],
    ['a metadata key with NUL', { metadata: { 'k\u0000': 1 } }, 'metadata'],
    ['a nested metadata value with NUL', { metadata: { a: [{ b: '\u0000' }] } }, 'metadata.a[0].b'],
  ])('create charge: %s -> 400 ILLEGAL_ARGUMENT, nothing created', async (_name, overrides, field) => {
    const answer = await refused(400, 'ILLEGAL_ARGUMENT', () => post('/v1/charges', chargeBody(overrides)));
    expect(answer.body.failure_msg).toContain(field);
  });

  it('create charge and refund: maps nested deeper than 64 levels -> 400 ILLEGAL_ARGUMENT', async () => {
    // JSON text, not objects: JSON.stringify itself overflows the stack on the deepest.
    const nested = (depth: number) => '['.repeat(depth - 1) + ']'.repeat(depth - 1);
    const withMap = (name: string, depth: number) =>
      chargeBody().replace(/}$/, `,"${name}":{"a":${nested(depth)}}}`);
    // 10000 levels and more were 500 SYSTEM_ERROR.
    for (const depth of [65, 10_000, 200_000]) {
      const answer = await refused(400, 'ILLEGAL_ARGUMENT', () =>
        post('/v1/charges', withMap('metadata', depth)),
      );
      expect(answer.body.failure_msg).toContain('metadata');
    }
    await refused(400, 'ILLEGAL_ARGUMENT', () => post('/v1/charges', withMap('extra', 100_000)));
    const id = await paidCharge();
    await refused(400, 'ILLEGAL_ARGUMENT', () =>
      post(`/v1/charges/${id}/refunds`, `{"description":"d","metadata":{"a":${nested(65)}}}`),
    );
    const stored = await post('/v1/charges', withMap('metadata', 64));
    expect(stored.status).toBe(200);
  });

  it('create refund: NUL in description or metadata -> 400 ILLEGAL_ARGUMENT, nothing refunded', async () => {
    const id = await paidCharge();
    await refused(400, 'ILLEGAL_ARGUMENT', () =>
      post(`/v1/charges/${id}/refunds`, JSON.stringify({ description: 'a\u0000' })),
    );
    await refused(400, 'ILLEGAL_ARGUMENT', () =>
      post(`/v1/charges/${id}/refunds`, JSON.stringify({ description: 'a', metadata: { x: '\u0000' } })),
    );
    const refund = await post(`/v1/charges/${id}/refunds`, JSON.stringify({ description: '退款' }));
    expect(refund.status).toBe(200);
  });

  it('retrieve: an id with NUL names no charge or refund -> 400 ORDER_NO_NOT_EXIST', async () => {
    const id = await paidCharge();
    await refused(400, 'ORDER_NO_NOT_EXIST', () => get('/v1/charges/ch_%00'));
    await refused(400, 'ORDER_NO_NOT_EXIST', () => get(`/v1/charges/${id}/refunds/re_%00`));
    await refused(400, 'ORDER_NO_NOT_EXIST', () =>
      post('/v1/charges/ch_%00/refunds', JSON.stringify({ description: 'x' })),
    );
  });

  it('retrieve as the document writes it, with a sign header: the secret key alone authenticates a GET', async () => {
    const id = await paidCharge();
    const response = await fetch(`${base}/v1/charges/${id}`, {
      headers: {
        Authorization: creds.paymax.secretKey,
        sign: 'not-a-signature',
        ContentType: 'application/json',
      },
    });
    expect(response.status).toBe(200);
    expect(JSON.parse((await response.json()).res_data)).toMatchObject({ id, status: 'SUCCEED' });
  });

  it('a channel that refuses the order -> 400 CHANNEL_CHARGE_FAILED with its reason', async () => {
    // The sandbox answers in process, before anything is written: nothing is kept.
    const answer = await refused(400, 'CHANNEL_CHARGE_FAILED', () =>
      post('/v1/charges', chargeBody({ channel: 'lakala_web', extra: { user_id: 'aaa111' } })),
    );
    expect(answer.body.failure_msg).toContain('LKL0001');
  });
});
