import { type StoreOrderFilters, listStoreOrders } from '../../../core/stores/find-orders.js';
import { StoreError } from '../errors.js';
import type { StoreContext, StoreResult } from '../handler.js';
import { Params } from '../params.js';
import { orderView, parseTime } from '../views.js';

const DAY_MS = 24 * 3600 * 1000;
export const DEFAULT_RANGE_DAYS = 90;
export const MAX_PAGE_SIZE = 100;

/**
 * 4.2 order: the store's orders, payments and refunds, newest first, `page` (from 1) of
 * `pagesize` (default 10, at most 100) rows, filtered by out_no, trade_no, ord_no,
 * pmt_tag, ord_type, status and the sdate..edate range (default: the last 90 days).
 */
export async function order(ctx: StoreContext): Promise<StoreResult> {
  const { core, store } = ctx;
  const p = new Params(ctx.data);
  const page = p.int('page', { invalid: 'invalid_parameter' }) ?? 1;
  const pagesize = p.int('pagesize', { invalid: 'invalid_parameter' }) ?? 10;
  if (page < 1 || page > 1_000_000)
    throw new StoreError('invalid_parameter', 'page必须是1到1000000之间的整数');
  if (pagesize < 1 || pagesize > MAX_PAGE_SIZE) {
    throw new StoreError('invalid_parameter', `pagesize必须是1到${MAX_PAGE_SIZE}之间的整数`);
  }
  const now = core.clock.now();
  const sdate = readTime(p, 'sdate', 'start');
  const edate = readTime(p, 'edate', 'end');
  const to = edate ?? now;
  const from = sdate ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from > to) throw new StoreError('invalid_parameter', 'sdate不能晚于edate');

  const ordType = p.int('ord_type', { invalid: 'invalid_parameter' });
  if (ordType !== undefined && ordType !== 1 && ordType !== 2) {
    throw new StoreError('invalid_parameter', 'ord_type只能是1（消费）或2（退款）');
  }
  const status = p.int('status', { invalid: 'invalid_parameter' });
  if (status !== undefined && ![1, 2, 4, 9].includes(status)) {
    throw new StoreError('invalid_parameter', 'status只能是1、2、4或9');
  }
  const filters: StoreOrderFilters = {
    outNo: p.string('out_no', { max: 64, invalid: 'invalid_parameter' }),
    tradeNo: p.string('trade_no', { max: 128, invalid: 'invalid_parameter' }),
    ordNo: p.string('ord_no', { max: 64, invalid: 'invalid_parameter' }),
    pmtTag: p.string('pmt_tag', { max: 20, invalid: 'invalid_parameter' }),
    ordType: ordType as 1 | 2 | undefined,
    status: status as 1 | 2 | 4 | 9 | undefined,
    from,
    to,
  };
  const { total, orders } = await listStoreOrders(core, store.id, filters, {
    limit: pagesize,
    offset: (page - 1) * pagesize,
  });
  // The document's example: totalnum a string, the others numbers. Its example names the
  // block `pages`, its field table `page`: both are sent.
  const pages = { totalnum: String(total), totalpage: Math.ceil(total / pagesize), pagesize, page };
  return { data: { pages, page: pages, list: orders.map((o) => orderView(o, store)) } };
}

function readTime(p: Params, key: string, bound: 'start' | 'end'): Date | undefined {
  const text = p.string(key, { max: 32, invalid: 'invalid_parameter' });
  if (text === undefined) return undefined;
  const date = parseTime(text, bound);
  if (!date) throw new StoreError('invalid_parameter', `${key}格式应为"2017-06-20 17:05:50"或"2017-06-20"`);
  return date;
}
