import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { type TestServer, call, testServer } from '../support/server.js';
import { newShop } from './store-shop.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * Per-store pmt_tag aliases (issue 12, compatibility item 3): a bank's own tag, hard-coded
 * by its tills (FACTS "Seen in real clients since": AlipayZL, WeixinCDZH, ...), managed
 * through the admin API and then accepted by payorder, payrefund and the order list, and
 * listed by paylist; driven with the document-written client against the simulators.
 */
describe.each(engines())('store dialect: pmt_tag aliases (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  const putAlias = (storeId: string, tag: string, body: unknown, token = server.tokens.owner) =>
    call(server, 'PUT', `/api/v1/stores/${storeId}/pay-tags/${tag}`, { token, body });

  it('manages aliases through the admin API: roles, validation, no shadowing of built-in tags, audit', async () => {
    const { store } = await newShop(core, server.url);
    for (const role of ['viewer', 'finance'] as const) {
      expect((await putAlias(store.id, 'AlipayZL', { provider: 'alipay' }, server.tokens[role])).status).toBe(
        403,
      );
    }
    const created = await putAlias(store.id, 'AlipayZL', { provider: 'alipay' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ store: store.id, tag: 'AlipayZL', provider: 'alipay', name: null });
    core.clock.advance(1000); // the audit entries below are ordered by time
    const changed = await putAlias(store.id, 'AlipayZL', { provider: 'wechatpay', name: '微信(招行)' });
    expect(changed.body).toMatchObject({ tag: 'AlipayZL', provider: 'wechatpay', name: '微信(招行)' });
    core.clock.advance(1000);

    // A built-in tag in any case, a bad name, an unknown provider or store: refused, nothing stored.
    const shadow = await putAlias(store.id, 'alipaycs', { provider: 'alipay' });
    expect(shadow.status).toBe(409);
    expect(shadow.body.error.code).toBe('already_exists');
    expect((await putAlias(store.id, 'Cash', { provider: 'alipay' })).status).toBe(409);
    expect((await putAlias(store.id, '9Weixin', { provider: 'wechatpay' })).status).toBe(400);
    expect((await putAlias(store.id, 'WeixinOL', { provider: 'cash' })).status).toBe(400);
    const missing = await putAlias('sto_' + '0'.repeat(24), 'WeixinOL', { provider: 'wechatpay' });
    expect(missing.status).toBe(404);

    const listed = await call(server, 'GET', `/api/v1/stores/${store.id}/pay-tags`, {
      token: server.tokens.finance,
    });
    expect(listed.body.data).toEqual([
      expect.objectContaining({ tag: 'AlipayZL', provider: 'wechatpay', name: '微信(招行)' }),
    ]);

    const del = (tag: string) =>
      call(server, 'DELETE', `/api/v1/stores/${store.id}/pay-tags/${tag}`, { token: server.tokens.owner });
    expect((await del('AlipayZL')).status).toBe(204);
    expect((await del('AlipayZL')).status).toBe(404);

    const audit = await core.db.query<{ action: string; data: any }>(
      'SELECT action, data FROM audit_log WHERE target_id = $1 ORDER BY created_at, id',
      [store.id],
    );
    expect(audit).toEqual([
      { action: 'store.pay_tag.set', data: { tag: 'AlipayZL', provider: 'alipay', name: null } },
      { action: 'store.pay_tag.set', data: { tag: 'AlipayZL', provider: 'wechatpay', name: '微信(招行)' } },
      { action: 'store.pay_tag.delete', data: { tag: 'AlipayZL' } },
    ]);
  });

  it('paylist lists the store aliases; payorder, the order list and payrefund accept them', async () => {
    const { store, client } = await newShop(core, server.url);
    const other = await newShop(core, server.url);
    expect((await putAlias(store.id, 'AlipayZL', { provider: 'alipay' })).status).toBe(200);
    expect(
      (await putAlias(store.id, 'WeixinCDZH', { provider: 'wechatpay', name: '微信支付(成都)' })).status,
    ).toBe(200);

    const paylist = await client.call('paylist', { pmt_type: '2,3' });
    expect(paylist.body.errcode).toBe(0);
    expect(paylist.signed).toBe(true);
    const tags = paylist.data.map((t: any) => t.pmt_tag);
    expect(tags).toEqual(['AlipayCS', 'WeixinBERL', 'Cash', 'Diy', 'AlipayZL', 'WeixinCDZH']);
    expect(paylist.data[5]).toMatchObject({
      pmt_tag: 'WeixinCDZH',
      pmt_name: '微信支付(成都)',
      pmt_internal_name: 'WeixinCDZH',
      pmt_type: '2,3,4',
      pmt_icon: '/Public/images/Weixin.jpg',
    });
    expect(paylist.data[4]).toMatchObject({ pmt_tag: 'AlipayZL', pmt_name: '支付宝' });
    // Another store has no such tags.
    expect((await other.client.call('paylist', {})).data.map((t: any) => t.pmt_tag)).not.toContain(
      'AlipayZL',
    );

    const ordered = await client.call('payorder', {
      out_no: 'A1',
      pmt_tag: 'AlipayZL',
      original_amount: 1999,
      trade_amount: 1999,
    });
    expect(ordered.body.errcode, JSON.stringify(ordered.body)).toBe(0);
    expect(ordered.data).toMatchObject({
      out_no: 'A1',
      pmt_tag: 'AlipayZL',
      pmt_name: '支付宝',
      status: '2',
    });
    expect(ordered.data.trade_qrcode).toEqual(expect.any(String));
    const wx = await client.call('payorder', {
      out_no: 'W1',
      pmt_tag: 'WeixinCDZH',
      original_amount: 100,
      trade_amount: 100,
    });
    expect(wx.body.errcode, JSON.stringify(wx.body)).toBe(0);
    const charges = await core.db.query<{ id: string; order_sn: string; channel: string; method: string }>(
      'SELECT id, order_sn, channel, method FROM charges WHERE store_id = $1 ORDER BY order_no',
      [store.id],
    );
    expect(charges.map((c) => [c.channel, c.method])).toEqual([
      ['alipay', 'qr'],
      ['wechatpay', 'qr'],
    ]);

    // Case matters, and the other store cannot use this store's alias: 8007, nothing written.
    for (const [c, tag] of [
      [client, 'alipayzl'],
      [other.client, 'AlipayZL'],
    ] as const) {
      const refused = await c.call('payorder', {
        out_no: 'X1',
        pmt_tag: tag,
        original_amount: 1,
        trade_amount: 1,
      });
      expect(refused.body.errcode).toBe(8007);
    }
    expect((await core.db.query('SELECT 1 FROM store_orders WHERE out_no = $1', ['X1'])).length).toBe(0);

    const listed = await client.call('order', { pmt_tag: 'AlipayZL' });
    expect(listed.body.errcode).toBe(0);
    expect(listed.data.list.map((o: any) => [o.out_no, o.pmt_tag])).toEqual([['A1', 'AlipayZL']]);

    // The payer pays in the Alipay simulator; the refund goes back through it.
    const paid = await call(server, 'POST', `/api/v1/test_helpers/charges/${charges[0]!.id}/pay`, {
      token: server.tokens.owner,
      body: {},
    });
    expect(paid.status, JSON.stringify(paid.body)).toBeLessThan(300);
    expect((await client.call('paystatus', { out_no: 'A1' })).data).toMatchObject({ status: '1' });
    const refund = await client.call('payrefund', {
      out_no: 'A1',
      refund_out_no: 'A1R',
      refund_amount: 999,
      shop_pass: sha1('123456'),
    });
    expect(refund.body.errcode, JSON.stringify(refund.body)).toBe(0);
    expect(refund.data).toMatchObject({ out_no: 'A1R', trade_amount: '999', status: '1' });
    // The refund order keeps the alias: the till's own listing by tag finds both.
    const both = await client.call('order', { pmt_tag: 'AlipayZL' });
    expect(both.data.list.map((o: any) => [o.out_no, o.ord_type, o.pmt_tag]).sort()).toEqual([
      ['A1', '1', 'AlipayZL'],
      ['A1R', '2', 'AlipayZL'],
    ]);
  });

  it('orders carry scr_id, scr_true_name and tml_no of the cashier and terminal that made them', async () => {
    const { store, client } = await newShop(core, server.url);
    const cashier = await call(server, 'POST', `/api/v1/stores/${store.id}/cashiers`, {
      token: server.tokens.owner,
      body: { name: '吴林燕' },
    });
    expect(cashier.status).toBe(201);

    // A known cashier's name comes from the store; a till's own number keeps what it sent.
    const known = await client.call('payorder', {
      out_no: 'M1',
      pmt_tag: 'Cash',
      original_amount: 500,
      trade_amount: 500,
      scr_id: cashier.body.id,
      tml_no: '8',
    });
    expect(known.body.errcode, JSON.stringify(known.body)).toBe(0);
    const own = await client.call('payorder', {
      out_no: 'M2',
      pmt_tag: 'Cash',
      original_amount: 300,
      trade_amount: 300,
      scr_id: '001',
      scr_true_name: '张三',
      tml_no: 'POS-2',
    });
    expect(own.body.errcode).toBe(0);
    const none = await client.call('payorder', {
      out_no: 'M3',
      pmt_tag: 'Cash',
      original_amount: 1,
      trade_amount: 1,
    });
    expect(none.body.errcode).toBe(0);

    const members = (o: any) => [o.out_no, o.scr_id, o.scr_true_name, o.tml_no];
    expect(members((await client.call('paystatus', { out_no: 'M1' })).data)).toEqual([
      'M1',
      cashier.body.id,
      '吴林燕',
      '8',
    ]);
    expect(members((await client.call('order/view', { out_no: 'M2' })).data)).toEqual([
      'M2',
      '001',
      '张三',
      'POS-2',
    ]);
    const listed = (await client.call('order', {})).data.list.map(members).sort();
    expect(listed).toEqual([
      ['M1', cashier.body.id, '吴林燕', '8'],
      ['M2', '001', '张三', 'POS-2'],
      ['M3', '', '', ''],
    ]);

    // The refund records the till that made it.
    const refund = await client.call('payrefund', {
      out_no: 'M2',
      refund_out_no: 'M2R',
      refund_amount: 100,
      shop_pass: sha1('123456'),
      scr_id: '002',
      tml_no: 'POS-3',
    });
    expect(refund.body.errcode, JSON.stringify(refund.body)).toBe(0);
    expect(members((await client.call('paystatus', { out_no: 'M2R' })).data)).toEqual([
      'M2R',
      '002',
      '',
      'POS-3',
    ]);

    // Too long is the document's create error, nothing written.
    const long = await client.call('payorder', {
      out_no: 'M4',
      pmt_tag: 'Cash',
      original_amount: 1,
      trade_amount: 1,
      tml_no: 'x'.repeat(33),
    });
    expect(long.body.errcode).not.toBe(0);
    expect((await core.db.query('SELECT 1 FROM store_orders WHERE out_no = $1', ['M4'])).length).toBe(0);
  });
});
