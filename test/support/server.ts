import type { FastifyInstance } from 'fastify';
import { createApiToken, createUser } from '../../src/http/admin/auth-routes.js';
import type { Role } from '../../src/http/admin/kit.js';
import { buildServer } from '../../src/http/server.js';
import type { TestCore } from './core.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  /** A bearer token per role. */
  tokens: Record<Role, string>;
  close(): Promise<void>;
}

/** A real listening server on an ephemeral loopback port (the core's public URL), with one API token per role. */
export async function testServer(core: TestCore): Promise<TestServer> {
  const app = await buildServer({ core });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // Simulators are reached, and call the gateway back, over HTTP at the public URL.
  core.publicUrl = `http://127.0.0.1:${port}`;
  const tokens = {} as Record<Role, string>;
  for (const role of ['owner', 'admin', 'developer', 'finance', 'viewer'] as const) {
    const user = await createUser(core, {
      email: `${role}-${core.ids.secret(4)}@test.local`,
      password: 'password1',
      role,
    });
    tokens[role] = (await createApiToken(core, { userId: user.id, name: role, role })).token;
  }
  return { app, url: `http://127.0.0.1:${port}`, tokens, close: () => app.close() };
}

/** fetch with JSON in and out. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(server.url + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
