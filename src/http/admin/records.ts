import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { serializeRefund } from '../../core/serialize.js';
import { findRefund, toRefund } from '../../db/charges.js';
import { JuheError } from '../../domain/errors.js';
import { EVENT_TYPES } from '../../domain/events.js';
import { requirePermission } from './kit.js';

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 100 }));

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
        querystring: Type.Object({
          app: Type.Optional(Type.String()),
          charge: Type.Optional(Type.String()),
          status: Type.Optional(Type.Union(['pending', 'succeeded', 'failed'].map((s) => Type.Literal(s)))),
          limit: Limit,
          starting_after: Type.Optional(Type.String({ pattern: '^re_[0-9a-f]{24}$' })),
        }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const q = request.query as Record<string, any>;
      const { sql, args } = keysetPage('refunds', q, [
        ['app_id', q.app],
        ['charge_id', q.charge],
        ['status', q.status],
      ]);
      const rows = await core.db.query(sql, args);
      return page(rows.map(toRefund).map(serializeRefund), q.limit);
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
      const refund = await findRefund(core.db, (request.params as { id: string }).id);
      if (!refund) throw new JuheError('refund_not_found', undefined, 'id');
      return serializeRefund(refund);
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        querystring: Type.Object({
          app: Type.Optional(Type.String()),
          object_id: Type.Optional(Type.String()),
          type: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)))),
          limit: Limit,
          starting_after: Type.Optional(Type.String({ pattern: '^evt_[0-9a-f]{24}$' })),
        }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const q = request.query as Record<string, any>;
      const { sql, args } = keysetPage('events', q, [
        ['app_id', q.app],
        ['object_id', q.object_id],
        ['type', q.type],
      ]);
      const rows = await core.db.query(sql, args);
      return page(rows.map(eventView), q.limit);
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
      const [row] = await core.db.query('SELECT * FROM events WHERE id = $1', [
        (request.params as { id: string }).id,
      ]);
      if (!row) throw new JuheError('not_found', 'No such event', 'id');
      return eventView(row);
    },
  );

  app.get(
    '/audit_log',
    {
      schema: {
        tags: ['audit'],
        querystring: Type.Object({
          action: Type.Optional(Type.String({ maxLength: 100 })),
          target_id: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Limit,
          starting_after: Type.Optional(Type.String({ pattern: '^aud_[0-9a-f]{24}$' })),
        }),
      },
      preHandler: requirePermission('audit.read'),
    },
    async (request) => {
      const q = request.query as Record<string, any>;
      const { sql, args } = keysetPage('audit_log', q, [
        ['action', q.action],
        ['target_id', q.target_id],
      ]);
      return page(await core.db.query(sql, args), q.limit);
    },
  );
}

function eventView(r: Record<string, any>) {
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

/**
 * Newest first, filters by equality, one extra row to know `has_more`. Events order by
 * their sequence number (commit order within one writer), the others by (created_at, id).
 */
function keysetPage(
  table: 'refunds' | 'events' | 'audit_log',
  q: Record<string, any>,
  filters: [string, unknown][],
) {
  const key = table === 'events' ? 'seq' : '(created_at, id)';
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [column, value] of filters) {
    if (value === undefined) continue;
    args.push(value);
    where.push(`${column} = $${args.length}`);
  }
  if (q.starting_after) {
    args.push(q.starting_after);
    where.push(`${key} < (SELECT ${key.replace(/[()]/g, '')} FROM ${table} WHERE id = $${args.length})`);
  }
  args.push((q.limit ?? 20) + 1);
  const sql = `SELECT * FROM ${table} ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY ${table === 'events' ? 'seq DESC' : 'created_at DESC, id DESC'} LIMIT $${args.length}`;
  return { sql, args };
}

function page<T>(rows: T[], limit = 20) {
  return { data: rows.slice(0, limit), has_more: rows.length > limit };
}
