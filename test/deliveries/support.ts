import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../../src/core/context.js';
import { createEndpoint, type EndpointCreateParams } from '../../src/deliveries/endpoints.js';
import { NotifyEngine, type NotifyWorkerOptions } from '../../src/deliveries/worker.js';
import type { TestCore } from '../support/core.js';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The test clock when the request arrived. */
  at: Date;
}

export type Handler = (req: Received, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface Receiver {
  url: string;
  requests: Received[];
  handler: Handler;
  /** Most requests open at once. */
  maxConcurrent: number;
  close(): Promise<void>;
}

export const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };

/** A real HTTP server on loopback that records every request and answers with `handler`. */
export async function receiver(
  clock: { now(): Date },
  handler: Handler = answer(200, 'ok'),
): Promise<Receiver> {
  let open = 0;
  const sockets = new Set<import('node:net').Socket>();
  const r: Receiver = {
    url: '',
    requests: [],
    handler,
    maxConcurrent: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req: Received = {
        method: raw.method!,
        url: raw.url!,
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: clock.now(),
      };
      r.requests.push(req);
      open += 1;
      r.maxConcurrent = Math.max(r.maxConcurrent, open);
      res.on('close', () => (open -= 1));
      void r.handler(req, res, raw);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

/**
 * An independent check of a Juhe-Signature header, written from docs/webhooks.md rather
 * than from the signer: returns the secrets (by index) whose v1 matches.
 */
export function independentlyVerified(
  header: string,
  body: string,
  secrets: string[],
  nowSec: number,
): number[] {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t || Math.abs(nowSec - Number(t)) > 300) return [];
  const given = parts.filter(([k]) => k === 'v1').map(([, v]) => Buffer.from(v, 'hex'));
  return secrets.flatMap((secret, i) => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected)) ? [i] : [];
  });
}

export function testEngine(core: TestCore, options: NotifyWorkerOptions = {}): NotifyEngine {
  return new NotifyEngine(core, {
    clock: core.clock,
    allowPrivateTargets: true,
    timeoutMs: 2_000,
    workerId: 'test-worker',
    ...options,
  });
}

export async function endpoint(
  core: Core,
  params: Omit<EndpointCreateParams, 'livemode'> & { livemode?: boolean },
): Promise<{ id: string; secret: string | null }> {
  const { endpoint: e, secret } = await createEndpoint(
    core.db,
    core,
    { livemode: false, ...params },
    { allowPrivateTargets: true },
  );
  return { id: e.id, secret };
}

export async function deliveryRows(core: Core, where = 'true', params: unknown[] = []) {
  return core.db.query(`SELECT * FROM deliveries d WHERE ${where} ORDER BY created_at, id`, params);
}

export async function attemptRows(core: Core, deliveryId: string) {
  return core.db.query('SELECT * FROM delivery_attempts WHERE delivery_id = $1 ORDER BY number', [
    deliveryId,
  ]);
}

/**
 * Drives one delivery's schedule with the manual clock: for each planned attempt, runs the
 * engine 1 ms before it (nothing may be sent) and at it (exactly one request). Returns the
 * attempt times as offsets from the first attempt, in ms.
 */
export async function driveSchedule(
  core: TestCore,
  engine: NotifyEngine,
  r: Receiver,
  deliveryId: string,
  maxAttempts = 500,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < maxAttempts; i++) {
    const [row] = await core.db.query('SELECT status, next_attempt_at FROM deliveries WHERE id = $1', [
      deliveryId,
    ]);
    if (row.status !== 'pending' || !row.next_attempt_at) break;
    const due = new Date(row.next_attempt_at).getTime();
    const before = r.requests.length;
    if (due - 1 >= core.clock.now().getTime()) {
      core.clock.set(new Date(due - 1));
      await engine.runDue();
      if (r.requests.length !== before) throw new Error(`attempt ${i + 1} sent before it was due`);
    }
    core.clock.set(new Date(Math.max(due, core.clock.now().getTime())));
    await engine.runDue();
    if (r.requests.length !== before + 1)
      throw new Error(`attempt ${i + 1}: expected one request, got ${r.requests.length - before}`);
    times.push(core.clock.now().getTime());
  }
  return times.map((t) => t - times[0]);
}
