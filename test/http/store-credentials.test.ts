import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyShopPass } from '../../src/core/apps/stores.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { Mct1Client, docSign } from '../dialects/store-client.js';
import { newShop } from '../dialects/store-shop.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const MINUTE = 60_000;

/**
 * A store's credentials through the admin API: the supervisor password changed, and the
 * open_key rotated with an overlap window in which a till still on the old key is served
 * (and answered with the key it used), refused once the window has passed (clock moved);
 * plus the bulk import of channel configs, all or nothing.
 */
describe.each(engines())('store credentials and channel config import (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  const nowSec = () => Math.floor(core.clock.now().getTime() / 1000);

  beforeAll(async () => {
    // The real connectors: the channel config import is checked by each one's validateConfig.
    core = await testCore(engine);
    server = await testServer(core);
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const rotate = (storeId: string, body: Record<string, unknown>, token = server.tokens.owner) =>
    call(server, 'POST', `/api/v1/stores/${storeId}/open_key/rotate`, { token, body });

  it('rotates the open_key: the old key works within the window, answered with itself, and not after', async () => {
    const { store, client: oldClient } = await newShop(core, server.url);
    expect((await oldClient.call('paylist', {})).body.errcode).toBe(0);

    for (const role of ['developer', 'finance'] as const) {
      expect((await rotate(store.id, {}, server.tokens[role])).status).toBe(403);
    }
    const rotated = await rotate(store.id, { overlap_minutes: 60 });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const newKey: string = rotated.body.open_key;
    expect(newKey).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(newKey).not.toBe(store.openKey);
    expect(new Date(rotated.body.previous_key_expires_at).getTime()).toBe(
      core.clock.now().getTime() + 60 * MINUTE,
    );
    const newClient = new Mct1Client(server.url, store.openId, newKey, nowSec);

    // Within the window both keys verify; each till's answer is signed and encrypted with its own key.
    const withNew = await newClient.call('paylist', {});
    expect(withNew.body.errcode).toBe(0);
    expect(withNew.signed).toBe(true);
    const withOld = await oldClient.call('paylist', {});
    expect(withOld.body.errcode, JSON.stringify(withOld.body)).toBe(0);
    expect(withOld.signed).toBe(true);
    expect(withOld.data).toEqual(withNew.data);

    core.clock.advance(59 * MINUTE);
    expect((await oldClient.call('paylist', {})).body.errcode).toBe(0);
    core.clock.advance(MINUTE);
    // The window has closed: the old key is a bad sign (errcode 5), signed with the current key.
    const late = await oldClient.call('paylist', {});
    expect(late.body.errcode).toBe(5);
    expect(late.body.sign).toBe(docSign(late.body, newKey));
    expect((await newClient.call('paylist', {})).body.errcode).toBe(0);

    const audit = await core.db.query<{ action: string; data: any }>(
      `SELECT action, data FROM audit_log WHERE target_id = $1`,
      [store.id],
    );
    expect(audit).toEqual([
      { action: 'store.open_key.rotate', data: { overlap_minutes: 60, imported: false } },
    ]);
    expect(
      JSON.stringify(await core.db.query('SELECT * FROM stores WHERE id = $1', [store.id])),
    ).not.toContain(newKey);
  });

  it('rotates without overlap, or to a key chosen elsewhere; refuses a bad one', async () => {
    const { store, client: oldClient } = await newShop(core, server.url);
    const chosen = 'vCfnB1SvPQqUDa7q0AFpqdiGOCICGT92'; // the document's example open_key
    const rotated = await rotate(store.id, { overlap_minutes: 0, open_key: chosen });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ open_key: chosen, previous_key_expires_at: null });
    expect((await oldClient.call('paylist', {})).body.errcode).toBe(5);
    expect(
      (await new Mct1Client(server.url, store.openId, chosen, nowSec).call('paylist', {})).body.errcode,
    ).toBe(0);

    // A second rotation within a window ends the first old key's window at once.
    const next = await rotate(store.id, { overlap_minutes: 30 });
    const third = await rotate(store.id, { overlap_minutes: 30 });
    expect(
      (await new Mct1Client(server.url, store.openId, chosen, nowSec).call('paylist', {})).body.errcode,
    ).toBe(5);
    for (const key of [next.body.open_key, third.body.open_key]) {
      expect(
        (await new Mct1Client(server.url, store.openId, key, nowSec).call('paylist', {})).body.errcode,
      ).toBe(0);
    }

    expect((await rotate(store.id, { open_key: 'short' })).body.error).toMatchObject({ param: 'open_key' });
    expect((await rotate(store.id, { open_key: third.body.open_key })).status).toBe(400);
    expect((await rotate(store.id, { overlap_minutes: 100_000 })).status).toBe(400);
    expect((await rotate('sto_000000000000000000000000', {})).status).toBe(404);
  });

  it('changes the supervisor password, hashed and audited, by the password or its sha1', async () => {
    const { store } = await newShop(core, server.url);
    const change = (body: Record<string, unknown>, token = server.tokens.admin) =>
      call(server, 'POST', `/api/v1/stores/${store.id}/shop_password`, { token, body });
    expect((await change({ password: 'abcdef' }, server.tokens.developer)).status).toBe(403);
    expect((await change({})).status).toBe(400);
    expect((await change({ password: 'abcdef', password_sha1: sha1('x') })).status).toBe(400);
    expect((await change({ password: 'abc' })).body.error.param).toBe('password');
    expect((await verifyShopPass(core, store.id, sha1('123456'))).ok).toBe(true);

    expect((await change({ password: 'abcdef' })).status).toBe(200);
    expect((await verifyShopPass(core, store.id, sha1('abcdef'))).ok).toBe(true);
    expect((await verifyShopPass(core, store.id, sha1('123456'))).ok).toBe(false);

    expect((await change({ password_sha1: sha1('0000').toUpperCase() })).status).toBe(200);
    expect((await verifyShopPass(core, store.id, sha1('0000'))).ok).toBe(true);

    const rows = await core.db.query<{ action: string; data: any }>(
      `SELECT action, data FROM audit_log WHERE target_id = $1 ORDER BY created_at`,
      [store.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['store.shop_password.change', 'store.shop_password.change']);
    expect(JSON.stringify(rows) + JSON.stringify(await core.db.query('SELECT * FROM stores'))).not.toContain(
      sha1('0000'),
    );
    expect(
      (
        await call(server, 'POST', '/api/v1/stores/sto_000000000000000000000000/shop_password', {
          token: server.tokens.owner,
          body: { password: 'abcdef' },
        })
      ).status,
    ).toBe(404);
  });

  it('imports channel configs in bulk: each checked by its connector, all or nothing', async () => {
    const { appId } = await newShop(core, server.url);
    const pem = (type: 'pkcs8' | 'spki') => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return type === 'pkcs8'
        ? privateKey.export({ type, format: 'pem' }).toString()
        : publicKey.export({ type, format: 'pem' }).toString();
    };
    const alipay = {
      app: appId,
      mode: 'live',
      provider: 'alipay',
      settings: { app_id: '2021000000000001' },
      secrets: { private_key: pem('pkcs8'), alipay_public_key: pem('spki') },
    };
    const cash = { app: appId, mode: 'live', provider: 'cash' };
    const brokenWechat = {
      app: appId,
      mode: 'live',
      provider: 'wechatpay',
      settings: { mch_id: '1900000109', appid: 'wx8888888888888888', serial_no: 'ABC' },
      secrets: { private_key: 'not a key', api_v3_key: 'k'.repeat(32), platform_certificate: 'x' },
    };
    const count = async () =>
      (
        await core.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM channel_configs WHERE app_id = $1',
          [appId],
        )
      )[0]!.n;

    const importConfigs = (body: unknown, token = server.tokens.developer) =>
      call(server, 'POST', '/api/v1/channel_configs/import', { token, body });
    expect((await importConfigs([alipay], server.tokens.finance)).status).toBe(403);

    const refused = await importConfigs([alipay, cash, brokenWechat]);
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body.error.param).toBe('[2]');
    expect(refused.body.error.message).toMatch(/wechatpay/);
    expect(await count()).toBe(0);

    const missingKey = await importConfigs([{ ...alipay, secrets: { private_key: 'garbage' } }]);
    expect(missingKey.status).toBe(400);
    expect(await count()).toBe(0);
    expect((await importConfigs([alipay, alipay])).body.error.param).toBe('[1]');

    const saved = await importConfigs([alipay, cash]);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.data.map((c: any) => [c.provider, c.mode, c.created])).toEqual([
      ['alipay', 'live', true],
      ['cash', 'live', true],
    ]);
    expect(await count()).toBe(2);
    const stored = JSON.stringify(
      await core.db.query('SELECT * FROM channel_configs WHERE app_id = $1', [appId]),
    );
    expect(stored).not.toContain(alipay.secrets.private_key.split('\n')[1]);
    const audited = await core.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE target_type = 'channel_config' AND data->>'imported' = 'true'`,
    );
    expect(audited.length).toBe(2);
  });
});
