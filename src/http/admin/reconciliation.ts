import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { requireDay } from '../../core/reconciliation/days.js';
import { allItems, listItems, listRuns, retrieveRun, serializeItem } from '../../core/reconciliation/list.js';
import { reconcileDay, serializeRun } from '../../core/reconciliation/reconcile-day.js';
import { JuheError } from '../../domain/errors.js';
import { PROVIDERS, type Provider } from '../../domain/channels.js';
import { requirePermission } from './kit.js';
import { sendTable } from './table-export.js';

const Day = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'a day in Asia/Shanghai, 2026-12-06',
});
const RunId = Type.String({ pattern: '^rcn_[0-9a-f]{24}$' });
const CLASSES = [
  'repaired',
  'missing_here',
  'missing_upstream',
  'amount_mismatch',
  'status_mismatch',
  'refund_mismatch',
  'settlement_mismatch',
  'settlement_unavailable',
] as const;
const ProviderName = Type.Union(PROVIDERS.map((p) => Type.Literal(p)));

const RunCreate = Type.Object({
  date: Day,
  config: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a channel config id' })),
  provider: Type.Optional(ProviderName),
});
const RunListQuery = Type.Object({
  date: Type.Optional(Day),
  config: Type.Optional(Type.String({ maxLength: 64 })),
  provider: Type.Optional(ProviderName),
  status: Type.Optional(
    Type.Union(['running', 'completed', 'not_ready', 'failed'].map((s) => Type.Literal(s))),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  starting_after: Type.Optional(RunId),
});
const ItemQuery = {
  run: Type.Optional(RunId),
  date: Type.Optional(Day),
  class: Type.Optional(Type.Union(CLASSES.map((c) => Type.Literal(c)))),
  app: Type.Optional(Type.String({ maxLength: 64 })),
};
const ItemListQuery = Type.Object({
  ...ItemQuery,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  starting_after: Type.Optional(Type.Integer({ minimum: 0 })),
});
const ItemExportQuery = Type.Object({
  ...ItemQuery,
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
});

const ITEM_COLUMNS = [
  'id', 'run', 'date', 'class', 'provider', 'app', 'charge', 'refund', 'out_trade_no', 'out_refund_no',
  'transaction_no', 'upstream_amount', 'local_amount', 'local_status', 'fee', 'detail',
] as const; // prettier-ignore

/**
 * Reconciliation: run a day on demand (one channel config, or a provider's simulator
 * default merchant in test mode), list runs and what they found, export the items.
 */
export async function reconciliationRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const tags = ['reconciliation'];
  app.post(
    '/reconciliation_runs',
    { schema: { tags, body: RunCreate }, preHandler: requirePermission('reconciliation.run') },
    async (request, reply) => {
      const b = request.body as Static<typeof RunCreate>;
      const date = requireDay(b.date);
      if (!b.config === !b.provider) {
        throw new JuheError('invalid_parameter', 'Name exactly one of config or provider', 'config');
      }
      const target = b.config ? { configId: b.config } : { provider: b.provider as Provider };
      const run = await reconcileDay(core, target, { date, trigger: 'manual' });
      return reply.status(201).send(serializeRun(run!));
    },
  );

  app.get(
    '/reconciliation_runs',
    { schema: { tags, querystring: RunListQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const q = request.query as Static<typeof RunListQuery>;
      if (q.date) requireDay(q.date);
      const page = await listRuns(
        core,
        {
          date: q.date,
          configId: q.config,
          provider: q.provider,
          status: q.status,
          startingAfter: q.starting_after,
        },
        q.limit,
      );
      return { data: page.data.map(serializeRun), has_more: page.hasMore };
    },
  );

  app.get(
    '/reconciliation_runs/:id',
    { schema: { tags, params: Type.Object({ id: RunId }) }, preHandler: requirePermission('read') },
    async (request) => serializeRun(await retrieveRun(core, (request.params as { id: string }).id)),
  );

  app.get(
    '/reconciliation_items',
    { schema: { tags, querystring: ItemListQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const q = request.query as Static<typeof ItemListQuery>;
      if (q.date) requireDay(q.date);
      const page = await listItems(
        core,
        { runId: q.run, date: q.date, class: q.class, appId: q.app, startingAfter: q.starting_after },
        q.limit,
      );
      return { data: page.data.map(serializeItem), has_more: page.hasMore };
    },
  );

  app.get(
    '/reconciliation_items/export',
    { schema: { tags, querystring: ItemExportQuery }, preHandler: requirePermission('read') },
    async (request, reply) => {
      const q = request.query as Static<typeof ItemExportQuery>;
      if (q.date) requireDay(q.date);
      const rows = allItems(core, { runId: q.run, date: q.date, class: q.class, appId: q.app });
      async function* views() {
        for await (const item of rows) yield serializeItem(item);
      }
      return sendTable(reply, q.format, `reconciliation-${q.run ?? q.date ?? 'all'}`, ITEM_COLUMNS, views());
    },
  );
}
