import { createServer, type RequestListener, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** How long a client may take over one request and its open connections. */
export interface ConnectionLimits {
  /** The whole request, headers and body, must arrive within this (ms). */
  requestTimeoutMs: number;
  /** The headers alone within this (ms); node refuses a request that trickles them. */
  headersTimeoutMs: number;
  /** Open connections one address may hold; further ones are closed at once. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 15_000,
  maxConnectionsPerIp: 256,
};

/**
 * A body trickled a byte every few seconds used to hold a connection (and its memory)
 * forever: fastify's requestTimeout was 0. With these, a slow client is cut off, and one
 * address cannot take every socket the process may open. Behind a proxy every client shares
 * the proxy's address: raise the cap there (JUHE_MAX_CONNECTIONS_PER_IP).
 */
export function limitedServer(limits: ConnectionLimits): (handler: RequestListener) => Server {
  // Node looks for overdue requests every connectionsCheckingInterval (30 s by default, so a
  // 1 s timeout would fire after 30 s): check at the finer of a second and the timeouts.
  const interval = Math.min(1_000, limits.requestTimeoutMs, limits.headersTimeoutMs);
  return (handler) =>
    createServer(
      {
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
        connectionsCheckingInterval: interval,
      },
      handler,
    );
}

/** Caps the connections one address may hold open on `app`'s server. */
export function capConnectionsPerIp(app: FastifyInstance, limits: ConnectionLimits): void {
  const open = new Map<string, number>();
  app.server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
