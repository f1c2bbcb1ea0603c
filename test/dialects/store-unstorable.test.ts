import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { Mct1Client } from './store-client.js';
import { startGateway } from './gateway.js';
import { newShop } from './store-shop.js';

/**
 * The decrypted `data` is JSON, which can carry text PostgreSQL cannot store or compare: a
 * NUL ("\u0000") and an unpaired surrogate ("\ud800"). Such a field is bad input like any
 * other: refused with the field's own errcode (HTTP 200), never a server error, and
 * nothing is written.
 */
const UNSTORABLE = ['a\u0000b', 'a\ud800b', 'a\udfffb'];
const SHA1_123456 = '7c4a8d09ca3762af61e59520943dc26494f8941b';

describe.each(engines())('store dialect: unstorable text (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let client: Mct1Client;
  let seq = 0;

  beforeAll(async () => {
    const sandbox = sandboxConnector();
    core = await testCore(engine, { connectors: connectorRegistry({ alipay: sandbox, wechatpay: sandbox }) });
    let base: string;
    ({ server: app, base } = await startGateway(core));
    ({ client } = await newShop(core, base));
    const paid = await client.call('payorder', {
      out_no: 'PAID1',
      pmt_tag: 'Cash',
      original_amount: 100,
      trade_amount: 100,
    });
    expect(paid.body.errcode).toBe(0);
  });

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  async function counts() {
    const [row] = await core.db.query(
      `SELECT (SELECT count(*) FROM charges)::int AS charges, (SELECT count(*) FROM refunds)::int AS refunds,
              (SELECT count(*) FROM store_orders)::int AS orders, (SELECT count(*) FROM events)::int AS events`,
    );
    return row;
  }

  const order = (extra: Record<string, unknown>) => ({
    out_no: `U${++seq}`,
    pmt_tag: 'AlipayCS',
    original_amount: 100,
    trade_amount: 100,
    ...extra,
  });
  const refund = (extra: Record<string, unknown>) => ({
    out_no: 'PAID1',
    refund_out_no: `R${++seq}`,
    refund_amount: 1,
    shop_pass: SHA1_123456,
    ...extra,
  });

  const cases: [string, (bad: string) => unknown, number][] = [
    ['payorder ord_name', (bad) => order({ ord_name: bad }), 8003],
    ['payorder remark', (bad) => order({ remark: bad }), 8008],
    ['payorder tag', (bad) => order({ tag: bad }), 8008],
    ['payorder trade_account', (bad) => order({ pmt_tag: 'Cash', trade_account: bad }), 8008],
    ['payorder trade_no', (bad) => order({ pmt_tag: 'Cash', trade_no: bad }), 8008],
    ['payorder Diy pmt_name', (bad) => order({ pmt_tag: 'Diy', pmt_name: bad }), 8004],
    ['payorder pmt_tag', (bad) => order({ pmt_tag: bad }), 8007],
    ['payorder notify_url', (bad) => order({ notify_url: `https://m.example/${bad}` }), 8008],
    ['payorder jump_url', (bad) => order({ jump_url: `https://m.example/${bad}` }), 8008],
    [
      'payorder sub_openid',
      (bad) => order({ pmt_tag: 'WeixinBERL', JSAPI: 1, sub_appid: 'wx1', sub_openid: bad }),
      8008,
    ],
    ['payorder buyer_id', (bad) => order({ JSAPI: 1, buyer_id: bad }), 8008],
    ['paystatus out_no', (bad) => ({ out_no: bad }), 8001],
    ['paystatus ord_no', (bad) => ({ ord_no: bad }), 8001],
    ['order filters', (bad) => ({ out_no: bad, trade_no: bad }), 8000],
    ['payrefund out_no', (bad) => refund({ out_no: bad }), 8014],
    ['payrefund refund_ord_name', (bad) => refund({ refund_ord_name: bad }), 8023],
    ['payrefund remark', (bad) => refund({ remark: bad }), 8023],
    ['paycancel out_no', (bad) => ({ out_no: bad }), 8001],
  ];

  it('an open_id with a NUL is an unknown store (3002), in the body or the query string', async () => {
    const before = await counts();
    const { open_id: _openId, ...rest } = client.fields({});
    const sends: [string, Record<string, string>][] = [
      [`${client.base}/mct1/paylist`, { ...rest, open_id: 'a\u0000b' }],
      [`${client.base}/mct1/paylist?open_id=a%00b`, rest],
    ];
    for (const [url, body] of sends) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ errcode: 3002 });
    }
    expect(await counts()).toEqual(before);
  });

  it.each(cases)('%s is refused with its errcode, nothing written', async (name, data, errcode) => {
    const path = name.split(' ')[0]!;
    for (const bad of UNSTORABLE) {
      const before = await counts();
      const res = await client.call(path, data(bad));
      expect(res.status).toBe(200);
      expect(res.body.errcode, JSON.stringify(res.body)).toBe(errcode);
      expect(res.signed).toBe(true);
      expect(res.body.data).toBeUndefined();
      expect(await counts()).toEqual(before);
    }
  });
});
