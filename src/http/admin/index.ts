import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';

/** The admin API under /api/v1. Route modules register here. */
export async function adminApi(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  void opts;
  void app;
}
