import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';

/** A request handed to a simulator in-process (fastify inject), bypassing the network. */
export interface InjectRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

export interface InjectResponse {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[] | number | undefined>;
  payload: string;
}

/** What a connector needs from its provider's simulator running in this process. */
export interface SandboxHandle<Keys> {
  core: Core;
  /** The simulator's default merchant (and its own) keys, generated at first start. */
  keys: Keys;
  /** The simulator's base URL under `${core.publicUrl}`, read at each call (set after listen). */
  readonly baseUrl: string;
  /** Set when the simulator serves the connector in-process. */
  inject?: (request: InjectRequest) => Promise<InjectResponse>;
  /** Connector call timeout against the simulator (ms). */
  timeoutMs: number;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * Connectors see a ConnectorContext (no database), so a simulator announces its default
 * merchant in its provider's registry when it is mounted, and a connector finds it by the
 * gateway's public URL (the latest mounted, if several share it).
 */
export function handleRegistry<H extends { core: Core }>(): {
  announce(handle: H): () => void;
  find(publicUrl: string): H | undefined;
} {
  const handles = new Set<H>();
  return {
    announce(handle) {
      handles.add(handle);
      return () => handles.delete(handle);
    },
    find(publicUrl) {
      let found: H | undefined;
      for (const handle of handles) if (trim(handle.core.publicUrl) === trim(publicUrl)) found = handle;
      return found;
    },
  };
}

/** Serves `InjectRequest`s with the simulator's own fastify scope (no socket). */
export function injectInto(app: FastifyInstance): (request: InjectRequest) => Promise<InjectResponse> {
  return async (r) => {
    const res = await app.inject({
      method: r.method as 'GET',
      url: r.url,
      headers: r.headers,
      payload: r.payload,
    });
    return {
      statusCode: res.statusCode,
      statusMessage: res.statusMessage,
      headers: res.headers,
      payload: res.payload,
    };
  };
}

/** How a simulator reaches this gateway's connectors and notify routes, switchable by tests. */
export interface SimulatorLink<Keys> {
  /** What the provider's registry announces to its connector. */
  readonly handle: SandboxHandle<Keys>;
  /** True: connector calls and notifications to this gateway go in-process (fastify inject). */
  readonly inProcess: boolean;
  setTransport(transport: 'inject' | 'http'): void;
  /** The connector's timeout against this simulator (default merchant), ms. */
  setClientTimeout(ms: number): void;
}

export function simulatorLink<Keys>(
  app: FastifyInstance,
  options: { core: Core; keys: Keys; baseUrl: () => string; inProcess: boolean; timeoutMs: number },
): SimulatorLink<Keys> {
  const inject = injectInto(app);
  let inProcess = options.inProcess;
  const handle: SandboxHandle<Keys> = {
    core: options.core,
    keys: options.keys,
    get baseUrl() {
      return options.baseUrl();
    },
    timeoutMs: options.timeoutMs,
    ...(inProcess ? { inject } : {}),
  };
  return {
    handle,
    get inProcess() {
      return inProcess;
    },
    setTransport(transport) {
      inProcess = transport === 'inject';
      handle.inject = inProcess ? inject : undefined;
    },
    setClientTimeout(ms) {
      handle.timeoutMs = ms;
    },
  };
}
