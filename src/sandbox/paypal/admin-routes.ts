import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import { JuheError } from '../../domain/errors.js';
import { faultRoutes, runRoute, runningSimulator } from '../_kit/admin-routes.js';
import { PAYPAL_FAULT_KINDS, isPaypalFaultKind } from './faults.js';
import { PAYPAL_BASE_PATH, paypalSimulatorOf } from './index.js';

/**
 * Admin API for the PayPal simulator (the mounter passes its guard: test helpers): the REST app's public
 * identity (client id, webhook id, certificate URL: never the secret or the signing key),
 * fault injection, an order's state with its approve link, and a manual run of due work.
 */
export async function paypalSandboxAdminRoutes(
  app: FastifyInstance,
  { ctx, guard: preHandler }: { ctx: SandboxContext; guard: preHandlerAsyncHookHandler },
) {
  const simulator = runningSimulator(() => paypalSimulatorOf(ctx), 'PayPal');
  const tags = ['test helpers'];
  const guard = { preHandler };
  const shared = {
    path: '/sandbox/paypal',
    kinds: PAYPAL_FAULT_KINDS,
    isKind: isPaypalFaultKind,
    simulator,
    tags,
    ...guard,
  };
  const base = () => `${ctx.publicUrl.replace(/\/+$/, '')}${PAYPAL_BASE_PATH}`;

  app.get('/sandbox/paypal', { schema: { tags }, ...guard }, async () => {
    const sim = simulator();
    return {
      client_id: sim.keys.clientId,
      webhook_id: sim.keys.webhookId,
      merchant_id: sim.keys.merchantId,
      base_url: base(),
      cert_url: `${base()}/v1/notifications/certs/${sim.keys.signing.certId}`,
      webhook_url: `${ctx.publicUrl.replace(/\/+$/, '')}/notify/paypal/sandbox`,
      faults: sim.faults.active(),
    };
  });

  faultRoutes(app, shared);

  app.get(
    '/sandbox/paypal/orders/:orderId',
    {
      schema: { tags, params: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64 }) }) },
      ...guard,
    },
    async (request) => {
      const { orderId } = request.params as { orderId: string };
      const order = await simulator().findOrder(orderId);
      if (!order)
        throw new JuheError('not_found', `The PayPal simulator holds no order ${orderId}`, 'orderId');
      return {
        id: order.id,
        status: order.status,
        capture_status: order.captureStatus,
        amount: order.amount,
        currency: order.currency,
        approve_url: order.approveUrl,
      };
    },
  );

  runRoute(app, shared);
}
