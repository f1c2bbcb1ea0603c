import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { requirePermission } from '../../http/admin/kit.js';
import { JuheError } from '../../domain/errors.js';
import { FAULT_KINDS, isFaultKind } from './faults.js';
import { BASE_PATH, simulatorOf } from './simulator.js';

const FaultBody = Type.Object(
  {
    kind: Type.String({ enum: [...FAULT_KINDS] }),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 * 1000 })),
  },
  { additionalProperties: false },
);

/**
 * Admin API for the Lakala simulator (test helpers permission): its public identity
 * (appid, merchant and terminal numbers, serials, the platform certificate: never a
 * private key), fault injection, the order Lakala holds for a charge, and a manual run of
 * due work (settling refunds, delivering notifications whose time has come).
 */
export async function lakalaSandboxAdminRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const simulator = () => {
    const sim = simulatorOf(core);
    if (!sim) throw new JuheError('not_found', 'The Lakala simulator is not running');
    return sim;
  };
  const tags = ['test helpers'];
  const guard = { preHandler: requirePermission('test_helpers') };

  app.get('/sandbox/lakala', { schema: { tags }, ...guard }, async () => {
    const { keys, faults } = simulator();
    return {
      appid: keys.merchant.appid,
      merchant_no: keys.merchant.merchantNo,
      term_no: keys.merchant.termNo,
      serial_no: keys.merchant.serialNo,
      platform_serial: keys.platform.serial,
      platform_certificate: keys.platform.certificatePem,
      base_url: `${core.publicUrl.replace(/\/+$/, '')}${BASE_PATH}`,
      faults: faults.active(),
    };
  });

  app.post(
    '/sandbox/lakala/faults',
    { schema: { tags, body: FaultBody }, ...guard },
    async (request, reply) => {
      const body = request.body as { kind: string; count?: number; ms?: number };
      if (!isFaultKind(body.kind))
        throw new JuheError('invalid_parameter', `Unknown fault ${body.kind}`, 'kind');
      const sim = simulator();
      sim.faults.add(body.kind, body.count ?? 1, body.ms ?? 0);
      return reply.status(201).send({ faults: sim.faults.active() });
    },
  );

  app.delete('/sandbox/lakala/faults', { schema: { tags }, ...guard }, async () => {
    simulator().faults.clear();
    return { faults: [] };
  });

  app.get(
    '/sandbox/lakala/orders/:outOrderNo',
    {
      schema: { tags, params: Type.Object({ outOrderNo: Type.String({ minLength: 1, maxLength: 64 }) }) },
      ...guard,
    },
    async (request) => {
      const { outOrderNo } = request.params as { outOrderNo: string };
      const order = await simulator().findOrder(outOrderNo);
      if (!order) {
        throw new JuheError('not_found', `The Lakala simulator holds no order ${outOrderNo}`, 'outOrderNo');
      }
      return {
        out_order_no: outOrderNo,
        merchant_no: order.merchantNo,
        order_status: order.status,
        total_amount: order.total,
        counter_url: order.counterUrl,
      };
    },
  );

  app.post('/sandbox/lakala/run', { schema: { tags }, ...guard }, async () => {
    const sim = simulator();
    const before = sim.deliveries.length;
    await sim.runDue();
    return { deliveries: sim.deliveries.slice(before) };
  });
}
