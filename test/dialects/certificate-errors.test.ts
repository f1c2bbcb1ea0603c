/**
 * A channel config whose key or certificate cannot be read is MaxPay's documented
 * CERT_FILE_ERROR (6, "证书错误"), an HTTP 200 body like every MaxPay answer. The connectors
 * check the config's keys when they resolve the merchant of a call, before anything is sent
 * upstream (src/channels/_kit/config-keys.ts), so the error names the secret to fix; the
 * attempt is recorded as a failed charge with that code, as every refused channel call is.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { saveUncheckedChannelConfig } from '../support/unchecked-channel-config.js';

type Credentials = Awaited<ReturnType<typeof seedApp>>['credentials'];

describe.each(engines())('an unreadable channel key or certificate (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  let keys: Credentials;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    core.publicUrl = server.url;
    const seeded = await seedApp(core);
    appId = seeded.app.id;
    keys = seeded.credentials;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  // Past the admin API, which refuses an unreadable key at the door: here it must reach a call.
  const configure = (provider: string, settings: object, secrets: Record<string, string>) =>
    saveUncheckedChannelConfig(core, { appId, provider, settings, secrets });
  const bill = async (channel: string, billNum: string) => {
    const response = await fetch(`${server.url}/2.0/maxpay/bill`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json;charset=utf-8;',
        'X-ML-AppId': keys.maxpay.appId,
        'X-ML-Session-Token': keys.maxpay.sessionToken,
      },
      body: JSON.stringify({ channel, totalFee: 100, subject: '咖啡', billNum }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const attemptsOf = (orderNo: string) =>
    core.db.query<{ status: string; failure_code: string | null; transaction_no: string | null }>(
      'SELECT status, failure_code, transaction_no FROM charges WHERE order_no = $1',
      [orderNo],
    );
  const failedOnConfig = [
    { status: 'failed', failure_code: 'channel_certificate_invalid', transaction_no: null },
  ];

  it('maxpay bill on WeChat Pay with an unreadable platform certificate: code 6 CERT_FILE_ERROR, the attempt failed on its config', async () => {
    const configId = await configure(
      'wechatpay',
      { mch_id: '1900000109', appid: 'wx0000000000000001', serial_no: 'ABC123' },
      {
        private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
        api_v3_key: 'k'.repeat(32),
        platform_certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      },
    );
    const answer = await bill('wx_native', 'CERTWX0001');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code: 6, msg: 'CERT_FILE_ERROR' });
    expect(String(answer.body.err)).toContain('secrets.platform_certificate');
    expect(await attemptsOf('CERTWX0001')).toEqual(failedOnConfig);
    await call(server, 'DELETE', `/api/v1/channel_configs/${configId}`, { token: server.tokens.owner });
  });

  it('maxpay bill on Alipay with an unreadable private key: code 6 CERT_FILE_ERROR, the attempt failed on its config', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await configure(
      'alipay',
      { app_id: '2021000000000001' },
      {
        private_key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ-truncated',
        alipay_public_key: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      },
    );
    const answer = await bill('ali_app', 'CERTALI0001');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code: 6, msg: 'CERT_FILE_ERROR' });
    expect(String(answer.body.err)).toContain('secrets.private_key');
    expect(await attemptsOf('CERTALI0001')).toEqual(failedOnConfig);
  });
});
