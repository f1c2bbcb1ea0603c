import { orderAttempts } from '../../db/order-attempts.js';
import type { Charge } from '../../domain/charge.js';
import type { Core } from '../context.js';
import { orderScopeOf } from './create-charge.js';

/**
 * Every attempt of an app's merchant order number in one mode, newest first (an order
 * paid by a second pay type after the first was abandoned has two).
 */
export async function listOrderAttempts(
  core: Core,
  o: { appId: string; livemode: boolean; orderNo: string },
): Promise<Charge[]> {
  return orderAttempts(core.db, { appId: o.appId, orderScope: orderScopeOf(o), orderNo: o.orderNo });
}
