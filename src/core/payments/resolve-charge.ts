import { type ReferenceScope, findChargeByIdOrSn, newestAttemptsByOrderNo } from '../../db/charges.js';
import type { Queryable } from '../../db/db.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';

/**
 * Finds a charge by any name a merchant may know it by: our id (ch_...), the system order
 * number a dialect returned (order_sn), or the merchant's own order number (billNum,
 * order_no, out_no, requestKey). A merchant order number must name exactly one charge
 * (its newest attempt), else `ambiguous_reference`.
 */
export async function resolveChargeReference(
  q: Queryable,
  reference: string,
  scope: ReferenceScope = {},
): Promise<Charge> {
  const direct = await findChargeByIdOrSn(q, reference, scope);
  if (direct) return direct;
  const byOrder = await newestAttemptsByOrderNo(q, reference, scope);
  if (byOrder.length === 1) return byOrder[0]!;
  if (byOrder.length > 1) {
    throw new JuheError(
      'ambiguous_reference',
      `Order number ${reference} names ${byOrder.length} charges`,
      'id',
    );
  }
  throw new JuheError('charge_not_found', `No charge ${reference}`, 'id');
}
