/**
 * Channel configs as the console edits them: every field checked before saving (all
 * problems at once, each naming its field), a PKCS#12 opened server-side, secrets never
 * shown back, and "test connection": a real signed order query to the upstream, here
 * each provider's simulator, whose answer is verified with the config's platform keys.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/domain/channels.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';

const UPSTREAMS: Provider[] = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'lakala'];

/** A .p12 made by the openssl CLI, as a provider's portal hands it out. */
function pkcs12Of(keyPem: string, certPem: string, password: string, legacy: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'juhe-p12-'));
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem);
    writeFileSync(join(dir, 'cert.pem'), certPem);
    const args = ['pkcs12', '-export', '-inkey', 'key.pem', '-in', 'cert.pem', '-out', 'b.p12'];
    // -legacy: 3DES and RC2 bags with a SHA-1 MAC, what older portals (UnionPay's .pfx) produce.
    if (legacy) args.push('-legacy', '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES');
    execFileSync('openssl', [...args, '-passout', `pass:${password}`], { cwd: dir, stdio: 'pipe' });
    return readFileSync(join(dir, 'b.p12')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(engines())('channel config admin (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const save = (body: Record<string, unknown>, token = server.tokens.developer) =>
    call(server, 'POST', '/api/v1/channel_configs', { token, body: { app: appId, mode: 'test', ...body } });
  const testConnection = (id: string, token = server.tokens.developer) =>
    call(server, 'POST', `/api/v1/channel_configs/${id}/test`, { token });
  /** What the provider's simulator issues a developer: real keys it checks signatures with. */
  const sandboxCredentials = async (provider: Provider) => {
    const config = await core.testModeConfigs!.configFor(provider);
    return { settings: config!.settings, secrets: config!.secrets };
  };
  const configCount = async () =>
    (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM channel_configs'))[0]!.n;

  it.each(UPSTREAMS)(
    '%s: saved with the sandbox credentials, the connection test queries the simulator and verifies its answer',
    async (provider) => {
      const saved = await save({ provider, ...(await sandboxCredentials(provider)) });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      const secretValues = Object.values((await sandboxCredentials(provider)).secrets);
      for (const value of secretValues) expect(JSON.stringify(saved.body)).not.toContain(value);

      const tested = await testConnection(saved.body.id);
      expect(tested.status).toBe(200);
      expect(tested.body, JSON.stringify(tested.body)).toMatchObject({
        ok: true,
        stage: 'answered',
        provider,
        mode: 'test',
        simulator: false,
        error: null,
      });
      // The made-up order does not exist upstream: not paid, and nothing was stored for it.
      expect(['pending', 'failed']).toContain(tested.body.result.status);
      expect(tested.body.latency_ms).toBeGreaterThanOrEqual(0);
      expect(await core.db.query('SELECT id FROM charges WHERE id = $1', [tested.body.order_no])).toEqual([]);
    },
  );

  it('a key the upstream does not know: the simulator refuses the signature and the test says so', async () => {
    const { settings, secrets } = await sandboxCredentials('alipay');
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const saved = await save({
      provider: 'alipay',
      settings,
      secrets: { ...secrets, private_key: stranger },
    });
    expect(saved.status).toBe(200);
    const tested = await testConnection(saved.body.id);
    expect(tested.body.ok).toBe(false);
    expect(tested.body.stage).toBe('upstream');
    expect(JSON.stringify(tested.body.result ?? tested.body.error)).toMatch(/sign/i);
    const audit = await call(
      server,
      'GET',
      `/api/v1/audit_log?action=channel_config.test&target_id=${saved.body.id}`,
      { token: server.tokens.owner },
    );
    // The same config may have passed an earlier test at the same instant of the test clock.
    expect(audit.body.data.map((e: { data: { ok: boolean } }) => e.data.ok)).toContain(false);
  });

  it('the simulator stand-in is tested against the simulator default merchant', async () => {
    const saved = await save({ provider: 'lakala', settings: { simulator: true } });
    expect(saved.status).toBe(200);
    const tested = await testConnection(saved.body.id);
    expect(tested.body).toMatchObject({ ok: true, simulator: true });
  });

  it('refuses a config field by field, every problem at once, and writes nothing', async () => {
    const before = await configCount();
    const refused = await save({
      mode: 'live', // none saved yet: every required field is missing
      provider: 'wechatpay',
      settings: { mch_id: '12ab', appid: 'wx8888', timeout_ms: 'soon', appId: 'typo' },
      secrets: { private_key: '-----BEGIN PRIVATE KEY-----\nMIIEv-truncated', api_v3_key: 'short' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_parameter');
    const params = (refused.body.error.errors as { param: string }[]).map((e) => e.param).sort();
    expect(params).toEqual([
      'secrets.api_v3_key',
      'secrets.platform_certificate',
      'secrets.private_key',
      'settings.appId',
      'settings.mch_id',
      'settings.serial_no',
      'settings.timeout_ms',
    ]);
    expect(refused.body.error.param).toBe(refused.body.error.errors[0].param);
    expect(JSON.stringify(refused.body)).not.toContain('MIIEv-truncated');
    expect(await configCount()).toBe(before);
  });

  it('opens a PKCS#12 (legacy and AES) into the key and certificate fields; a wrong password names the file', async () => {
    const { settings, secrets } = await sandboxCredentials('unionpay');
    for (const legacy of [true, false]) {
      const data = pkcs12Of(secrets.sign_private_key!, secrets.sign_cert!, 'p12-pass', legacy);
      const wrong = await save({
        provider: 'unionpay',
        settings,
        secrets: { middle_cert: secrets.middle_cert!, root_cert: secrets.root_cert! },
        pkcs12: { data, password: 'nope' },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatchObject({ code: 'invalid_parameter', param: 'pkcs12.data' });

      const { cert_id: _derivedFromTheCertificate, ...withoutCertId } = settings;
      const saved = await save({
        provider: 'unionpay',
        settings: withoutCertId,
        secrets: { middle_cert: secrets.middle_cert!, root_cert: secrets.root_cert! },
        pkcs12: { data, password: 'p12-pass' },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body.secrets_set).toEqual(['middle_cert', 'root_cert', 'sign_cert', 'sign_private_key']);
      expect(JSON.stringify(saved.body)).not.toContain('PRIVATE KEY');
      // The key and certificate came out whole: the simulator accepts what they sign.
      const tested = await testConnection(saved.body.id);
      expect(tested.body, JSON.stringify(tested.body)).toMatchObject({ ok: true, stage: 'answered' });
    }
    const garbage = await save({ provider: 'unionpay', pkcs12: { data: 'bm90IGEgcDEy', password: 'x' } });
    expect(garbage.body.error).toMatchObject({ code: 'invalid_parameter', param: 'pkcs12.data' });
  });

  it('lists each provider fields; only channels.write may test; an offline tender has nothing to test', async () => {
    const fields = await call(server, 'GET', '/api/v1/channel_configs/fields', {
      token: server.tokens.viewer,
    });
    expect(fields.body.data.alipay.map((f: { name: string }) => f.name)).toEqual([
      'app_id',
      'gateway_url',
      'timeout_ms',
      'private_key',
      'alipay_public_key',
    ]);
    const listed = await call(server, 'GET', `/api/v1/channel_configs?app=${appId}`, {
      token: server.tokens.viewer,
    });
    const some = listed.body.data[0].id as string;
    expect((await testConnection(some, server.tokens.viewer)).status).toBe(403);
    expect((await testConnection(some, server.tokens.finance)).status).toBe(403);
    const cash = await save({ provider: 'cash' });
    expect(cash.status).toBe(200);
    const tested = await testConnection(cash.body.id);
    expect(tested.status).toBe(400);
    expect(tested.body.error.code).toBe('channel_not_supported');
    const missing = await testConnection('cc_000000000000000000000000');
    expect(missing.status).toBe(404);
  });
});
