import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Core } from '../../core/context.js';
import { defaultSandboxApp } from './keys.js';
import { InjectDispatcher } from './loopback.js';

/**
 * Which running simulators this process hosts, so that the Alipay connector can (1) use
 * the default sandbox app of the simulator at its own base URL when a test-mode app has
 * no Alipay config, and (2) reach that simulator in-process when the gateway is not
 * listening on its public URL. Cores are matched by publicUrl at call time (a test may set
 * it after listening on port 0); the most recently mounted one wins.
 */
interface Mounted {
  core: Core;
  app: FastifyInstance;
  dispatcher: InjectDispatcher;
}
const mounted: Mounted[] = [];

export function linkSimulator(core: Core, app: FastifyInstance): () => void {
  const entry = { core, app, dispatcher: new InjectDispatcher(app) };
  mounted.push(entry);
  return () => {
    const at = mounted.indexOf(entry);
    if (at >= 0) mounted.splice(at, 1);
  };
}

function find(publicUrl: string): Mounted | undefined {
  return [...mounted].reverse().find((m) => m.core.publicUrl === publicUrl);
}

/**
 * The transport for a gateway URL: undefined (a real socket) unless the URL is this
 * process's own simulator and the server is not itself listening on that URL's port.
 */
export function simulatorTransport(publicUrl: string, gateway: string): Dispatcher | undefined {
  const entry = find(publicUrl);
  if (!entry) return undefined;
  const target = new URL(gateway);
  const own = new URL(publicUrl);
  if (target.origin !== own.origin || !target.pathname.startsWith('/sandbox/alipay/')) return undefined;
  const address = entry.app.server.listening ? entry.app.server.address() : null;
  const port = Number(own.port || (own.protocol === 'https:' ? 443 : 80));
  if (address && typeof address === 'object' && address.port === port) return undefined;
  return entry.dispatcher;
}

export interface SandboxAlipayCredentials {
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  gateway: string;
}

export async function sandboxCredentialsFor(
  publicUrl: string,
): Promise<SandboxAlipayCredentials | undefined> {
  const entry = find(publicUrl);
  if (!entry) return undefined;
  const app = await defaultSandboxApp(entry.core);
  return {
    appId: app.appId,
    privateKey: app.appPrivateKey!,
    alipayPublicKey: app.alipayPublicKey,
    gateway: `${publicUrl}/sandbox/alipay/gateway.do`,
  };
}
