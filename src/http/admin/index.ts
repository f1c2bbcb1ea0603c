import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';

/** The admin API under /api/v1. Route modules register here. */
export async function adminApi(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  // ROUTES-BEGIN (one line per module: `await app.register(xRoutes, opts);`)
  // ROUTES-END
  void app;
  void opts;
}
