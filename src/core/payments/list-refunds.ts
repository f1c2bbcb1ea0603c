import {
  type RefundFilter,
  findCharge,
  findChargeWithRefunds,
  findRefund,
  listRefunds as listRefundRows,
  listRefundsOfCharge,
} from '../../db/charges.js';
import { pageOf } from '../../db/keyset.js';
import type { Charge, Refund } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';

/** A newest-first page of refunds; `startingAfter` is the last id of the previous page. */
export async function listRefunds(
  core: Core,
  filter: RefundFilter,
  limit = 20,
): Promise<{ data: Refund[]; hasMore: boolean }> {
  return pageOf(await listRefundRows(core.db, filter, limit), limit);
}

export async function retrieveRefund(core: Core, id: string): Promise<Refund> {
  const refund = await findRefund(core.db, id);
  if (!refund) throw new JuheError('refund_not_found', undefined, 'id');
  return refund;
}

/** A charge with its refunds, oldest refund first, read in one round trip. */
export async function retrieveChargeWithRefunds(core: Core, id: string): Promise<[Charge, Refund[]]> {
  const found = await findChargeWithRefunds(core.db, id);
  if (!found) throw new JuheError('charge_not_found', undefined, 'id');
  return found;
}

/** The refunds of an existing charge, oldest first. */
export async function listChargeRefunds(core: Core, chargeId: string): Promise<Refund[]> {
  if (!(await findCharge(core.db, chargeId))) throw new JuheError('charge_not_found', undefined, 'id');
  return listRefundsOfCharge(core.db, chargeId);
}
