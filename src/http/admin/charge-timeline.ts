import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { chargeTimeline } from '../../core/payments/charge-timeline.js';
import { requirePermission } from './kit.js';

/** GET /charges/{id}/timeline: the console's detail drawer in one call. */
export async function chargeTimelineRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/charges/:id/timeline',
    {
      schema: {
        tags: ['charges'],
        params: Type.Object({ id: Type.String({ pattern: '^ch_[0-9a-f]{24}$' }) }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => chargeTimeline(core, (request.params as { id: string }).id),
  );
}
