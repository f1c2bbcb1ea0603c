import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { verifyShopPass } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { JuheError } from '../../domain/errors.js';
import { audit } from './kit.js';

const PARAM = 'supervisor_password';

/**
 * The console's supervisor confirmation of a store charge's refund: the password the
 * supervisor typed, checked as the store API checks `shop_pass` (sha1 of the password
 * against the store's stored hash), sharing that API's per-store limit on wrong tries.
 * A wrong password is a 403 naming the field and is audited (without the password).
 */
export async function checkSupervisorPassword(
  core: Core,
  request: FastifyRequest,
  chargeId: string,
  password: string,
): Promise<{ storeId: string }> {
  const charge = await retrieveCharge(core, chargeId);
  if (!charge) throw new JuheError('charge_not_found', undefined, 'id');
  if (!charge.storeId) {
    throw new JuheError('invalid_parameter', 'This charge belongs to no store: it has no supervisor', PARAM);
  }
  const sha1 = createHash('sha1').update(password, 'utf8').digest('hex');
  const verdict = await verifyShopPass(core, charge.storeId, sha1);
  if (verdict.retryAfterSeconds) {
    throw new JuheError(
      'rate_limited',
      `Too many wrong supervisor passwords for this store; try again in ${verdict.retryAfterSeconds} seconds`,
      PARAM,
    );
  }
  if (!verdict.ok) {
    await audit(
      core.db,
      core,
      request,
      'refund.supervisor_rejected',
      { type: 'charge', id: chargeId },
      {
        store: charge.storeId,
      },
    );
    throw new JuheError('forbidden', "The store's supervisor password is wrong", PARAM);
  }
  return { storeId: charge.storeId };
}
