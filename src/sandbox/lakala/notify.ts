import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { foreignKey } from '../_kit/foreign-key.js';
import { noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { reachMerchant } from '../_kit/reach.js';
import type { LakalaParts } from './parts.js';
import { insertNotice, type OrderRow } from './repository.js';
import { noticeAuthorization, privateKeyOf } from './wire.js';

/**
 * Lakala's cashier notification schedule: intervals after each failed attempt
 * (1s/5s/5s/10s/3m/10m/20m/30m/1h/2h, 4h3m21s in all), then it gives up.
 */
export const NOTIFY_RETRY_SCHEDULE_MS = [1e3, 5e3, 5e3, 10e3, 180e3, 600e3, 1200e3, 1800e3, 3600e3, 7200e3];

interface NoticeRow extends OwedNotice {
  out_order_no: string;
  notify_url: string;
  body: string;
}

/** Order notifications: queued with the payment, delivered on Lakala's schedule, acknowledged by {code: SUCCESS}. */
export function lakalaNotices(p: LakalaParts) {
  const { ctx, faults } = p;
  const platformKey = privateKeyOf(p.keys.platform.privateKeyPem);
  const forgeKey = foreignKey();

  const queue = async (q: Queryable, o: OrderRow): Promise<string | undefined> => {
    if (!o.notify_url) return undefined;
    const now = ctx.clock.now();
    const id = randomUUID();
    const body = JSON.stringify({
      ...(await p.shapes.orderHead(q, o)),
      order_trade_info: p.shapes.payTrade(o),
    });
    await queueUnderFaults(q, {
      table: 'lklsim_notices',
      faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        insertNotice(q, {
          id,
          merchantNo: o.merchant_no,
          outOrderNo: o.out_order_no,
          notifyUrl: o.notify_url!,
          body,
          status,
          nextAt,
          flags,
          now,
        }),
    });
    return id;
  };

  /** POSTs one notification; the HTTP status and whether the answer acknowledged it. */
  const post = async (url: string, body: string, forged: boolean) => {
    const headers = {
      'content-type': 'application/json',
      authorization: noticeAuthorization(body, forged ? forgeKey() : platformKey),
    };
    const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
    if (!answer) return { status: null, ok: false };
    const acknowledged = () => {
      try {
        return answer.status === 200 && JSON.parse(answer.text)?.code === 'SUCCESS';
      } catch {
        return false;
      }
    };
    return { status: answer.status, ok: acknowledged() };
  };

  const delivery = noticeDelivery<NoticeRow>(ctx, {
    table: 'lklsim_notices',
    retryScheduleMs: NOTIFY_RETRY_SCHEDULE_MS,
    send: async (n, number, flags) => {
      const forged = !!flags.forge;
      const record = (r: { status: number | null; ok: boolean }, f: boolean) =>
        p.deliveries.push({
          noticeId: n.id,
          outOrderNo: n.out_order_no,
          attempt: number,
          status: r.status,
          acknowledged: r.ok,
          forged: f,
        });
      const first = await post(n.notify_url, n.body, forged);
      record(first, forged);
      if (flags.duplicate) record(await post(n.notify_url, n.body, false), false);
      return first;
    },
  });

  return { queue, deliverDue: delivery.deliverDue, deliverIfDue: delivery.deliverIfDue };
}
export type LakalaNotices = ReturnType<typeof lakalaNotices>;
