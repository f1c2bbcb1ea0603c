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
 * Admin API for the WeChat Pay simulator (test helpers permission): its public identity
 * (merchant number, appid, serials: never a key), fault injection, and a manual run of
 * due work (settling refunds, delivering callbacks whose time has come).
 */
export async function wechatpaySandboxAdminRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const simulator = () => {
    const sim = simulatorOf(core);
    if (!sim) throw new JuheError('not_found', 'The WeChat Pay simulator is not running');
    return sim;
  };
  const tags = ['test helpers'];

  app.get(
    '/sandbox/wechatpay',
    { schema: { tags }, preHandler: requirePermission('test_helpers') },
    async () => {
      const sim = simulator();
      return {
        mch_id: sim.keys.merchant.mchid,
        appid: sim.keys.merchant.appid,
        serial_no: sim.keys.merchant.serialNo,
        platform_serial: sim.keys.platform.serial,
        platform_certificate: sim.keys.platform.certificatePem,
        base_url: `${core.publicUrl.replace(/\/+$/, '')}${BASE_PATH}/`,
        faults: sim.faults.active(),
      };
    },
  );

  app.post(
    '/sandbox/wechatpay/faults',
    { schema: { tags, body: FaultBody }, preHandler: requirePermission('test_helpers') },
    async (request, reply) => {
      const body = request.body as { kind: string; count?: number; ms?: number };
      if (!isFaultKind(body.kind))
        throw new JuheError('invalid_parameter', `Unknown fault ${body.kind}`, 'kind');
      const sim = simulator();
      sim.faults.add(body.kind, body.count ?? 1, body.ms ?? 0);
      return reply.status(201).send({ faults: sim.faults.active() });
    },
  );

  // The order WeChat holds for an out_trade_no (a charge's order_sn), with its payer page.
  app.get(
    '/sandbox/wechatpay/orders/:outTradeNo',
    {
      schema: { tags, params: Type.Object({ outTradeNo: Type.String({ minLength: 1, maxLength: 64 }) }) },
      preHandler: requirePermission('test_helpers'),
    },
    async (request) => {
      const { outTradeNo } = request.params as { outTradeNo: string };
      const order = await simulator().findOrderByOutTradeNo(outTradeNo);
      if (!order)
        throw new JuheError(
          'not_found',
          `The WeChat Pay simulator holds no order ${outTradeNo}`,
          'outTradeNo',
        );
      return {
        out_trade_no: outTradeNo,
        mch_id: order.mchid,
        trade_type: order.tradeType,
        trade_state: order.state,
        total: order.total,
        cashier_url: order.cashierUrl,
      };
    },
  );

  app.delete(
    '/sandbox/wechatpay/faults',
    { schema: { tags }, preHandler: requirePermission('test_helpers') },
    async () => {
      const sim = simulator();
      sim.faults.clear();
      return { faults: [] };
    },
  );

  app.post(
    '/sandbox/wechatpay/run',
    { schema: { tags }, preHandler: requirePermission('test_helpers') },
    async () => {
      const sim = simulator();
      const before = sim.deliveries.length;
      await sim.runDue();
      return { deliveries: sim.deliveries.slice(before) };
    },
  );
}
