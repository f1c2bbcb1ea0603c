import { generateKeyPairSync, sign } from 'node:crypto';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { benchCore, type Measured, load, report } from './support.js';

/**
 * Create-charge through the real Alipay connector (official alipay-sdk, `alipay.trade.precreate`,
 * response signatures verified) against the Alipay simulator over loopback HTTP, next to the
 * raw RSA-2048 signing rate of this machine measured in the same run: the physical limit of
 * a signed call. Each create signs twice here (the SDK signs the request, the simulator signs
 * its answer), both in this one server process, so one core's ceiling is half the signing rate.
 */
export async function runAlipayBench(): Promise<{ alipay_precreate: number }> {
  const { db, drop } = await freshDb('postgres');
  const core = benchCore(db);
  try {
    const { app: demoApp } = await seedApp(core);
    const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
    const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
    const server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    core.publicUrl = url; // the connector reaches the simulator over this loopback socket

    const signing = rsaSigningRate();
    const create = await load({
      url: `${url}/api/v1/charges`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        app: demoApp.id,
        order_no: 'bench-[<id>]',
        channel: 'alipay',
        method: 'qr',
        amount: 100,
        currency: 'CNY',
        subject: 'bench',
      }),
    });
    await server.close();
    const ratio = report(
      'create-charge, Alipay precreate via simulator',
      create,
      signing,
      'raw RSA-2048 SHA256 signing, one core',
      0,
    );
    return { alipay_precreate: ratio };
  } finally {
    await drop();
  }
}

/** Signatures per second over a typical precreate request's sign content, for 3 seconds. */
function rsaSigningRate(): Measured {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const content =
    'app_id=2021000000000000&biz_content={"out_trade_no":"20261122123456789012","total_amount":"1.00","subject":"bench"}' +
    '&charset=utf-8&method=alipay.trade.precreate&notify_url=http://127.0.0.1/notify/alipay/sandbox' +
    '&sign_type=RSA2&timestamp=2026-11-22 12:00:00&version=1.0';
  const latencies: number[] = [];
  const end = performance.now() + 3000;
  while (performance.now() < end) {
    const started = performance.now();
    sign('sha256', Buffer.from(content), privateKey);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / 3, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAlipayBench();
}
