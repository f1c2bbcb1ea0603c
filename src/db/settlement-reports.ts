import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';
import { sql } from './sql.js';

export interface ReportFilter {
  period: 'day' | 'month';
  /** [from, to) as instants (the caller turns Shanghai days into them). */
  from: Date;
  to: Date;
  livemode: boolean;
  appId?: string;
}

/** One line of a settlement summary: a period (a Shanghai day or month), app, store and channel. */
export interface ReportLine {
  period: string;
  app_id: string;
  store_id: string | null;
  channel: string;
  charges: number;
  gross: number;
  refunds: number;
  refunded: number;
  fees: number;
  net: number;
}

/**
 * Gross (succeeded charges by when they were paid), refunds (by when they succeeded), fees
 * (charged on payments, minus those handed back on refunds) and net = gross - refunded -
 * fees, per period in Asia/Shanghai, app, store and channel; exact integer sums.
 */
export async function settlementSummary(q: Queryable, f: ReportFilter): Promise<ReportLine[]> {
  // Shanghai has no daylight saving: +8 hours is its wall clock. Unit and format are literals
  // of the statement's shape (two shapes), not values.
  const unit = raw.lit(f.period === 'day' ? 'day' : 'month');
  const fmt = raw.lit(f.period === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM');
  const local = (column: string) =>
    raw<string>`to_char(date_trunc(${unit}, (${raw.ref(column)} AT TIME ZONE 'UTC') + interval '8 hours'), ${fmt})`;
  const byKey = [raw`1`, raw`2`, raw`3`, raw`4`];
  const pay = sql
    .selectFrom('charges as c')
    .select((eb) => [
      local('c.paid_at').as('period'),
      'c.app_id',
      raw<string>`COALESCE(c.store_id, '')`.as('store'),
      'c.channel',
      eb.fn.countAll<string>().as('charges'),
      eb.fn.sum<string>('c.amount').as('gross'),
      raw<string>`sum(COALESCE(c.fee, 0))`.as('fees'),
    ])
    .where('c.status', '=', 'succeeded')
    .where('c.livemode', '=', f.livemode)
    .where('c.paid_at', '>=', f.from)
    .where('c.paid_at', '<', f.to)
    .$if(f.appId !== undefined, (qb) => qb.where('c.app_id', '=', f.appId!))
    .groupBy(byKey);
  const ref = sql
    .selectFrom('refunds as r')
    .innerJoin('charges as c', 'c.id', 'r.charge_id')
    .select((eb) => [
      local('r.succeeded_at').as('period'),
      'r.app_id',
      raw<string>`COALESCE(c.store_id, '')`.as('store'),
      'c.channel',
      eb.fn.countAll<string>().as('refunds'),
      eb.fn.sum<string>('r.amount').as('refunded'),
      raw<string>`sum(COALESCE(r.fee, 0))`.as('fees'),
    ])
    .where('r.status', '=', 'succeeded')
    .where('r.livemode', '=', f.livemode)
    .where('r.succeeded_at', '>=', f.from)
    .where('r.succeeded_at', '<', f.to)
    .$if(f.appId !== undefined, (qb) => qb.where('r.app_id', '=', f.appId!))
    .groupBy(byKey);
  // FULL JOIN ... USING: a period with refunds but no payments (or the reverse) is one line.
  const found = await rawRows<Record<string, string | null>>(
    q,
    raw`WITH pay AS (${pay}), ref AS (${ref})
     SELECT period, app_id, NULLIF(store, '') AS store_id, channel,
            COALESCE(pay.charges, 0) AS charges, COALESCE(pay.gross, 0) AS gross,
            COALESCE(ref.refunds, 0) AS refunds, COALESCE(ref.refunded, 0) AS refunded,
            COALESCE(pay.fees, 0) + COALESCE(ref.fees, 0) AS fees
       FROM pay FULL JOIN ref USING (period, app_id, store, channel)
      ORDER BY period, app_id, store, channel`,
  );
  return found.map((r) => {
    const line = {
      period: r.period!,
      app_id: r.app_id!,
      store_id: r.store_id,
      channel: r.channel!,
      charges: Number(r.charges),
      gross: Number(r.gross),
      refunds: Number(r.refunds),
      refunded: Number(r.refunded),
      fees: Number(r.fees),
    };
    return { ...line, net: line.gross - line.refunded - line.fees };
  });
}
