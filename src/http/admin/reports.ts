import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { overviewReport } from '../../core/reports/overview.js';
import { JuheError } from '../../domain/errors.js';
import { requirePermission } from './kit.js';

const OverviewQuery = Type.Object({
  mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])),
  tz: Type.Optional(Type.String({ maxLength: 64 })),
});

/** Reports for the console's overview page. */
export async function reportRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/reports/overview',
    { schema: { tags: ['reports'], querystring: OverviewQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const q = request.query as { mode?: 'test' | 'live'; tz?: string };
      const tz = q.tz ?? 'Asia/Shanghai';
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        throw new JuheError('invalid_parameter', `Unknown time zone ${tz}`, 'tz');
      }
      return overviewReport(core, q.mode === 'live', tz);
    },
  );
}
