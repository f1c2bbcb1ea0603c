import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { type TestCore, testCore } from '../support/core.js';

/**
 * Bytes node's HTTP parser refuses (a control character in a header, headers over the limit)
 * never reach fastify's routing: they used to get fastify's own
 * `{"error":"Bad Request","message":"Client Error"}`. They get the API's own shape now (#15.13).
 * Raw sockets: no HTTP client would send these bytes.
 */
describe('requests refused by the HTTP parser', () => {
  let core: TestCore;
  let server: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    core = await testCore('pglite');
    server = await buildServer({ core });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.close();
    await core.drop();
  });

  function send(bytes: string): Promise<{ status: number; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head, body = ''] = answer.split('\r\n\r\n');
        resolve({ status: Number(head!.split(' ')[1]), headers: head!, body });
      });
    });
  }

  it('a control byte in a header of the admin API: native invalid_request', async () => {
    const res = await send('GET /api/v1/charges HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'invalid_request', message: 'The request is malformed.' },
    });
  });

  it.each(['/v1/charges/ch_1', '/merchant-api/v1/charges'])(
    'the same under Paymax %s: bare ILLEGAL_ARGUMENT',
    async (path) => {
      const res = await send(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: sk\x00x\r\n\r\n`);
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body);
      expect(Object.keys(body).sort()).toEqual(['failure_code', 'failure_msg']);
      expect(body.failure_code).toBe('ILLEGAL_ARGUMENT');
    },
  );

  it('the same under the store API: its own errcode answer, as its tills read it', async () => {
    const res = await send('POST /mct1/payorder HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('errcode');
  });

  it('headers over the limit: 431 headers_too_large', async () => {
    const res = await send(`GET /api/v1/charges HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).error.code).toBe('headers_too_large');
  });

  it('the server keeps serving', async () => {
    const res = await server.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });
});
