import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { cancelCharge } from '../../core/payments/cancel-charge.js';
import { createCharge } from '../../core/payments/create-charge.js';
import { listCharges } from '../../core/payments/list-charges.js';
import { listChargeRefunds, retrieveChargeWithRefunds } from '../../core/payments/list-refunds.js';
import { createRefund } from '../../core/refunds/create-refund.js';
import { checkSupervisorPassword } from './supervisor-password.js';
import { serializeCharge, serializeRefund } from '../../core/serialize.js';
import { METHODS, PROVIDERS } from '../../domain/channels.js';
import { CURRENCIES, type Currency } from '../../domain/money.js';
import { parseOptionalDateTime } from '../admin-input.js';
import { audit, requirePermission } from './kit.js';
import { chargeExportRoutes } from './charge-export.js';
import { ChargeFilterQuery, chargeFilterParams, literalUnion } from './charge-filters.js';
import { chargeTimelineRoutes } from './charge-timeline.js';

const ChargeId = Type.Object({ id: Type.String({ pattern: '^ch_[0-9a-f]{24}$' }) });
const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
  maxProperties: 50,
});

export const ChargeListQuery = Type.Object({
  ...ChargeFilterQuery,
  order: Type.Optional(literalUnion(['asc', 'desc'])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/** Charges in the native API: list, retrieve, create (admin/POS use), cancel, refund. */
export async function chargeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  await app.register(chargeExportRoutes, { core });
  await app.register(chargeTimelineRoutes, { core });
  app.get(
    '/charges',
    { schema: { tags: ['charges'], querystring: ChargeListQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const q = request.query as Static<typeof ChargeListQuery>;
      const page = await listCharges(core.db, {
        ...chargeFilterParams(q),
        order: q.order as 'asc' | 'desc' | undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { data: page.data.map(serializeCharge), has_more: page.hasMore, next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/charges/:id',
    { schema: { tags: ['charges'], params: ChargeId }, preHandler: requirePermission('read') },
    async (request) => {
      const [charge, refunds] = await retrieveChargeWithRefunds(core, (request.params as { id: string }).id);
      return { ...serializeCharge(charge), refunds: refunds.map(serializeRefund) };
    },
  );

  app.post(
    '/charges',
    {
      schema: {
        tags: ['charges'],
        body: Type.Object({
          app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
          store: Type.Optional(Type.String({ pattern: '^sto_[0-9a-f]{24}$' })),
          mode: Type.Optional(literalUnion(['test', 'live'])),
          order_no: Type.String({ minLength: 1, maxLength: 64 }),
          channel: literalUnion(PROVIDERS),
          method: literalUnion(METHODS),
          amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
          currency: literalUnion(Object.keys(CURRENCIES)),
          subject: Type.String({ minLength: 1, maxLength: 128 }),
          body: Type.Optional(Type.String({ maxLength: 512 })),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          client_ip: Type.Optional(Type.String({ maxLength: 64 })),
          expires_at: Type.Optional(Type.String({ format: 'date-time' })),
          return_url: Type.Optional(Type.String({ format: 'uri', maxLength: 1024 })),
          extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          metadata: Type.Optional(Metadata),
        }),
      },
      preHandler: requirePermission('charges.write'),
    },
    async (request, reply) => {
      const b = request.body as Record<string, any>;
      const charge = await createCharge(core, {
        appId: b.app,
        storeId: b.store,
        livemode: b.mode === 'live',
        dialect: 'admin',
        orderNo: b.order_no,
        channel: b.channel,
        method: b.method,
        amount: b.amount,
        currency: b.currency as Currency,
        subject: b.subject,
        body: b.body,
        description: b.description,
        clientIp: b.client_ip ?? request.ip,
        expiresAt: parseOptionalDateTime(b.expires_at, 'expires_at'),
        returnUrl: b.return_url,
        extra: b.extra,
        metadata: b.metadata,
      });
      return reply.status(201).send(serializeCharge(charge));
    },
  );

  app.post(
    '/charges/:id/cancel',
    { schema: { tags: ['charges'], params: ChargeId }, preHandler: requirePermission('charges.write') },
    async (request) => {
      const { id } = request.params as { id: string };
      const charge = await cancelCharge(core, id);
      await audit(core.db, core, request, 'charge.cancel', { type: 'charge', id });
      return serializeCharge(charge);
    },
  );

  app.get(
    '/charges/:id/refunds',
    { schema: { tags: ['refunds'], params: ChargeId }, preHandler: requirePermission('read') },
    async (request) => {
      const { id } = request.params as { id: string };
      return { data: (await listChargeRefunds(core, id)).map(serializeRefund) };
    },
  );

  app.post(
    '/charges/:id/refunds',
    {
      schema: {
        tags: ['refunds'],
        params: ChargeId,
        body: Type.Object({
          amount: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
          refund_no: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          metadata: Type.Optional(Metadata),
          supervisor_password: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 64,
              description:
                "A store charge's supervisor password (as typed, not its sha1), checked like the store API's shop_pass: 403 when wrong, 429 after too many wrong tries. Refused for a charge of no store.",
            }),
          ),
        }),
      },
      preHandler: requirePermission('refunds.write'),
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = (request.body ?? {}) as Record<string, any>;
      const supervisor =
        b.supervisor_password === undefined
          ? undefined
          : await checkSupervisorPassword(core, request, id, b.supervisor_password);
      const refund = await createRefund(core, {
        chargeId: id,
        amount: b.amount,
        refundNo: b.refund_no,
        description: b.description,
        metadata: b.metadata,
      });
      await audit(
        core.db,
        core,
        request,
        'refund.create',
        { type: 'refund', id: refund.id },
        {
          charge: id,
          amount: refund.amount,
          ...(supervisor ? { supervisor_confirmed: supervisor.storeId } : {}),
        },
      );
      return reply.status(201).send(serializeRefund(refund));
    },
  );
}
