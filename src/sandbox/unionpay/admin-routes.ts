import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import { JuheError } from '../../domain/errors.js';
import { faultRoutes, runRoute, runningSimulator, statementFaultRoutes } from '../_kit/admin-routes.js';
import { UNIONPAY_FAULT_KINDS, isUnionpayFaultKind } from './faults.js';
import { BASE_PATH, unionpaySimulatorOf } from './simulator.js';

/**
 * Admin API for the UnionPay simulator (test helpers permission): its public identity
 * (merId, certId, the certificates a merchant configures: never a private key), fault
 * injection, an order's state, and a manual run of due work.
 */
export async function unionpaySandboxAdminRoutes(
  app: FastifyInstance,
  { ctx, guard: permitted }: { ctx: SandboxContext; guard: preHandlerAsyncHookHandler },
) {
  const simulator = runningSimulator(() => unionpaySimulatorOf(ctx), 'UnionPay');
  const tags = ['test helpers'];
  const guard = permitted;
  const shared = {
    path: '/sandbox/unionpay',
    kinds: UNIONPAY_FAULT_KINDS,
    isKind: isUnionpayFaultKind,
    simulator,
    tags,
    preHandler: guard,
  };

  app.get('/sandbox/unionpay', { schema: { tags }, preHandler: guard }, async () => {
    const sim = simulator();
    return {
      mer_id: sim.keys.merId,
      cert_id: sim.keys.merchant.certId,
      sign_cert: sim.keys.merchant.certPem,
      middle_cert: sim.keys.middleCertPem,
      root_cert: sim.keys.rootCertPem,
      unionpay_sign_cert: sim.keys.unionpay.certPem,
      base_url: `${ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}/gateway/api/`,
      faults: sim.faults.active(),
    };
  });

  faultRoutes(app, shared);
  statementFaultRoutes(app, { ...shared, faults: () => simulator().bills.faults });

  app.get(
    '/sandbox/unionpay/orders/:orderId',
    {
      schema: { tags, params: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 40 }) }) },
      preHandler: guard,
    },
    async (request) => {
      const { orderId } = request.params as { orderId: string };
      const txn = await simulator().findTxn(orderId);
      if (!txn)
        throw new JuheError('not_found', `The UnionPay simulator holds no transaction ${orderId}`, 'orderId');
      return {
        order_id: orderId,
        mer_id: txn.merId,
        txn_type: txn.txnType,
        resp_code: txn.respCode,
        txn_amt: txn.txnAmt,
        query_id: txn.queryId,
        cashier_url: txn.cashierUrl,
      };
    },
  );

  runRoute(app, shared);
}
