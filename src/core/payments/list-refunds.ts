import { type RefundFilter, listRefunds as listRefundRows } from '../../db/charges.js';
import { pageOf } from '../../db/keyset.js';
import type { Refund } from '../../domain/charge.js';
import type { Core } from '../context.js';

/** A newest-first page of refunds; `startingAfter` is the last id of the previous page. */
export async function listRefunds(
  core: Core,
  filter: RefundFilter,
  limit = 20,
): Promise<{ data: Refund[]; hasMore: boolean }> {
  return pageOf(await listRefundRows(core.db, filter, limit), limit);
}
