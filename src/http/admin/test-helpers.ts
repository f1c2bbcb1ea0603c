import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { applyChargeResult } from '../../core/notify/apply-channel-result.js';
import { resolveChargeReference } from '../../core/payments/resolve-charge.js';
import { serializeCharge } from '../../core/serialize.js';
import { JuheError } from '../../domain/errors.js';
import { requirePermission } from './kit.js';
import { findCharge } from '../../db/charges.js';
import { actAsAlipayPayer } from '../../sandbox/alipay/payer.js';
import { actAsWechatpayPayer } from '../../sandbox/wechatpay/payer.js';

/**
 * Plays the payer for test-mode charges. `{id}` may be the charge id, the system order
 * number a dialect returned, or the merchant's own order number when it names exactly
 * one test-mode charge. Live charges are refused: money is never faked.
 */
export async function testHelperRoutes(app: FastifyInstance, { core }: { core: Core }) {
  for (const action of ['pay', 'decline'] as const) {
    app.post(
      `/test_helpers/charges/:id/${action}`,
      {
        schema: {
          tags: ['test helpers'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        },
        preHandler: requirePermission('test_helpers'),
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const charge = await resolveChargeReference(core.db, id, { livemode: false });
        if (charge.livemode) throw new JuheError('not_test_mode');
        // Alipay charges made through the simulator are paid inside it; its notify moves the charge.
        if (charge.channel === 'alipay' && (await actAsAlipayPayer(core, charge, action))) {
          const after = (await findCharge(core.db, charge.id))!;
          return { ...serializeCharge(after), applied: after.status !== charge.status };
        }
        // WeChat charges made through the simulator: paid there; its callback (or one query) moves the charge.
        if (charge.channel === 'wechatpay' && (await actAsWechatpayPayer(core, charge, action))) {
          const after = (await findCharge(core.db, charge.id))!;
          return { ...serializeCharge(after), applied: after.status !== charge.status };
        }
        const result = await applyChargeResult(
          core,
          charge.id,
          action === 'pay'
            ? { status: 'succeeded', transactionNo: `sandbox_${charge.orderSn}` }
            : {
                status: 'failed',
                failureCode: 'payer_declined',
                failureMessage: 'The payer declined the payment',
              },
        );
        return { ...serializeCharge(result.charge), applied: result.applied };
      },
    );
  }
}
