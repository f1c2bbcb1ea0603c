import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { createEndpoint } from '../../src/deliveries/endpoints.js';
import { NotifyEngine } from '../../src/deliveries/worker.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { startGateway } from './gateway.js';
import { newPaymaxApp } from './paymax-app.js';
import { merchantSign, platformSigned } from './paymax-client.js';

// As the server does where the process is wired: these suites run the engine without one.

/**
 * The whole Paymax loop on a real network: a merchant creates and refunds through the
 * Paymax API, the notification engine delivers Paymax webhooks to the merchant's HTTP
 * endpoint, and the merchant verifies `Sign` over the raw body with the platform public key
 * (as the Paymax SDKs do) and finds the same object the API answers.
 */
interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

describe.each(engines())('paymax webhooks delivered end to end (%s)', (engine) => {
  let core: TestCore;
  let api: FastifyInstance;
  let apiBase: string;
  let receiver: Server;
  let receiverUrl: string;
  let notify: NotifyEngine;
  let creds: IssuedCredentials;
  const received: Received[] = [];
  /** Status codes the receiver answers with, in order; then 200. */
  const answers: number[] = [];

  beforeAll(async () => {
    // Connectors pinned to the sandbox: this suite is about the webhook loop, not a channel.
    const sandbox = sandboxConnector();
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: sandbox, wechatpay: sandbox }) });
    const { appId, credentials } = await newPaymaxApp(core, false);
    creds = credentials;

    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, raw: Buffer.concat(chunks) });
        response.statusCode = answers.shift() ?? 200;
        response.end('success');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/payMax_webHook`;
    await createEndpoint(
      core.db,
      core,
      { appId, url: receiverUrl, format: 'paymax', livemode: false },
      { allowPrivateTargets: true },
    );

    ({ server: api, base: apiBase } = await startGateway(core));
    notify = new NotifyEngine(core, { allowPrivateTargets: true });
  });

  afterAll(async () => {
    await notify?.close();
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await core?.drop();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: creds.paymax.secretKey,
    };
    let raw: string | undefined;
    if (body !== undefined) {
      raw = JSON.stringify(body);
      headers.sign = merchantSign(raw, creds.paymax.merchantPrivateKeyPem!);
    }
    const response = await fetch(apiBase + path, { method, headers, body: raw });
    const envelope = await response.json();
    expect(response.status, JSON.stringify(envelope)).toBe(200);
    expect(platformSigned(envelope.res_data, envelope.sign, creds.paymax.platformPublicKeyPem)).toBe(true);
    return JSON.parse(envelope.res_data);
  }

  /** What a merchant's webhook handler does: verify Sign over the raw bytes, then parse. */
  function verified(message: Received) {
    expect(message.headers['content-type']).toBe('application/json;charset=UTF-8');
    const sign = message.headers.sign as string;
    expect(platformSigned(message.raw, sign, creds.paymax.platformPublicKeyPem)).toBe(true);
    return JSON.parse(message.raw.toString('utf8'));
  }

  it('delivers CHARGE and REFUND notifications that verify and match the API objects', async () => {
    const charge = await call('POST', '/v1/charges', {
      order_no: 'WEBHOOK0001',
      amount: 0.01,
      subject: '我系商品',
      body: '我系中文',
      channel: 'wechat_csb',
      app: creds.paymax.app,
      client_ip: '127.0.0.1',
      description: '',
    });
    await notify.runDue();
    expect(received).toHaveLength(0); // charge.created is not a Paymax notification

    core.clock.advance(5_000);
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: '17060520566929' });
    await notify.runDue();
    expect(received).toHaveLength(1);
    const paid = verified(received[0]);
    expect(paid).toMatchObject({ type: 'CHARGE', notifyNo: expect.stringMatching(/^evt_/) });
    expect(paid.data).toEqual(await call('GET', `/v1/charges/${charge.id}`));
    expect(paid.data).toMatchObject({ status: 'SUCCEED', amount: 0.01, transaction_no: '17060520566929' });

    const refund = await call('POST', `/v1/charges/${charge.id}/refunds`, { description: '退款' });
    await notify.runDue();
    expect(received).toHaveLength(2);
    const refunded = verified(received[1]);
    expect(refunded.type).toBe('REFUND');
    expect(refunded.data).toEqual(refund);
    expect(refunded.data).toEqual(await call('GET', `/v1/charges/${charge.id}/refunds/${refund.id}`));
    expect(refunded.notifyNo).not.toBe(paid.notifyNo);
  });

  it('retries a delivery the merchant did not acknowledge with HTTP 200, same notifyNo, fresh valid Sign', async () => {
    const charge = await call('POST', '/v1/charges', {
      order_no: 'WEBHOOK0002',
      amount: 12.5,
      subject: 's',
      body: 'b',
      channel: 'alipay_app',
      app: creds.paymax.app,
      client_ip: '::1',
    });
    const before = received.length;
    answers.push(500, 201);
    await applyChargeResult(core, charge.id, { status: 'succeeded', transactionNo: 'T2' });
    await notify.runDue();
    expect(received).toHaveLength(before + 1);

    // Exponential: 15 s after the first failure, then 30 s after the second.
    core.clock.advance(15_000);
    await notify.runDue();
    expect(received).toHaveLength(before + 2);
    core.clock.advance(29_000);
    await notify.runDue();
    expect(received).toHaveLength(before + 2);
    core.clock.advance(1_000);
    await notify.runDue();
    expect(received).toHaveLength(before + 3);
    core.clock.advance(24 * 3600_000);
    await notify.runDue();
    expect(received).toHaveLength(before + 3); // acknowledged: no more attempts

    const attempts = received.slice(before).map(verified);
    expect(new Set(attempts.map((a) => a.notifyNo)).size).toBe(1);
    for (const attempt of attempts) expect(attempt.data).toMatchObject({ id: charge.id, status: 'SUCCEED' });
  });
});
