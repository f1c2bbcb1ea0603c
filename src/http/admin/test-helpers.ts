import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { resolveChargeReference } from '../../core/payments/resolve-charge.js';
import { serializeCharge } from '../../core/serialize.js';
import { JuheError } from '../../domain/errors.js';
import { actAsPayer } from './sandbox-payer.js';
import { requirePermission } from './kit.js';

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
        const result = await actAsPayer(core, charge, action);
        return { ...serializeCharge(result.charge), applied: result.applied };
      },
    );
  }
}
