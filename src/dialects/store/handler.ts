import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { findStoreOrder } from '../../core/stores/find-orders.js';
import type { StoreOrder } from '../../core/stores/store-order.js';
import { StoreError, type StoreErrorName } from './errors.js';
import { Params } from './params.js';

/** What every /mct1 endpoint gets: the authenticated store and its decrypted `data`. */
export interface StoreContext {
  core: Core;
  store: StoreWithKey;
  data: Record<string, unknown>;
  /** The literal text of data's top-level numbers (auth.ts). */
  literals: ReadonlyMap<string, string>;
  clientIp: string | null;
}

/** `data` is encrypted into the envelope; `msg` defaults to "ok", `msgEn` (lang=en) to `msg`. */
export interface StoreResult {
  data: unknown;
  msg?: string;
  msgEn?: string;
}

export type StoreHandler = (ctx: StoreContext) => Promise<StoreResult>;

/**
 * The order named by `ord_no` or `out_no` (the document: "one of them must be given").
 * When both are given they must name the same order.
 */
export async function lookupOrder(
  ctx: StoreContext,
  errors: { missing: StoreErrorName; notFound: StoreErrorName },
): Promise<StoreOrder> {
  const p = new Params(ctx.data);
  const ordNo = p.string('ord_no', { max: 64, invalid: errors.missing });
  const outNo = p.string('out_no', { max: 64, invalid: errors.missing });
  if (!ordNo && !outNo) throw new StoreError(errors.missing, 'ord_no和out_no必须填写一个');
  const order = await findStoreOrder(ctx.core, ctx.store.id, ordNo ? { ordNo } : { outNo: outNo! });
  if (!order) throw new StoreError(errors.notFound, ordNo ? `ord_no ${ordNo}` : `out_no ${outNo}`);
  if (ordNo && outNo && order.row.outNo !== outNo) {
    throw new StoreError(errors.notFound, `ord_no ${ordNo}与out_no ${outNo}不是同一订单`);
  }
  return order;
}
