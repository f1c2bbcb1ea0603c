import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import { JuheError } from '../../domain/errors.js';
import { faultRoutes, runRoute, runningSimulator, statementFaultRoutes } from '../_kit/admin-routes.js';
import { FAULT_KINDS, isFaultKind } from './faults.js';
import { BASE_PATH, simulatorOf } from './index.js';

/**
 * Admin API for the WeChat Pay simulator: its public identity (merchant number, appid,
 * serials: never a key), fault injection, and a manual run of due work (settling refunds,
 * delivering callbacks whose time has come). Whoever mounts it passes the `guard` that
 * admits a caller (the gateway: the test helpers permission).
 */
export async function wechatpaySandboxAdminRoutes(
  app: FastifyInstance,
  { ctx, guard }: { ctx: SandboxContext; guard: preHandlerAsyncHookHandler },
) {
  const simulator = runningSimulator(() => simulatorOf(ctx), 'WeChat Pay');
  const tags = ['test helpers'];
  const shared = {
    path: '/sandbox/wechatpay',
    kinds: FAULT_KINDS,
    isKind: isFaultKind,
    simulator,
    tags,
    preHandler: guard,
  };

  app.get('/sandbox/wechatpay', { schema: { tags }, preHandler: guard }, async () => {
    const sim = simulator();
    return {
      mch_id: sim.keys.merchant.mchid,
      appid: sim.keys.merchant.appid,
      serial_no: sim.keys.merchant.serialNo,
      platform_serial: sim.keys.platform.serial,
      platform_certificate: sim.keys.platform.certificatePem,
      base_url: `${ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}/`,
      faults: sim.faults.active(),
    };
  });

  faultRoutes(app, shared);
  statementFaultRoutes(app, { ...shared, faults: () => simulator().bills.faults });

  // The order WeChat holds for an out_trade_no (a charge's order_sn), with its payer page.
  app.get(
    '/sandbox/wechatpay/orders/:outTradeNo',
    {
      schema: { tags, params: Type.Object({ outTradeNo: Type.String({ minLength: 1, maxLength: 64 }) }) },
      preHandler: guard,
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

  // Service-provider mode: a sub-merchant bound to the sandbox merchant (its sp_mchid).
  app.post(
    '/sandbox/wechatpay/sub_merchants',
    {
      schema: {
        tags,
        body: Type.Object(
          {
            sub_mchid: Type.String({ pattern: '^[0-9]{6,32}$' }),
            sub_appids: Type.Optional(
              Type.Array(Type.String({ pattern: '^[0-9A-Za-z_]{1,32}$' }), { maxItems: 20 }),
            ),
          },
          { additionalProperties: false },
        ),
      },
      preHandler: guard,
    },
    async (request) => {
      const body = request.body as { sub_mchid: string; sub_appids?: string[] };
      const bound = await simulator().bindSubMerchant(body.sub_mchid, body.sub_appids ?? []);
      if (!bound)
        throw new JuheError(
          'already_exists',
          `${body.sub_mchid} is bound to another service provider`,
          'sub_mchid',
        );
      return { sub_mchid: bound.subMchid, sp_mchid: bound.spMchid, sub_appids: bound.subAppids };
    },
  );

  runRoute(app, shared);
}
