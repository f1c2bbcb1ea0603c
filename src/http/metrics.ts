import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Core } from '../core/context.js';
import { readGauges } from '../core/metrics.js';

/**
 * Prometheus metrics at /metrics. A registry per server (not the global one), so two
 * servers in one test process do not collide. Charge counts and outbox lag are read from
 * the database at scrape time: every node reports the same truth.
 */
export function registerMetrics(app: FastifyInstance, core: Core): void {
  const registry = new Registry();
  const requests = new Counter({
    name: 'juhe_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'juhe_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const charges = new Gauge({
    name: 'juhe_charges',
    help: 'Charges by channel and status',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  const outboxLag = new Gauge({
    name: 'juhe_outbox_lag_seconds',
    help: 'Age of the oldest unprocessed outbox row (0 when empty)',
    registers: [registry],
  });
  const outboxPending = new Gauge({
    name: 'juhe_outbox_pending',
    help: 'Unprocessed outbox rows',
    registers: [registry],
  });

  // Label children are looked up once per (route, method, status), not hashed per request.
  const children = new Map<string, { count: () => void; observe: (seconds: number) => void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${route} ${request.method} ${reply.statusCode}`;
    let child = children.get(key);
    if (!child) {
      const labels = [route, request.method, String(reply.statusCode)] as const;
      const counter = requests.labels(...labels);
      const histogram = latency.labels(...labels);
      child = { count: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
      children.set(key, child);
    }
    child.count();
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    charges.reset();
    const gauges = await readGauges(core);
    for (const r of gauges.charges) charges.set({ channel: r.channel, status: r.status }, r.n);
    outboxLag.set(Math.max(0, gauges.outbox.lag ?? 0));
    outboxPending.set(gauges.outbox.n);
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
