import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Handler } from './auth.js';
import { CODES, LklError, ccss } from './codec.js';
import { BASE_PATH, type LakalaParts, digits } from './parts.js';
import { findOrder, insertOrder, setOrderStatus } from './repository.js';
import { CCSS_OK, fenOf, lakalaTime, parseLakalaTime, paths } from './wire.js';

const isHttpUrl = (v: unknown, max: number) =>
  typeof v === 'string' && v.length <= max && /^https?:\/\/[^\s]+$/.test(v);
const flag = (v: unknown): number | undefined =>
  v === undefined ? 0 : v === 0 || v === '0' ? 0 : v === 1 || v === '1' ? 1 : undefined;

/** The merchant named in a request must be the simulator's. */
export function requireMerchant(
  p: LakalaParts,
  d: Record<string, any>,
  param: (c: boolean, m: string) => void,
) {
  param(typeof d.merchant_no === 'string' && d.merchant_no.length > 0, '缺少参数merchant_no');
  param(d.merchant_no === p.keys.merchant.merchantNo, '商户号不存在');
}

const orderKey = (d: Record<string, any>) => {
  ccss(
    typeof d.out_order_no === 'string' || typeof d.pay_order_no === 'string',
    'out_order_no与pay_order_no不能同时为空',
  );
  return typeof d.out_order_no === 'string' ? { out: d.out_order_no } : { pay: d.pay_order_no as string };
};

/** The cashier order API (ccss): special_create, query, close. */
export function orderRoutes(app: FastifyInstance, p: LakalaParts, api: (h: Handler) => any): void {
  const { ctx, keys } = p;

  app.post(
    `${BASE_PATH}${paths.create}`,
    api(async (d) => {
      requireMerchant(p, d, ccss);
      ccss(
        typeof d.out_order_no === 'string' && /^[0-9A-Za-z_-]{1,32}$/.test(d.out_order_no),
        'out_order_no不合法',
      );
      const total = fenOf(d.total_amount);
      ccss(total !== undefined, 'total_amount必须是大于0的整数（单位：分）');
      const now = ctx.clock.now();
      const efficient = parseLakalaTime(d.order_efficient_time);
      ccss(!!efficient, 'order_efficient_time格式必须为yyyyMMddHHmmss');
      ccss(efficient!.getTime() > now.getTime(), 'order_efficient_time必须晚于当前时间');
      ccss(
        efficient!.getTime() <= now.getTime() + 7 * 24 * 3600 * 1000,
        'order_efficient_time最大支持下单时间+7天',
      );
      ccss(
        typeof d.order_info === 'string' && d.order_info.length > 0 && [...d.order_info].length <= 64,
        'order_info不合法',
      );
      ccss(d.notify_url === undefined || isHttpUrl(d.notify_url, 128), 'notify_url不合法');
      ccss(d.callback_url === undefined || isHttpUrl(d.callback_url, 128), 'callback_url不合法');
      ccss(
        d.out_user_id === undefined || (typeof d.out_user_id === 'string' && d.out_user_id.length <= 64),
        'out_user_id不合法',
      );
      const supportRefund = flag(d.support_refund);
      for (const name of ['support_cancel', 'support_refund', 'support_repeat_pay']) {
        ccss(flag(d[name]) !== undefined, `${name}只能为0或1`);
      }
      const fingerprint = JSON.stringify([
        total,
        d.order_info,
        d.notify_url ?? null,
        d.callback_url ?? null,
        d.out_user_id ?? null,
        d.order_efficient_time,
        supportRefund,
      ]);
      const row = await ctx.db.tx(async (q) => {
        const existing = await findOrder(q, d.merchant_no, { out: d.out_order_no }, true);
        if (existing) {
          // A repeat of the very same unpaid order gets the same cashier; any other reuse is refused.
          if (existing.fingerprint === fingerprint && existing.order_status === '0') return existing;
          throw new LklError(CODES.duplicate);
        }
        return insertOrder(q, {
          merchant_no: d.merchant_no,
          out_order_no: d.out_order_no,
          pay_order_no: `${lakalaTime(now).slice(2, 8)}11012001${digits(15)}`,
          channel_id: '25',
          term_no: keys.merchant.termNo,
          total_amount: total!,
          order_info: d.order_info,
          out_user_id: d.out_user_id ?? null,
          notify_url: d.notify_url ?? null,
          callback_url: d.callback_url ?? null,
          support_refund: supportRefund!,
          fingerprint,
          pay_code: randomBytes(12).toString('hex'),
          efficient_at: efficient!,
          created_at: now,
          updated_at: now,
        });
      });
      return {
        code: CCSS_OK,
        msg: '操作成功',
        data: {
          merchant_no: row.merchant_no,
          channel_id: row.channel_id,
          out_order_no: row.out_order_no,
          order_create_time: lakalaTime(new Date(row.created_at)),
          order_efficient_time: lakalaTime(new Date(row.efficient_at)),
          pay_order_no: row.pay_order_no,
          total_amount: Number(row.total_amount),
          counter_url: `${p.publicUrl()}${BASE_PATH}/counter/${row.pay_code}`,
        },
      };
    }),
  );

  app.post(
    `${BASE_PATH}${paths.query}`,
    api(async (d) => {
      requireMerchant(p, d, ccss);
      const order = await findOrder(ctx.db, d.merchant_no, orderKey(d));
      if (!order) throw new LklError(CODES.orderMissing);
      return { code: CCSS_OK, msg: '操作成功', data: await p.shapes.orderJson(ctx.db, order) };
    }),
  );

  app.post(
    `${BASE_PATH}${paths.close}`,
    api(async (d) => {
      requireMerchant(p, d, ccss);
      const key = orderKey(d);
      const order = await ctx.db.tx(async (q) => {
        const o = await findOrder(q, d.merchant_no, key, true);
        if (!o) throw new LklError(CODES.orderMissing);
        if (o.order_status === '2') throw new LklError(CODES.orderPaid);
        await setOrderStatus(q, o, '7', ctx.clock.now());
        return o;
      });
      return {
        code: CCSS_OK,
        msg: '操作成功',
        data: {
          merchant_no: order.merchant_no,
          out_order_no: order.out_order_no,
          pay_order_no: order.pay_order_no,
        },
      };
    }),
  );
}
