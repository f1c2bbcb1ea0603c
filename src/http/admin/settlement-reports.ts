import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { settlementReport } from '../../core/reconciliation/reports.js';
import { requirePermission } from './kit.js';
import { sendTable } from './table-export.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const ReportQuery = Type.Object({
  period: Type.Union([Type.Literal('day'), Type.Literal('month')]),
  from: Day,
  to: Day,
  mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')])),
  app: Type.Optional(Type.String({ maxLength: 64 })),
});
const ExportQuery = Type.Object({
  ...ReportQuery.properties,
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
});
const COLUMNS = [
  'period',
  'app_id',
  'store_id',
  'channel',
  'charges',
  'gross',
  'refunds',
  'refunded',
  'fees',
  'net',
];

/**
 * Settlement reports for finance: per day or month (Asia/Shanghai), app, store and channel,
 * gross, refunds, fees and net in minor units; as JSON, CSV or XLSX.
 */
export async function settlementReportRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const tags = ['reports'];
  const params = (q: Static<typeof ReportQuery>) => ({
    period: q.period,
    from: q.from,
    to: q.to,
    livemode: q.mode === 'live',
    appId: q.app,
  });
  app.get(
    '/settlement_reports',
    { schema: { tags, querystring: ReportQuery }, preHandler: requirePermission('read') },
    async (request) => ({
      data: await settlementReport(core, params(request.query as Static<typeof ReportQuery>)),
    }),
  );
  app.get(
    '/settlement_reports/export',
    { schema: { tags, querystring: ExportQuery }, preHandler: requirePermission('read') },
    async (request, reply) => {
      const q = request.query as Static<typeof ExportQuery>;
      const lines = await settlementReport(core, params(q));
      async function* rows() {
        yield* lines as unknown as Record<string, unknown>[];
      }
      return sendTable(reply, q.format, `settlement-${q.period}-${q.from}-${q.to}`, COLUMNS, rows());
    },
  );
}
