import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChargeResult } from '../../src/core/channel-results/apply-channel-result.js';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { startGateway } from './gateway.js';
import { type Mct1Client, docEncrypt, docSign } from './store-client.js';
import { newShop } from './store-shop.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * What real /mct1 clients send beyond the document (FACTS.md "Seen in real clients
 * since"), driven over HTTP with the document-written client: refund_ord_no, binary-float
 * fen, lang=en, odd content types and broken paths in the store's own shape, and
 * notify_url checked against SSRF when the order is made.
 */
describe.each(engines())('store dialect: real clients (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let base: string;

  const counts = async () =>
    (
      await core.db.query(
        `SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM refunds)::int AS refunds,
                (SELECT count(*) FROM store_orders)::int AS orders`,
      )
    )[0];

  /** Sends `json` as the exact text of data (a client's own number literals kept). */
  async function raw(client: Mct1Client, path: string, json: string, extra: Record<string, string> = {}) {
    const fields: Record<string, string> = {
      open_id: client.openId,
      timestamp: String(client.now()),
      data: docEncrypt(json, client.openKey),
      ...extra,
    };
    fields.sign = docSign(fields, client.openKey);
    return client.send(path, fields);
  }

  beforeAll(async () => {
    // Alipay as the sandbox connector plays it (refunds settle at once): the suite tests the dialect.
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: sandboxConnector() }) });
    ({ server: app, base } = await startGateway(core));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  it('reads binary-float fen within 1e-6 of a whole number as that number; further off stays 8006', async () => {
    const { client } = await newShop(core, base);
    // PHP's sprintf("%.2f", 19.99) * 100 and fastjson's doubles.
    const paid = await raw(
      client,
      'payorder',
      '{"out_no":"F1","pmt_tag":"AlipayCS","original_amount":1998.9999999999998,"trade_amount":"1998.9999999999998"}',
    );
    expect(paid.body.errcode, JSON.stringify(paid.body)).toBe(0);
    expect(paid.data).toMatchObject({ out_no: 'F1', original_amount: '1999', trade_amount: '1999' });
    const small = await raw(
      client,
      'payorder',
      '{"out_no":"F2","pmt_tag":"AlipayCS","original_amount":28.999999999999996,"trade_amount":28.999999999999996}',
    );
    expect(small.data).toMatchObject({ trade_amount: '29' });
    const [row] = await core.db.query<{ amount: string }>(
      "SELECT amount FROM charges WHERE order_no LIKE '%F2'",
    );
    expect(Number(row!.amount)).toBe(29);

    const before = await counts();
    for (const amount of ['1998.5', '"1998.99"', '1998.999998', '1.0E3', '-1998.9999999999998']) {
      const res = await raw(
        client,
        'payorder',
        `{"out_no":"F3","pmt_tag":"AlipayCS","original_amount":${amount},"trade_amount":${amount}}`,
      );
      expect(res.body.errcode, amount).toBe(8006);
      expect(res.body.msg).toMatch(/^收款金额有误/);
    }
    // A literal whose double rounds to a whole number but whose text is 0.5 fen off.
    const far = await raw(
      client,
      'payorder',
      '{"out_no":"F3","pmt_tag":"AlipayCS","original_amount":100.50000000000000000001,"trade_amount":100}',
    );
    expect(far.body.errcode).toBe(8006);
    expect(await counts()).toEqual(before);
  });

  it('takes refund_ord_no for refund_out_no, and a binary-float refund_amount', async () => {
    const { client } = await newShop(core, base);
    const order = await client.call('payorder', {
      out_no: 'R1',
      pmt_tag: 'AlipayCS',
      original_amount: 1000,
      trade_amount: 1000,
    });
    const [charge] = await core.db.query<{ id: string }>('SELECT id FROM charges WHERE order_sn = $1', [
      order.data.ord_no,
    ]);
    await applyChargeResult(core, charge!.id, { status: 'succeeded', transactionNo: 't_R1' });

    const refund = await raw(
      client,
      'payrefund',
      JSON.stringify({ out_no: 'R1', refund_ord_no: 'RF1', shop_pass: sha1('123456') }).replace(
        '}',
        ',"refund_amount":298.99999999999994}',
      ),
    );
    expect(refund.body.errcode, JSON.stringify(refund.body)).toBe(0);
    expect(refund.body.msg).toBe('订单退款成功');
    expect(refund.data).toMatchObject({ out_no: 'RF1', trade_amount: '299', status: '1' });
    expect((await client.call('paystatus', { out_no: 'RF1' })).data).toMatchObject({ ord_type: '2' });

    // Both names given must agree; the number is still unique in the store.
    const before = await counts();
    const both = await client.call('payrefund', {
      out_no: 'R1',
      refund_out_no: 'RF2',
      refund_ord_no: 'RF3',
      refund_amount: 1,
      shop_pass: sha1('123456'),
    });
    expect(both.body.errcode).toBe(8000);
    const again = await client.call('payrefund', {
      out_no: 'R1',
      refund_ord_no: 'RF1',
      refund_amount: 1,
      shop_pass: sha1('123456'),
    });
    expect(again.body.errcode).toBe(8020);
    const none = await client.call('payrefund', {
      out_no: 'R1',
      refund_amount: 1,
      shop_pass: sha1('123456'),
    });
    expect(none.body.errcode).toBe(8044);
    expect(await counts()).toEqual(before);
  });

  it('answers msg in English with lang=en (a posted field or in data), Chinese by default', async () => {
    const { client } = await newShop(core, base);
    const zh = await client.call('paystatus', { out_no: 'nope' });
    expect(zh.body).toMatchObject({ errcode: 8002, msg: '订单不存在：out_no nope' });

    const fields = client.fields({ out_no: 'nope' });
    delete fields.sign;
    fields.lang = 'en';
    fields.sign = docSign(fields, client.openKey);
    const en = await client.send('paystatus', fields);
    expect(en.body).toMatchObject({ errcode: 8002, msg: 'Order does not exist: out_no nope' });
    expect(en.signed).toBe(true);

    const inData = await client.call('payorder', {
      lang: 'en',
      out_no: 'L1',
      pmt_tag: 'AlipayCS',
      original_amount: 100,
      trade_amount: 90,
    });
    expect(inData.body.msg).toBe(
      'Invalid amount: trade_amount(90) != original_amount(100) - discount_amount(0) - ignore_amount(0)',
    );
    // A Chinese-only detail is left out rather than half translated.
    const tag = await client.call('payorder', {
      lang: 'en',
      out_no: 'L1',
      pmt_tag: 'NoSuchTag',
      original_amount: 100,
      trade_amount: 100,
    });
    expect(tag.body).toMatchObject({ errcode: 8007, msg: 'Payment method is not enabled' });
    // Before authentication too: an unknown open_id.
    const unknown = await fetch(`${base}/mct1/paystatus`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'open_id=nobody&lang=en',
    });
    expect(await unknown.json()).toMatchObject({
      errcode: 3002,
      msg: 'Store does not exist: open_id nobody',
    });
  });

  it('answers odd content types and broken paths in its own envelope, with HTTP 200 / 404', async () => {
    for (const type of ['foo', ';;;', 'text/plain', 'application/json']) {
      const res = await fetch(`${base}/mct1/paylist`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'open_id=x',
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect([type, res.status]).toEqual([type, 200]);
      expect(Object.keys(body).sort()).toEqual(['errcode', 'msg', 'timestamp']);
      expect(body.errcode).toBe(8);
    }
    const broken = await fetch(`${base}/mct1/%ZZ`, { method: 'POST', body: 'open_id=x' });
    expect(broken.status).toBe(200);
    const body = (await broken.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['errcode', 'msg', 'timestamp']);
    expect(body.errcode).toBe(404);
  });

  it('refuses a notify_url aimed at a private address when the order is made, changing nothing', async () => {
    const { client } = await newShop(core, base);
    const saved = process.env.JUHE_ALLOW_PRIVATE_TARGETS;
    process.env.JUHE_ALLOW_PRIVATE_TARGETS = 'false';
    try {
      const before = await counts();
      for (const url of [
        'http://127.0.0.1:8080/notify',
        'http://localhost/notify',
        'http://[::1]/n',
        'http://169.254.169.254/latest/meta-data',
        'http://10.0.0.8/n',
        'http://user:pw@shop.example/n',
      ]) {
        const res = await client.call('payorder', {
          out_no: 'S1',
          pmt_tag: 'AlipayCS',
          original_amount: 100,
          trade_amount: 100,
          notify_url: url,
        });
        expect(res.body.errcode, url).toBe(8008);
        expect(res.body.msg).toMatch(/^创建订单失败：notify_url不是允许的通知地址/);
      }
      expect(await counts()).toEqual(before);
      const ok = await client.call('payorder', {
        out_no: 'S1',
        pmt_tag: 'AlipayCS',
        original_amount: 100,
        trade_amount: 100,
        notify_url: 'https://shop.example/notify',
      });
      expect(ok.body.errcode).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.JUHE_ALLOW_PRIVATE_TARGETS;
      else process.env.JUHE_ALLOW_PRIVATE_TARGETS = saved;
    }
  });
});
