import { findCharge, findRefund, listRefundsOfCharge } from '../../db/charges.js';
import type { Charge, Refund } from '../../domain/charge.js';
import type { Core } from '../context.js';
import { type ChargeListParams, type ChargePage, listCharges } from './list-charges.js';

/** A charge by id, or undefined. */
export async function retrieveCharge(core: Core, id: string): Promise<Charge | undefined> {
  return findCharge(core.db, id);
}

/** A refund by id, or undefined. */
export async function retrieveRefund(core: Core, id: string): Promise<Refund | undefined> {
  return findRefund(core.db, id);
}

/** The refunds of a charge, oldest first. */
export async function listChargeRefunds(core: Core, chargeId: string): Promise<Refund[]> {
  return listRefundsOfCharge(core.db, chargeId);
}

/** A page of charges (list-charges.ts), for a merchant API listing its app's own. */
export async function listChargePage(core: Core, params: ChargeListParams): Promise<ChargePage> {
  return listCharges(core.db, params);
}
