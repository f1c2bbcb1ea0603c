import type { Core } from '../../core/context.js';
import type { SandboxKeys } from './keys.js';

/** A request handed to the simulator in-process (fastify inject), bypassing the network. */
export interface InjectRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}
export interface InjectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  payload: string;
}

/** What the connector needs from a Lakala simulator running in this process. */
export interface SandboxHandle {
  core: Core;
  keys: SandboxKeys;
  /** `${core.publicUrl}/sandbox/lakala`, read at each call (the public URL may be set after listen). */
  readonly baseUrl: string;
  /** Set when the simulator serves the connector in-process. */
  inject?: (request: InjectRequest) => Promise<InjectResponse>;
  /** Connector call timeout against the simulator (ms). */
  timeoutMs: number;
}

const handles = new Set<SandboxHandle>();
const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * Connectors see a ConnectorContext (no database), so the simulator announces its default
 * merchant here when it is mounted; the connector finds it by the gateway's public URL.
 */
export function announceSandbox(handle: SandboxHandle): () => void {
  handles.add(handle);
  return () => handles.delete(handle);
}

/** The simulator of the gateway at `publicUrl` (the latest mounted, if several share it). */
export function sandboxFor(publicUrl: string): SandboxHandle | undefined {
  let found: SandboxHandle | undefined;
  for (const handle of handles) if (trim(handle.core.publicUrl) === trim(publicUrl)) found = handle;
  return found;
}
