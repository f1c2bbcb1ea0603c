import type { Core } from '../../core/context.js';
import { defaultSandboxApp } from './keys.js';

/**
 * Which running simulators this process hosts, so that the Alipay connector can use the
 * default sandbox app of the simulator at its own base URL when a test-mode app has no
 * Alipay config. Cores are matched by publicUrl at call time (a test may set it after
 * listening on port 0); the most recently mounted one wins.
 */
const mounted: Core[] = [];

export function linkSimulator(core: Core): () => void {
  mounted.push(core);
  return () => {
    const at = mounted.indexOf(core);
    if (at >= 0) mounted.splice(at, 1);
  };
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
  const core = [...mounted].reverse().find((c) => c.publicUrl === publicUrl);
  if (!core) return undefined;
  const app = await defaultSandboxApp(core);
  return {
    appId: app.appId,
    privateKey: app.appPrivateKey!,
    alipayPublicKey: app.alipayPublicKey,
    gateway: `${publicUrl}/sandbox/alipay/gateway.do`,
  };
}
