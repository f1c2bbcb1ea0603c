import Fastify from 'fastify';
import { connectorRegistry } from '../src/channels/registry.js';
import { sandboxConnector } from '../src/channels/sandbox/sandbox.js';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore, load, loop, report } from './support.js';

/**
 * Admin API create-charge against the same inserts (charge + event + outbox row, in one
 * transaction) issued straight through pg at the same concurrency; retrieve-charge
 * against a bare fastify route returning a constant. Both baselines run in this process,
 * in this run, so the ratios hold on a noisy machine.
 */
export async function runAdminBench(): Promise<{
  create: number;
  retrieve: number;
  retrieveVsConstant: number;
}> {
  const { db, drop } = await freshDb('postgres');
  // The gateway's own overhead is what this measures: the channel is the in-process
  // sandbox, not an upstream simulator (those have their own benchmarks).
  const core = benchCore(db, connectorRegistry({ wechatpay: sandboxConnector() }));
  const { ids } = core;
  try {
    const { app: demoApp } = await seedApp(core);
    const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
    const server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // Baseline: the rows a create writes, inserted directly.
    const raw = await loop(async (i) => {
      const now = new Date();
      const id = ids.next('charge');
      const eventId = ids.next('event');
      await db.tx(async (q) => {
        await q.query(
          `INSERT INTO charges (id, app_id, livemode, dialect, order_no, order_scope, order_sn, channel, method, amount,
             currency, subject, status, created_at, updated_at, expires_at)
           VALUES ($1, $2, false, 'admin', $3, 'app', $4, 'wechatpay', 'qr', 100, 'CNY', 'bench', 'pending', $5, $5, $6)`,
          [id, demoApp.id, `raw-${i}`, `raw-${i}`, now, new Date(now.getTime() + 3600_000)],
        );
        await q.query(
          `INSERT INTO events (id, app_id, livemode, type, object_type, object_id, data, created_at)
           VALUES ($1, $2, false, 'charge.created', 'charge', $3, '{}', $4)`,
          [eventId, demoApp.id, id, now],
        );
        await q.query('INSERT INTO outbox (event_id, created_at, available_at) VALUES ($1, $2, $2)', [
          eventId,
          now,
        ]);
      });
    });

    const create = await load({
      url: `${url}/api/v1/charges`,
      method: 'POST',
      headers,
      body: JSON.stringify({
        app: demoApp.id,
        order_no: 'bench-[<id>]',
        channel: 'wechatpay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'bench',
      }),
    });
    const createRatio = report('create-charge (admin API)', create, raw, 'raw pg inserts', 0.8);

    const sample = await fetch(`${url}/api/v1/charges?limit=1`, { headers }).then(
      (r) => r.json() as Promise<any>,
    );
    const chargeId = sample.data[0].id as string;
    const retrieve = await load({ url: `${url}/api/v1/charges/${chargeId}`, headers });
    await server.close();

    const bare = Fastify();
    bare.get('/constant', async () => ({ id: 'ch_constant', object: 'charge', status: 'succeeded' }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/constant`;
    const constant = await load({ url: bareUrl });
    await bare.close();
    // Context, not the target: a bare fastify route answering a constant.
    const retrieveVsConstant = report(
      'retrieve-charge (admin API)',
      retrieve,
      constant,
      'bare fastify route',
      0,
    );
    // The floor: the same row read straight through pg, the floor of any retrieve.
    const rawRead = await loop(() => db.query('SELECT * FROM charges WHERE id = $1', [chargeId]));
    const retrieveRatio = report(
      'retrieve-charge (admin API)',
      retrieve,
      rawRead,
      'raw pg read of the row',
      0.8,
    );
    return { create: createRatio, retrieve: retrieveRatio, retrieveVsConstant };
  } finally {
    await drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAdminBench();
}
