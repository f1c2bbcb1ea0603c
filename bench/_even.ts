import { connectorRegistry } from '../src/channels/registry.js';
import { sandboxConnector } from '../src/channels/sandbox/sandbox.js';
import { createStore } from '../src/core/apps/stores.js';
import { createApiToken, createUser } from '../src/http/admin/auth-routes.js';
import { buildServer } from '../src/http/server.js';
import { freshDb } from '../test/support/db.js';
import { seedApp } from '../test/support/fixtures.js';
import { loadGenerator } from './load.js';
import { benchCore } from './support.js';
const { db, drop } = await freshDb('postgres');
const sandbox = sandboxConnector();
const core = benchCore(db, connectorRegistry({ alipay: sandbox, wechatpay: sandbox, unionpay: sandbox }));
const { app } = await seedApp(core);
const store = await createStore(db, core, { appId: app.id, name: 'bench store', livemode: false });
const user = await createUser(core, { email: 'bench@juhe.local', password: 'password1', role: 'owner' });
const { token } = await createApiToken(core, { userId: user.id, name: 'bench', role: 'owner' });
const server = await buildServer({ core });
await server.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
const admin = loadGenerator(url, { kind: 'admin', token, appId: app.id }, 16);
const st = loadGenerator(url, { kind: 'store', ...store }, 16);
await admin.run({ seconds: 5, warmupSeconds: 1 });
const rate = Number(process.env.RATE ?? 800);
for (let i = 0; i < 4; i++) {
  const a = await admin.run({ seconds: 4, warmupSeconds: 1, rate });
  const s = await st.run({ seconds: 4, warmupSeconds: 1, rate });
  const f = (r: any) =>
    `${r.rps.toFixed(0)}/s cpu ${r.cpuUs.total.toFixed(0)} (proc ${r.cpuUs.process.toFixed(0)} pg ${r.cpuUs.postgres.toFixed(0)}) client ${r.clientUs.toFixed(0)}`;
  console.log('admin', f(a), '| store', f(s), '| ratio', (a.cpuUs.total / s.cpuUs.total).toFixed(2));
}
await admin.stop();
await st.stop();
await server.close();
await drop();
