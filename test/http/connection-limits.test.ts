import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';

/** Resolves when the server closes the socket (or with what it answered first). */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/**
 * A body trickled a byte at a time used to hold a connection forever (requestTimeout 0);
 * one address could open every socket. Small limits here so the test is quick.
 */
describe('connection limits', () => {
  let core: TestCore;
  let server: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    core = await testCore('pglite');
    server = await buildServer({
      core,
      limits: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000, maxConnectionsPerIp: 3 },
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  it('a body trickled slowly is cut off with 408 and the connection closed', async () => {
    const socket = await open(port);
    const done = closed(socket);
    socket.write(
      'POST /api/v1/charges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 300);
    const started = Date.now();
    const answer = await done;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an address past its connection cap is refused; the others keep working', async () => {
    const held = await Promise.all([open(port), open(port), open(port)]);
    const extra = await open(port);
    expect(await closed(extra)).toBe('');
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error); // still at the cap: fetch's own connection is refused too
    for (const socket of held) socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const after = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(after.status).toBe(200);
  });
});
