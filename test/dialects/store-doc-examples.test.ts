import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createMerchant } from '../../src/core/apps/create-app.js';
import { createStore } from '../../src/core/apps/stores.js';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';
import { engines } from '../support/db.js';
import { Mct1Client, docEncrypt, docSign } from './store-client.js';

/**
 * The document's own example requests, sent byte for byte to a store that has the
 * document's credentials (2.4: open_id 87f46f5d..., open_key 0828e837...), at the
 * document's time: what a client copied from the document must be answered.
 */
const DOC = {
  openId: '87f46f5db1b65f0ac195285f49ee6958',
  openKey: '0828e83720fdbe3685a7b94214af04f9',
  timestamp: 1497957842,
};

describe.each(engines())('store dialect: the document example requests (%s)', (engine) => {
  let core: TestCore;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    core = await testCore(engine);
    app = await buildServer({ core });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const merchant = await createMerchant(core.db, core, { name: '测试商户' });
    const created = await createApp(core.db, core, { merchantId: merchant.id, name: 'pos' });
    const store = await createStore(core.db, core, { appId: created.id, name: '门店', livemode: false });
    // The document's credentials, written past createStore (which draws its own).
    await core.db.query('UPDATE stores SET open_id = $1, open_key_enc = $2 WHERE id = $3', [
      DOC.openId,
      core.box.seal(DOC.openKey),
      store.id,
    ]);
    core.clock.set(new Date(DOC.timestamp * 1000));
  });

  afterAll(async () => {
    await app?.close();
    await core?.drop();
  });

  const client = () => new Mct1Client(base, DOC.openId, DOC.openKey, () => DOC.timestamp);

  it('2.4: the worked example ("最终提交的数据") lists the pay tags', async () => {
    const response = await fetch(`${base}/mct1/paylist`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body:
        'timestamp=1497957842&open_id=87f46f5db1b65f0ac195285f49ee6958' +
        '&data=3304A5EC2CDEB4D12ED3338B5C01BF6B&sign=915be5aff09f2686870e1d17e93b3542',
    });
    const answer = await client().read(response, {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ errcode: 0, msg: 'ok', timestamp: DOC.timestamp });
    expect(answer.signed).toBe(true);
    expect(answer.data.map((t: { pmt_tag: string }) => t.pmt_tag)).toEqual([
      'AlipayCS',
      'WeixinBERL',
      'Cash',
      'Diy',
    ]);
  });

  it('4.5.3: paystatus with data and sign posted, open_id, randStr and timestamp in the query', async () => {
    const made = await client().call('payorder', {
      out_no: '12345',
      pmt_tag: 'Cash',
      original_amount: 300,
      trade_amount: 300,
    });
    expect(made.body.errcode).toBe(0);
    const query = { open_id: DOC.openId, randStr: 'a1b2c3', timestamp: String(DOC.timestamp) };
    const data = docEncrypt(JSON.stringify({ out_no: '12345' }), DOC.openKey);
    const sign = docSign({ ...query, data }, DOC.openKey);
    const response = await fetch(`${base}/mct1/paystatus?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ data, sign }).toString(),
    });
    const answer = await client().read(response, {});
    expect(answer.body.errcode).toBe(0);
    expect(answer.signed).toBe(true);
    expect(answer.data).toMatchObject({ out_no: '12345', ord_no: made.data.ord_no, status: '1' });
  });
});
