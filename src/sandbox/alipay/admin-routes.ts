import { statementFaultRoutes } from '../_kit/admin-routes.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import { JuheError } from '../../domain/errors.js';
import { GATEWAY_FAULTS, NOTIFY_FAULTS } from './faults.js';
import { alipaySimulatorFor } from './index.js';
import { createSandboxApp } from './keys.js';
import type { Trade } from './repository.js';

const FaultBody = Type.Object(
  {
    kind: Type.Union([...NOTIFY_FAULTS, ...GATEWAY_FAULTS].map((k) => Type.Literal(k))),
    /** Gateway faults only: the API method it applies to (default: any). */
    method: Type.Optional(Type.String({ pattern: '^alipay\\.trade\\.[a-z.]+$', maxLength: 64 })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** delay/timeout: {ms}; error_5xx: {status}; business_error: {sub_code, sub_msg}. */
    params: Type.Optional(
      Type.Object(
        {
          ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 3600_000 })),
          status: Type.Optional(Type.Integer({ minimum: 500, maximum: 599 })),
          sub_code: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
          sub_msg: Type.Optional(Type.String({ maxLength: 256 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const TradeRef = Type.Object({ ref: Type.String({ pattern: '^[A-Za-z0-9_\\-.]{1,64}$' }) });

/**
 * The Alipay simulator's admin API (test helpers): fault injection, notification
 * delivery on demand, the payer's actions on a trade, and simulated apps for channel
 * configs that point at the simulator.
 */
export async function alipaySandboxAdminRoutes(
  app: FastifyInstance,
  { ctx: core, preHandler }: { ctx: SandboxContext; preHandler: preHandlerAsyncHookHandler },
) {
  const sim = () => alipaySimulatorFor(core);
  const base = '/test_helpers/sandbox/alipay';
  // The mounter's permission check (the gateway's test_helpers permission).
  const guard = { preHandler };
  const tags = ['test helpers'];
  // The statement faults, at the same path shape as every provider's (/sandbox/<provider>).
  statementFaultRoutes(app, { path: '/sandbox/alipay', tags, preHandler, faults: () => sim().bills.faults });

  app.post(`${base}/faults`, { schema: { tags, body: FaultBody }, ...guard }, async (request, reply) => {
    const body = request.body as {
      kind: (typeof NOTIFY_FAULTS)[number] | (typeof GATEWAY_FAULTS)[number];
      method?: string;
      count?: number;
      params?: Record<string, unknown>;
    };
    if (body.method && (NOTIFY_FAULTS as readonly string[]).includes(body.kind)) {
      throw new JuheError(
        'invalid_parameter',
        'Notification faults apply to every notification: no method',
        'method',
      );
    }
    const fault = await sim().addFault(body.kind, {
      apiMethod: body.method,
      count: body.count,
      params: body.params,
    });
    return reply.status(201).send(faultView(fault));
  });

  app.get(`${base}/faults`, { schema: { tags }, ...guard }, async () => ({
    data: (await sim().listFaults()).map(faultView),
  }));

  app.delete(`${base}/faults`, { schema: { tags }, ...guard }, async () => {
    await sim().clearFaults();
    return { deleted: true };
  });

  // Drives the clock-based work now: expiry of unpaid trades and due notification attempts.
  app.post(`${base}/notifications/deliver`, { schema: { tags }, ...guard }, async () => {
    const closed = await sim().closeExpired();
    const attempts = await sim().deliverDue();
    return { closed_trades: closed, attempts };
  });

  app.get(
    `${base}/notifications`,
    {
      schema: {
        tags,
        querystring: Type.Object({ out_trade_no: Type.Optional(Type.String({ maxLength: 64 })) }),
      },
      ...guard,
    },
    async (request) => {
      const { out_trade_no: outTradeNo } = request.query as { out_trade_no?: string };
      return { data: await sim().notifications({ outTradeNo }) };
    },
  );

  for (const action of ['pay', 'decline'] as const) {
    app.post(
      `${base}/trades/:ref/${action}`,
      { schema: { tags, params: TradeRef }, ...guard },
      async (request) => {
        const { ref } = request.params as { ref: string };
        const found = await sim().latestTradeFor(ref, true);
        if (!found) throw new JuheError('not_found', `No simulated Alipay trade ${ref}`, 'ref');
        const trade = action === 'pay' ? await sim().pay(found.tradeNo) : await sim().decline(found.tradeNo);
        return tradeView(trade!);
      },
    );
  }

  app.post(
    `${base}/apps`,
    {
      schema: {
        tags,
        body: Type.Object(
          { app_public_key: Type.Optional(Type.String({ minLength: 100, maxLength: 4096 })) },
          { additionalProperties: false },
        ),
      },
      ...guard,
    },
    async (request, reply) => {
      const { app_public_key: appPublicKey } = (request.body ?? {}) as { app_public_key?: string };
      if (appPublicKey && !/BEGIN PUBLIC KEY/.test(appPublicKey)) {
        throw new JuheError(
          'invalid_parameter',
          'app_public_key must be an SPKI PEM public key',
          'app_public_key',
        );
      }
      const created = await createSandboxApp(core, { appPublicKey });
      return reply.status(201).send({
        app_id: created.appId,
        gateway_url: `${core.publicUrl}/sandbox/alipay/gateway.do`,
        alipay_public_key: created.alipayPublicKey,
        app_public_key: created.appPublicKey,
        // Shown once, only when the simulator generated the merchant's key pair.
        private_key: created.appPrivateKey,
      });
    },
  );
}

function faultView(f: {
  id: string;
  kind: string;
  apiMethod: string | null;
  remaining: number;
  params: unknown;
}) {
  return { id: f.id, kind: f.kind, method: f.apiMethod, remaining: f.remaining, params: f.params };
}

function tradeView(t: Trade) {
  return {
    trade_no: t.tradeNo,
    out_trade_no: t.outTradeNo,
    app_id: t.appId,
    trade_status: t.status,
    total_amount: t.totalAmount,
    refunded: t.refunded,
    paid_at: t.paidAt?.toISOString() ?? null,
    closed_at: t.closedAt?.toISOString() ?? null,
  };
}
