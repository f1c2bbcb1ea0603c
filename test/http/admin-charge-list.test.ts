import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/db.js';
import { type TestCore, testCore } from '../support/core.js';
import { seedApp } from '../support/fixtures.js';
import { type TestServer, call, testServer } from '../support/server.js';

/**
 * The transactions page's API (issues #12 and #13): finance's filters on GET /charges, an
 * unknown parameter refused by name, the streamed CSV/XLSX export and the detail timeline.
 */
describe.each(engines())('admin charge list, export and timeline (%s)', (engine) => {
  let core: TestCore;
  let server: TestServer;
  let appId: string;
  const ids: Record<string, string> = {};

  const create = async (orderNo: string, extra: Record<string, unknown>) => {
    const res = await call(server, 'POST', '/api/v1/charges', {
      token: server.tokens.owner,
      body: { app: appId, order_no: orderNo, amount: 1000, currency: 'CNY', subject: '绿茶 Tea', ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids[orderNo] = res.body.id;
    return res.body;
  };
  const list = (query: string) =>
    call(server, 'GET', `/api/v1/charges?${query}`, { token: server.tokens.viewer });
  const orderNos = async (query: string) => {
    const res = await list(query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.data as { order_no: string }[]).map((c) => c.order_no).sort();
  };

  beforeAll(async () => {
    core = await testCore(engine);
    server = await testServer(core);
    appId = (await seedApp(core)).app.id;
    // cash is paid at once; alipay qr stays unpaid until the sandbox payer pays.
    await create('cash-full', { channel: 'cash', method: 'offline', amount: 500 });
    await create('cash-part', { channel: 'cash', method: 'offline', amount: 2000 });
    await create('cash-none', { channel: 'cash', method: 'offline', amount: 3000 });
    await create('ali-unpaid', { channel: 'alipay', method: 'qr', amount: 4000 });
    await create('wx-closed', { channel: 'wechatpay', method: 'qr', amount: 5000 });
    for (const [orderNo, amount] of [
      ['cash-full', 500],
      ['cash-part', 700],
    ] as const) {
      const refund = await call(server, 'POST', `/api/v1/charges/${ids[orderNo]}/refunds`, {
        token: server.tokens.finance,
        body: { amount, description: 'customer returned it' },
      });
      expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    }
    const cancel = await call(server, 'POST', `/api/v1/charges/${ids['wx-closed']}/cancel`, {
      token: server.tokens.owner,
    });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it('filters by one or several statuses', async () => {
    expect(await orderNos('status=succeeded')).toEqual(['cash-full', 'cash-none', 'cash-part']);
    expect(await orderNos('status=pending&status=user_paying')).toEqual(['ali-unpaid']);
    expect(await orderNos('status=canceled&status=closed')).toEqual(['wx-closed']);
  });

  it('filters by refund state: none, partial, full', async () => {
    expect(await orderNos('status=succeeded&refunded=none')).toEqual(['cash-none']);
    expect(await orderNos('refunded=partial')).toEqual(['cash-part']);
    expect(await orderNos('refunded=full')).toEqual(['cash-full']);
  });

  it('filters by channel and method (the product), and by amount range', async () => {
    expect(await orderNos('channel=alipay&method=qr')).toEqual(['ali-unpaid']);
    expect(await orderNos('channel=wechatpay&method=jsapi')).toEqual([]);
    expect(await orderNos('amount_gte=2000&amount_lte=4000')).toEqual([
      'ali-unpaid',
      'cash-none',
      'cash-part',
    ]);
  });

  it('finds a charge by any of its order numbers', async () => {
    const charge = (
      await call(server, 'GET', `/api/v1/charges/${ids['cash-none']}`, { token: server.tokens.viewer })
    ).body;
    for (const n of [charge.order_no, charge.id, charge.order_sn]) {
      expect(await orderNos(`any_no=${encodeURIComponent(n)}`), n).toEqual(['cash-none']);
    }
    expect(await orderNos('any_no=no-such-number')).toEqual([]);
  });

  it('refuses an unknown query parameter with 400 naming it, on every list', async () => {
    for (const path of [
      '/api/v1/charges?colour=red',
      '/api/v1/refunds?method=wx',
      '/api/v1/events?refunded=full',
    ]) {
      const res = await call(server, 'GET', path, { token: server.tokens.viewer });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('invalid_parameter');
      expect(res.body.error.param).toBe(new URL(path, 'http://x').searchParams.keys().next().value);
    }
    const badRefund = await list('refunded=some');
    expect(badRefund.status).toBe(400);
    expect(badRefund.body.error.param).toBe('refunded');
  });

  it('exports the filtered list as CSV, one line per charge', async () => {
    const res = await fetch(`${server.url}/api/v1/charges/export?format=csv&status=succeeded&lang=en-US`, {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="charges-.*\.csv"/);
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Created,Charge,Order no.,Upstream no.,Channel,Method,Amount,Currency,Refunded,Status,Store,Subject,Paid at',
    );
    expect(lines).toHaveLength(4);
    const part = lines.find((l) => l.includes('cash-part'))!.split(',');
    expect(part.slice(6, 10)).toEqual(['20.00', 'CNY', '7.00', 'succeeded']);
    expect(part[11]).toBe('绿茶 Tea');
  });

  it('exports the same list as XLSX with Chinese headers', async () => {
    const res = await fetch(`${server.url}/api/v1/charges/export?format=xlsx&refunded=partial&lang=zh-CN`, {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
    });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('charges')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('创建时间');
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(3).value).toBe('cash-part');
    expect(sheet.getRow(2).getCell(7).value).toBe('20.00');
  });

  it('shows the whole timeline of a refunded charge', async () => {
    const res = await call(server, 'GET', `/api/v1/charges/${ids['cash-part']}/timeline`, {
      token: server.tokens.viewer,
    });
    expect(res.status).toBe(200);
    const labels = (res.body.timeline as { kind: string; label: string }[]).map(
      (e) => `${e.kind}:${e.label}`,
    );
    expect(labels[0]).toBe('created:created');
    expect(labels).toEqual(expect.arrayContaining(['event:charge.succeeded', 'refund:succeeded']));
    expect(res.body.refunds).toHaveLength(1);
    expect(res.body.charge.amount_refunded).toBe(700);
  });

  it('reports today, 7 and 30 days, by channel and by day, for the overview', async () => {
    const res = await call(server, 'GET', '/api/v1/reports/overview?mode=test&tz=Asia/Shanghai', {
      token: server.tokens.viewer,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const cny = {
      currency: 'CNY',
      count: 5,
      paid: 3,
      amount: 5500,
      refunded: 1200,
      refunds: 2,
      success_rate: 0.6,
    };
    expect(res.body.today).toEqual([cny]);
    expect(res.body.last_30_days).toEqual([cny]);
    expect(res.body.by_day).toEqual([{ day: '2026-03-01', ...cny }]);
    expect(res.body.by_channel.find((c: { channel: string }) => c.channel === 'cash')).toMatchObject({
      method: 'offline',
      count: 3,
      paid: 3,
      amount: 5500,
    });
    expect(res.body.failing_endpoints).toEqual([]);
    expect(
      (await call(server, 'GET', '/api/v1/reports/overview?tz=Mars/Base', { token: server.tokens.viewer }))
        .body.error.param,
    ).toBe('tz');
  });
});
