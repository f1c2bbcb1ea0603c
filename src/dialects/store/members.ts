import { findStoreDetail } from '../../core/apps/stores.js';
import type { StoreContext } from './handler.js';
import type { Params } from './params.js';

/**
 * The cashier and terminal of the order, as the till sent them: the order list and
 * order/view show scr_id, scr_true_name and tml_no (document 4.2, 4.3). When scr_id is one
 * of the store's cashiers, its name is the cashier's as the admin API recorded it, so a
 * till that sends only its cashier number still gets the name on every listing.
 */
export async function readMembers(ctx: StoreContext, p: Params) {
  const scrId = p.string('scr_id', { max: 32, invalid: 'create_failed' }) ?? null;
  const sentName = p.string('scr_true_name', { max: 50, invalid: 'create_failed' }) ?? null;
  const tmlNo = p.string('tml_no', { max: 32, invalid: 'create_failed' }) ?? null;
  const cashier =
    scrId === null
      ? undefined
      : (await findStoreDetail(ctx.core.db, ctx.store.id))?.cashiers.find((c) => c.id === scrId);
  return { scrId, scrTrueName: cashier?.name ?? sentName, tmlNo };
}
