import type { Queryable } from './db.js';

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
  const unit = f.period === 'day' ? 'day' : 'month';
  const fmt = f.period === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM';
  // Shanghai has no daylight saving: +8 hours is its wall clock.
  const local = (col: string) =>
    `to_char(date_trunc('${unit}', (${col} AT TIME ZONE 'UTC') + interval '8 hours'), '${fmt}')`;
  const rows = await q.query<Record<string, any>>(
    `WITH pay AS (
       SELECT ${local('c.paid_at')} AS period, c.app_id, COALESCE(c.store_id, '') AS store, c.channel,
              count(*) AS charges, sum(c.amount) AS gross, sum(COALESCE(c.fee, 0)) AS fees
         FROM charges c
        WHERE c.status = 'succeeded' AND c.livemode = $1 AND c.paid_at >= $2 AND c.paid_at < $3
          AND ($4::text IS NULL OR c.app_id = $4)
        GROUP BY 1, 2, 3, 4),
     ref AS (
       SELECT ${local('r.succeeded_at')} AS period, r.app_id, COALESCE(c.store_id, '') AS store, c.channel,
              count(*) AS refunds, sum(r.amount) AS refunded, sum(COALESCE(r.fee, 0)) AS fees
         FROM refunds r JOIN charges c ON c.id = r.charge_id
        WHERE r.status = 'succeeded' AND r.livemode = $1 AND r.succeeded_at >= $2 AND r.succeeded_at < $3
          AND ($4::text IS NULL OR r.app_id = $4)
        GROUP BY 1, 2, 3, 4)
     SELECT period, app_id, NULLIF(store, '') AS store_id, channel,
            COALESCE(pay.charges, 0) AS charges, COALESCE(pay.gross, 0) AS gross,
            COALESCE(ref.refunds, 0) AS refunds, COALESCE(ref.refunded, 0) AS refunded,
            COALESCE(pay.fees, 0) + COALESCE(ref.fees, 0) AS fees
       FROM pay FULL JOIN ref USING (period, app_id, store, channel)
      ORDER BY period, app_id, store, channel`,
    [f.livemode, f.from, f.to, f.appId ?? null],
  );
  return rows.map((r) => {
    const line = {
      period: r.period,
      app_id: r.app_id,
      store_id: r.store_id,
      channel: r.channel,
      charges: Number(r.charges),
      gross: Number(r.gross),
      refunds: Number(r.refunds),
      refunded: Number(r.refunded),
      fees: Number(r.fees),
    };
    return { ...line, net: line.gross - line.refunded - line.fees };
  });
}
