import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../../src/core/apps/create-app.js';
import { verifyShopPass } from '../../src/core/apps/stores.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { postRaw } from '../dialects/maxpay-app.js';
import { PaymaxClient } from '../dialects/paymax-client.js';
import { Mct1Client } from '../dialects/store-client.js';
import { UnifiedClient } from '../dialects/unified-client.js';
import { documentOrder, genericSandboxes } from '../dialects/unified-domain.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Keys as a merchant's existing clients hold them, in the forms Paymax consoles and SDKs hand out. */
function rsa(bits: number) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privatePkcs8Pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privatePkcs1Pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    // "MIGfMA0G...": what the Paymax console shows and the PHP SDK's config holds.
    publicBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/**
 * Bring your own keys (issue #12): credentials a merchant's clients already hold are
 * imported through the admin API, and each dialect's client then works with them,
 * unchanged; duplicates are 409 and bad keys 400, naming the field and writing nothing;
 * every import is audited without its secrets, which are sealed at rest.
 */
describe.each(engines())('credential import (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let merchantId: string;
  let seq = 0;
  const merchantKeys = rsa(1024); // Paymax's own SDK examples use 1024-bit merchant keys
  const platformKeys = rsa(2048);
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);

  /** A full import document of one mode, every id and secret fresh (`n` makes them unique). */
  function document(n = ++seq) {
    const hex = (s: string, len: number) => createHash('md5').update(`${s}${n}`).digest('hex').slice(0, len);
    return {
      maxpay: {
        app_id: hex('maxpay', 24),
        master_key: `Mk${hex('master', 22)}`,
        session_tokens: [`St${hex('session', 22)}`],
      },
      paymax: {
        app_key: `app_${hex('app', 16)}`,
        secret_key: `sk_test_${hex('secret', 24)}`,
        merchant_public_key: merchantKeys.publicBase64,
        platform_private_key: platformKeys.privatePkcs1Pem,
        platform_public_key: platformKeys.publicPem,
      },
      unified: { domain_code: `d${hex('domain', 9)}`, domain_secret: `ds${hex('dsecret', 10)}` },
      stores: [
        { name: '老门店', open_id: hex('open', 32), open_key: hex('key', 32), shop_password: '654321' },
      ],
    };
  }

  const counts = async () =>
    (
      await core.db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM apps) AS apps,
                (SELECT count(*)::int FROM app_credentials WHERE revoked_at IS NULL) AS credentials,
                (SELECT count(*)::int FROM stores) AS stores,
                (SELECT count(*)::int FROM audit_log) AS audit`,
      )
    )[0];

  const importApp = (body: Record<string, unknown>, token = server.tokens.owner) =>
    call(server, 'POST', '/api/v1/apps/import', {
      token,
      body: { merchant: merchantId, name: `imported ${++seq}`, ...body },
    });

  beforeAll(async () => {
    core = await testCore(engine, { connectors: genericSandboxes() });
    server = await testServer(core);
    merchantId = (await createMerchant(core.db, core, { name: '老商户' })).id;
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it("imports every dialect's keys, and each dialect's client works with them unchanged", async () => {
    const keys = document();
    const created = await importApp({ test: keys });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const [mode] = created.body.imported;
    expect(mode.credentials.map((c: any) => [c.kind, c.public_id])).toEqual([
      ['maxpay', keys.maxpay.app_id],
      ['paymax', keys.paymax.app_key],
      ['platform', expect.stringMatching(/^pk_/)],
      ['unified', keys.unified.domain_code],
    ]);
    expect(mode.platform_public_key).toBe(platformKeys.publicPem);
    const port = Number(new URL(server.url).port);

    // maxpay: the session token and the master key the SDKs were configured with.
    const records = await postRaw(port, '/2.0/maxpay/records', '{}', {
      'Content-Type': 'application/json;charset=utf-8;',
      'X-ML-AppId': keys.maxpay.app_id,
      'X-ML-Session-Token': keys.maxpay.session_tokens[0]!,
    });
    expect(records.body.code, JSON.stringify(records.body)).toBe(0);
    const wrong = await postRaw(port, '/2.0/maxpay/records', '{}', {
      'Content-Type': 'application/json',
      'X-ML-AppId': keys.maxpay.app_id,
      'X-ML-Session-Token': 'not-the-token',
    });
    expect(wrong.body.code).not.toBe(0);

    // paymax: signed with the merchant's own private key; the answer verifies with the
    // platform public key its clients already trust (the client throws otherwise).
    const paymax = new PaymaxClient(
      server.url,
      keys.paymax.secret_key,
      merchantKeys.privatePkcs8Pem,
      platformKeys.publicPem,
    );
    const charge = await paymax.post('/v1/charges', {
      order_no: `PM${Date.now()}`,
      amount: 3.21,
      subject: '导入的密钥',
      body: 'byok',
      channel: 'alipay_app',
      app: keys.paymax.app_key,
      client_ip: '127.0.0.1',
    });
    expect(charge.status, JSON.stringify(charge)).toBe(200);
    expect(charge.data).toMatchObject({ app: keys.paymax.app_key, amount: 3.21, status: 'PROCESSING' });
    const forged = await paymax.post(
      '/v1/charges',
      {
        order_no: `PM${Date.now()}x`,
        amount: 1,
        subject: 's',
        body: 'b',
        channel: 'alipay_app',
        app: keys.paymax.app_key,
      },
      { privateKeyPem: rsa(1024).privatePkcs8Pem },
    );
    expect(forged.error?.failure_code).toBe('SIGN_CHECK_FAILED');

    // unified: the entry parameters signed with the domainSecret.
    const unified = new UnifiedClient(server.url, keys.unified.domain_code, keys.unified.domain_secret);
    const paid = await unified.pcPay({
      ...unified.entry(documentOrder(`rk${Date.now()}`)),
      payTypeCode: 'Alipay',
    });
    expect(paid.body.errcode, JSON.stringify(paid.body)).toBe('0');
    const badSecret = new UnifiedClient(server.url, keys.unified.domain_code, 'another-secret');
    const refused = await badSecret.pcPay({
      ...badSecret.entry(documentOrder(`rk${Date.now()}b`)),
      payTypeCode: 'Alipay',
    });
    expect(refused.body.errcode).not.toBe('0');

    // store: AES-256-ECB data and md5(sha1) sign with the imported open_key; its answer is
    // encrypted and signed with the same key; the imported supervisor password verifies.
    const [store] = keys.stores;
    const pos = new Mct1Client(server.url, store!.open_id, store!.open_key, nowSec);
    const paylist = await pos.call('paylist', {});
    expect(paylist.body.errcode, JSON.stringify(paylist.body)).toBe(0);
    expect(paylist.signed).toBe(true);
    expect(Array.isArray(paylist.data)).toBe(true);
    const storeId = mode.stores[0].id;
    expect((await verifyShopPass(core, storeId, sha1('654321'))).ok).toBe(true);
    expect((await verifyShopPass(core, storeId, sha1('123456'))).ok).toBe(false);
  });

  it('keeps every imported secret sealed at rest and audits the import without them', async () => {
    const keys = document();
    const created = await importApp({ live: keys });
    expect(created.status).toBe(201);
    const appId = created.body.id;
    const stored = JSON.stringify([
      ...(await core.db.query('SELECT * FROM app_credentials WHERE app_id = $1', [appId])),
      ...(await core.db.query('SELECT * FROM stores WHERE app_id = $1', [appId])),
      ...(await core.db.query('SELECT * FROM audit_log')),
    ]);
    const platformBody = platformKeys.privatePkcs8Pem.split('\n')[1]!;
    for (const secret of [
      keys.maxpay.master_key,
      keys.maxpay.session_tokens[0]!,
      keys.paymax.secret_key,
      keys.unified.domain_secret,
      keys.stores[0]!.open_key,
      sha1('654321'),
      platformBody,
    ]) {
      expect(stored).not.toContain(secret);
    }
    // The public halves are stored as they are looked up.
    expect(stored).toContain(keys.maxpay.app_id);

    const audit = await core.db.query<{ action: string; actor_type: string; data: any }>(
      `SELECT action, actor_type, data FROM audit_log WHERE target_id = $1 OR target_id IN
         (SELECT id FROM stores WHERE app_id = $1) ORDER BY created_at, action`,
      [appId],
    );
    expect(audit.map((a) => a.action).sort()).toEqual([
      'app.create',
      'app.credentials.import',
      'store.import',
    ]);
    expect(audit.every((a) => a.actor_type === 'token')).toBe(true);
    const entry = audit.find((a) => a.action === 'app.credentials.import')!;
    expect(entry.data).toMatchObject({
      mode: 'live',
      stores: [keys.stores[0]!.open_id],
      platform_key: 'imported',
    });
    expect(entry.data.credentials).toContainEqual({ kind: 'paymax', public_id: keys.paymax.app_key });
  });

  it('refuses a credential another app already uses with 409 naming it, writing nothing', async () => {
    const taken = document();
    expect((await importApp({ test: taken })).status).toBe(201);
    const cases: [string, (d: ReturnType<typeof document>) => void][] = [
      ['test.maxpay.app_id', (d) => (d.maxpay.app_id = taken.maxpay.app_id)],
      ['test.paymax.app_key', (d) => (d.paymax.app_key = taken.paymax.app_key)],
      ['test.paymax.secret_key', (d) => (d.paymax.secret_key = taken.paymax.secret_key)],
      ['test.unified.domain_code', (d) => (d.unified.domain_code = taken.unified.domain_code)],
      ['test.stores[0].open_id', (d) => (d.stores[0]!.open_id = taken.stores[0]!.open_id)],
    ];
    for (const [field, reuse] of cases) {
      const fresh = document();
      reuse(fresh);
      const before = await counts();
      const answer = await importApp({ test: fresh });
      expect(answer.status, field).toBe(409);
      expect(answer.body.error).toMatchObject({ code: 'already_exists', param: field });
      expect(answer.body.error.message).toContain(field);
      expect(await counts()).toEqual(before);
    }
    // The same store twice in one document: the unique index, same answer.
    const twice = document();
    twice.stores.push({ ...twice.stores[0]!, name: 'again' });
    const before = await counts();
    const answer = await importApp({ test: twice });
    expect(answer.status).toBe(409);
    expect(answer.body.error.param).toBe('test.stores[1].open_id');
    expect(await counts()).toEqual(before);
    // A maxpay app id of test mode cannot be live mode's too (ids are looked up without a mode).
    const both = document();
    const again = await importApp({ test: both, live: { maxpay: both.maxpay } });
    expect(again.status).toBe(409);
    expect(again.body.error.param).toBe('live.maxpay.app_id');
  });

  it('refuses keys a client could not use with 400 naming the field, writing nothing', async () => {
    const other = rsa(1024);
    const cases: [string, (d: any) => void][] = [
      [
        'test.paymax.merchant_public_key',
        (d) => (d.paymax.merchant_public_key = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ'),
      ],
      ['test.paymax.merchant_public_key', (d) => (d.paymax.merchant_public_key = other.privatePkcs8Pem)],
      ['test.paymax.platform_public_key', (d) => (d.paymax.platform_public_key = other.publicPem)],
      ['test.paymax.platform_public_key', (d) => delete d.paymax.platform_public_key],
      [
        'test.paymax.platform_private_key',
        (d) =>
          (d.paymax.platform_private_key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
      ],
      ['test.maxpay.master_key', (d) => (d.maxpay.master_key = 'has a space in it')],
      ['test.maxpay.app_id', (d) => (d.maxpay.app_id = 'app/id')],
      ['test.unified.domain_secret', (d) => (d.unified.domain_secret = 'abc')],
      ['test.stores[0].open_key', (d) => (d.stores[0].open_key = 'x'.repeat(31))],
      ['test.stores[0].shop_password_sha1', (d) => (d.stores[0].shop_password_sha1 = 'nothex')],
      ['test.paymax.secretKey', (d) => (d.paymax.secretKey = 'misspelt')],
      // A missing field is the schema's to refuse (OpenAPI shows it required): named by its key.
      ['domain_code', (d) => delete d.unified.domain_code],
    ];
    for (const [field, spoil] of cases) {
      const bad = document();
      spoil(bad);
      if (field === 'test.stores[0].shop_password_sha1') delete (bad.stores[0] as any).shop_password;
      const before = await counts();
      const answer = await importApp({ test: bad });
      expect(answer.status, `${field}: ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.error.param).toBe(field);
      expect(await counts()).toEqual(before);
    }
  });

  it('adds imported keys to an existing app, replacing that kind, and only credential managers may', async () => {
    const first = await importApp({ test: document() });
    const appId = first.body.id;
    const keys = document();
    for (const role of ['developer', 'finance', 'viewer'] as const) {
      const denied = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/import`, {
        token: server.tokens[role],
        body: { test: { unified: keys.unified } },
      });
      expect(denied.status, role).toBe(403);
    }
    const added = await call(server, 'POST', `/api/v1/apps/${appId}/credentials/import`, {
      token: server.tokens.admin,
      body: { test: { unified: keys.unified } },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const active = await core.db.query<{ public_id: string }>(
      `SELECT public_id FROM app_credentials WHERE app_id = $1 AND kind = 'unified' AND revoked_at IS NULL`,
      [appId],
    );
    expect(active).toEqual([{ public_id: keys.unified.domain_code }]);
    const unified = new UnifiedClient(server.url, keys.unified.domain_code, keys.unified.domain_secret);
    const paid = await unified.pcPay({
      ...unified.entry(documentOrder(`rk${Date.now()}a`)),
      payTypeCode: 'Alipay',
    });
    expect(paid.body.errcode).toBe('0');
    const missing = await call(
      server,
      'POST',
      '/api/v1/apps/app_000000000000000000000000/credentials/import',
      {
        token: server.tokens.owner,
        body: { test: { unified: document().unified } },
      },
    );
    expect(missing.status).toBe(404);
  });
});
