import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import { faultRoutes, runRoute, runningSimulator } from '../_kit/admin-routes.js';
import { JuheError } from '../../domain/errors.js';
import { FAULT_KINDS, isFaultKind } from './faults.js';
import { BASE_PATH, simulatorOf } from './simulator.js';

/**
 * Admin API for the Lakala simulator (test helpers permission): its public identity
 * (appid, merchant and terminal numbers, serials, the platform certificate: never a
 * private key), fault injection, the order Lakala holds for a charge, and a manual run of
 * due work (settling refunds, delivering notifications whose time has come).
 */
export async function lakalaSandboxAdminRoutes(
  app: FastifyInstance,
  { ctx, guard: permitted }: { ctx: SandboxContext; guard: preHandlerAsyncHookHandler },
) {
  const simulator = runningSimulator(() => simulatorOf(ctx), 'Lakala');
  const tags = ['test helpers'];
  const guard = { preHandler: permitted };
  const shared = {
    path: '/sandbox/lakala',
    kinds: FAULT_KINDS,
    isKind: isFaultKind,
    simulator,
    tags,
    ...guard,
  };

  app.get('/sandbox/lakala', { schema: { tags }, ...guard }, async () => {
    const { keys, faults } = simulator();
    return {
      appid: keys.merchant.appid,
      merchant_no: keys.merchant.merchantNo,
      term_no: keys.merchant.termNo,
      serial_no: keys.merchant.serialNo,
      platform_serial: keys.platform.serial,
      platform_certificate: keys.platform.certificatePem,
      base_url: `${ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}`,
      faults: faults.active(),
    };
  });

  faultRoutes(app, shared);

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

  runRoute(app, shared);
}
