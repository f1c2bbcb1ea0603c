import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { serializeRefund } from '../../core/serialize.js';
import { type EventRow, listAuditEntries, listEvents, retrieveEvent } from '../../core/event-log.js';
import { listRefunds, retrieveRefund } from '../../core/payments/list-refunds.js';
import { JuheError } from '../../domain/errors.js';
import { EVENT_TYPES } from '../../domain/events.js';
import { parseOptionalDateTime } from '../admin-input.js';
import { requirePermission } from './kit.js';

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 100 }));

const RefundListQuery = Type.Object({
  app: Type.Optional(Type.String()),
  charge: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union(['pending', 'succeeded', 'failed'].map((s) => Type.Literal(s)))),
  limit: Limit,
  starting_after: Type.Optional(Type.String({ pattern: '^re_[0-9a-f]{24}$' })),
});
const EventListQuery = Type.Object({
  app: Type.Optional(Type.String()),
  object_id: Type.Optional(Type.String()),
  type: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)))),
  limit: Limit,
  starting_after: Type.Optional(Type.String({ pattern: '^evt_[0-9a-f]{24}$' })),
});
const AuditListQuery = Type.Object({
  action: Type.Optional(
    Type.String({ maxLength: 100, description: 'An exact action, or a family ending in .* (user.*).' }),
  ),
  actor: Type.Optional(Type.String({ maxLength: 100, description: 'The user or API token id that acted.' })),
  target_type: Type.Optional(Type.String({ maxLength: 100 })),
  target_id: Type.Optional(Type.String({ maxLength: 100 })),
  created_gte: Type.Optional(Type.String({ format: 'date-time', description: 'At or after (ISO-8601).' })),
  created_lt: Type.Optional(Type.String({ format: 'date-time', description: 'Before (ISO-8601).' })),
  limit: Limit,
  starting_after: Type.Optional(Type.String({ pattern: '^aud_[0-9a-f]{24}$' })),
});

/**
 * Read-only ledgers: refunds, events, audit log. Each pages newest-first by keyset:
 * `starting_after` is the last id of the previous page.
 */
export async function recordRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/refunds',
    {
      schema: {
        tags: ['refunds'],
        querystring: RefundListQuery,
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const q = request.query as Static<typeof RefundListQuery>;
      const page = await listRefunds(
        core,
        { appId: q.app, chargeId: q.charge, status: q.status, startingAfter: q.starting_after },
        q.limit,
      );
      return { data: page.data.map(serializeRefund), has_more: page.hasMore };
    },
  );

  app.get(
    '/refunds/:id',
    {
      schema: {
        tags: ['refunds'],
        params: Type.Object({ id: Type.String({ pattern: '^re_[0-9a-f]{24}$' }) }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      return serializeRefund(await retrieveRefund(core, (request.params as { id: string }).id));
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        querystring: EventListQuery,
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const q = request.query as Static<typeof EventListQuery>;
      const page = await listEvents(
        core,
        { appId: q.app, objectId: q.object_id, type: q.type, startingAfter: q.starting_after },
        q.limit,
      );
      return { data: page.data.map(eventView), has_more: page.hasMore };
    },
  );

  app.get(
    '/events/:id',
    {
      schema: {
        tags: ['events'],
        params: Type.Object({ id: Type.String({ pattern: '^evt_[0-9a-f]{24}$' }) }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const row = await retrieveEvent(core, (request.params as { id: string }).id);
      if (!row) throw new JuheError('not_found', 'No such event', 'id');
      return eventView(row);
    },
  );

  app.get(
    '/audit_log',
    {
      schema: {
        tags: ['audit'],
        querystring: AuditListQuery,
      },
      preHandler: requirePermission('audit.read'),
    },
    async (request) => {
      const q = request.query as Static<typeof AuditListQuery>;
      const page = await listAuditEntries(
        core,
        {
          action: q.action,
          actorId: q.actor,
          targetType: q.target_type,
          targetId: q.target_id,
          since: parseOptionalDateTime(q.created_gte, 'created_gte'),
          until: parseOptionalDateTime(q.created_lt, 'created_lt'),
          startingAfter: q.starting_after,
        },
        q.limit,
      );
      return { data: page.data, has_more: page.hasMore };
    },
  );
}

function eventView(r: EventRow) {
  return {
    id: r.id,
    object: 'event',
    type: r.type,
    app: r.app_id,
    livemode: r.livemode,
    object_type: r.object_type,
    object_id: r.object_id,
    data: r.data,
    created_at: r.created_at,
  };
}
