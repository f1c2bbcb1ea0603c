import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import type { TestCore } from '../support/core.js';

/**
 * The gateway listening on a free loopback port. The dialect suites talk to it over real
 * HTTP, as merchants' clients do, so header and body quirks reach the server unchanged.
 * (The store suites keep their own in store-shop.ts.)
 */
export async function startGateway(
  core: TestCore,
): Promise<{ server: FastifyInstance; port: number; base: string }> {
  const server = await buildServer({ core });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, base: `http://127.0.0.1:${port}` };
}
