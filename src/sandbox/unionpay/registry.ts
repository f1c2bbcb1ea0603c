import type { Core } from '../../core/context.js';
import type { UnionpaySandboxKeys } from './keys.js';

/** A request handed to the simulator in-process (fastify inject), bypassing the network. */
export interface UnionpayInjectRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}

/** What the connector needs from a UnionPay simulator running in this process. */
export interface UnionpaySandboxHandle {
  core: Core;
  keys: UnionpaySandboxKeys;
  /** `${core.publicUrl}/sandbox/unionpay/gateway/api/`, read at each call (set after listen). */
  readonly baseUrl: string;
  /** Set when the simulator serves the connector in-process. */
  inject?: (request: UnionpayInjectRequest) => Promise<{ statusCode: number; payload: string }>;
  /** Connector call timeout against the simulator (ms). */
  timeoutMs: number;
}

const handles = new Set<UnionpaySandboxHandle>();
const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * Connectors see a ConnectorContext (no database), so the simulator announces its default
 * merchant here when it is mounted; the connector finds it by the gateway's public URL.
 */
export function announceUnionpaySandbox(handle: UnionpaySandboxHandle): () => void {
  handles.add(handle);
  return () => handles.delete(handle);
}

export function unionpaySandboxFor(publicUrl: string): UnionpaySandboxHandle | undefined {
  let found: UnionpaySandboxHandle | undefined;
  for (const handle of handles) if (trim(handle.core.publicUrl) === trim(publicUrl)) found = handle;
  return found;
}
