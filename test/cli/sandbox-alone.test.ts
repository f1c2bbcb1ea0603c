/**
 * `juhe sandbox`: every simulator alone on its own database and port; a gateway elsewhere
 * points its test-mode channel config at it, as at a provider's own sandbox, and a charge
 * is created there and paid by the sandbox payer, the notification crossing over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/cli/sandbox.js';
import { useChannelGateway } from '../support/channel-gateway.js';
import { engines, freshDb } from '../support/db.js';
import { numberedCharges } from '../support/numbered-charges.js';

describe.each(engines())('juhe sandbox alone, a gateway pointed at it (%s)', (engine) => {
  const gateway = useChannelGateway(engine, { merchant: 'Remote sandbox merchant' });
  let sandbox: RunningSandbox;
  let dropSandboxDb: () => Promise<void>;

  beforeAll(async () => {
    const { db, drop } = await freshDb(engine);
    dropSandboxDb = drop;
    // The sandbox keeps the gateway's hand-moved time, so a charge's expiry means the same to both.
    sandbox = await startSandbox({
      db,
      masterKey: randomBytes(32),
      port: 0,
      host: '127.0.0.1',
      logLevel: process.env.JUHE_TEST_LOG ?? 'silent',
      clock: gateway.core.clock,
    });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.close();
    await dropSandboxDb?.();
  });

  const charges = numberedCharges(gateway, 'remote', {
    channel: 'alipay',
    amount: 1000,
    currency: 'CNY',
    subject: 'Tea',
  });

  it('prints a default merchant per provider, with its base URL on the sandbox', () => {
    expect(sandbox.merchants.alipay.settings.gateway_url).toBe(`${sandbox.url}/sandbox/alipay/gateway.do`);
    expect(sandbox.merchants.wechatpay.settings.base_url).toBe(`${sandbox.url}/sandbox/wechatpay/`);
    expect(sandbox.merchants.lakala.settings.base_url).toBe(`${sandbox.url}/sandbox/lakala`);
    expect(sandbox.merchants.paypal.settings.base_url).toBe(`${sandbox.url}/sandbox/paypal`);
    expect(sandbox.merchants.unionpay.settings.base_url).toBe(`${sandbox.url}/sandbox/unionpay/gateway/api/`);
  });

  it.each(['alipay', 'wechatpay'] as const)(
    '%s: created in the remote sandbox and paid once',
    async (provider) => {
      const { settings, secrets } = sandbox.merchants[provider];
      const appId = await gateway.newApp(`Remote ${provider}`, 'Shop');
      await gateway.configureChannel(appId, provider, settings, secrets);
      const c = await charges.create({ appId, channel: provider, method: 'qr' });
      expect(c.status).toBe('pending');
      expect(JSON.stringify(c.credential)).toContain(sandbox.url);
      const paid = await gateway.testHelper(c, 'pay');
      expect(paid.body).toMatchObject({ status: 'succeeded', applied: true });
      expect(await gateway.events(c.id)).toEqual(['charge.created', 'charge.succeeded']);
    },
  );
});
