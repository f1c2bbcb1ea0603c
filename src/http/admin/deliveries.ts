import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import {
  type DeliveryFilter,
  findDelivery,
  listAttempts,
  BULK_REPLAY_LIMIT,
  listDeliveries,
  replayDelivery,
  replayDeliveries,
} from '../../deliveries/deliveries.js';
import { serializeAttempt, serializeDelivery } from '../../deliveries/serialize.js';
import { parseOptionalDateTime } from '../admin-input.js';
import { audit, requirePermission } from './kit.js';

const DeliveryId = Type.Object({ id: Type.String({ pattern: '^dlv_[0-9a-f]{24}$' }) });
const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('canceled'),
]);
const Filter = {
  app: Type.Optional(Type.String({ pattern: '^app_[0-9a-f]{24}$' })),
  event: Type.Optional(Type.String({ pattern: '^evt_[0-9a-f]{24}$' })),
  event_type: Type.Optional(Type.String({ maxLength: 100 })),
  endpoint: Type.Optional(Type.String({ pattern: '^we_[0-9a-f]{24}$' })),
  mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])),
  created_gte: Type.Optional(
    Type.String({ format: 'date-time', description: 'Created at or after (ISO-8601).' }),
  ),
  created_lt: Type.Optional(Type.String({ format: 'date-time', description: 'Created before (ISO-8601).' })),
};
const ListQuery = Type.Object({
  ...Filter,
  status: Type.Optional(Status),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  starting_after: Type.Optional(Type.String({ pattern: '^dlv_[0-9a-f]{24}$' })),
});
const ReplayBody = Type.Object(
  {
    ...Filter,
    status: Type.Optional(
      Type.Union([Status], { description: 'Deliveries in this status (default failed).' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: BULK_REPLAY_LIMIT,
        description: `At most this many, oldest first (default and maximum ${BULK_REPLAY_LIMIT}); has_more says to call again.`,
      }),
    ),
  },
  { additionalProperties: false },
);

type FilterInput = Partial<Record<keyof typeof Filter, string>> & { status?: string; limit?: number };

function toFilter(input: FilterInput): DeliveryFilter {
  const date = parseOptionalDateTime;
  return {
    app: input.app,
    event: input.event,
    eventType: input.event_type,
    endpoint: input.endpoint,
    status: input.status as DeliveryFilter['status'],
    livemode: input.mode === undefined ? undefined : input.mode === 'live',
    since: date(input.created_gte, 'created_gte'),
    until: date(input.created_lt, 'created_lt'),
  };
}

/**
 * The delivery log: every notification of every event to every target, each attempt as
 * sent and as answered; replay one, or replay every delivery matching a filter.
 */
export async function deliveryRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const tags = ['deliveries'];

  app.get(
    '/deliveries',
    { schema: { tags, querystring: ListQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const query = request.query as Static<typeof ListQuery>;
      const page = await listDeliveries(core.db, toFilter(query), {
        limit: query.limit ?? 20,
        startingAfter: query.starting_after,
      });
      return { data: page.rows.map(serializeDelivery), has_more: page.hasMore };
    },
  );

  app.get(
    '/deliveries/:id',
    { schema: { tags, params: DeliveryId }, preHandler: requirePermission('read') },
    async (request) => {
      const { id } = request.params as { id: string };
      const row = await findDelivery(core.db, id);
      if (!row) throw new JuheError('not_found', 'No such delivery.', 'id');
      return {
        ...serializeDelivery(row),
        attempt_log: (await listAttempts(core.db, id)).map(serializeAttempt),
      };
    },
  );

  app.post(
    '/deliveries/:id/replay',
    {
      schema: {
        tags,
        params: DeliveryId,
        description: 'Sends the same notification (same id) again now, starting a new round of its schedule.',
      },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return core.db.tx(async (q) => {
        const row = await replayDelivery(q, core, id);
        await audit(q, core, request, 'delivery.replay', { type: 'delivery', id });
        return serializeDelivery(row);
      });
    },
  );

  app.post(
    '/deliveries/replay',
    {
      schema: {
        tags,
        body: ReplayBody,
        description:
          'Replays every delivery matching the filter (default status failed); deliveries to deleted or disabled ' +
          'endpoints are left alone. Needs at least one of app, endpoint, event or created_gte.',
      },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) => {
      const body = request.body as Static<typeof ReplayBody>;
      if (!body.app && !body.endpoint && !body.event && !body.created_gte)
        throw new JuheError(
          'missing_parameter',
          'Give at least one of app, endpoint, event or created_gte.',
          'app',
        );
      const filter = toFilter({ ...body, status: body.status ?? 'failed' });
      const limit = body.limit ?? BULK_REPLAY_LIMIT;
      return core.db.tx(async (q) => {
        const replayed = await replayDeliveries(q, core, filter, limit);
        await audit(q, core, request, 'delivery.bulk_replay', null, { filter: { ...body }, replayed });
        // Replayed deliveries are pending again, so the same filter next time finds the rest.
        return { replayed, has_more: replayed === limit };
      });
    },
  );
}
