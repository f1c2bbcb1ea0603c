import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { rawRows } from './raw.js';

/** One bucket of the overview: charges created in it, paid, paid amount and refunded amount, per currency. */
export interface TotalsRow {
  currency: string;
  count: number;
  paid: number;
  amount: string;
  refunded: string;
  refunds: number;
}

/** Charges created since `since` in one mode, per currency (amounts as bigint text: exact). */
export function chargeTotals(q: Queryable, livemode: boolean, since: Date) {
  return rawRows<TotalsRow>(
    q,
    raw`SELECT currency, count(*)::int AS count,
          count(*) FILTER (WHERE status = 'succeeded')::int AS paid,
          coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0)::text AS amount,
          coalesce(sum(amount_refunded), 0)::text AS refunded,
          count(*) FILTER (WHERE amount_refunded > 0)::int AS refunds
        FROM charges WHERE livemode = ${livemode} AND created_at >= ${since}
        GROUP BY currency ORDER BY currency`,
  );
}

export interface ChannelRow extends TotalsRow {
  channel: string;
  method: string;
}

export function chargeTotalsByChannel(q: Queryable, livemode: boolean, since: Date) {
  return rawRows<ChannelRow>(
    q,
    raw`SELECT channel, method, currency, count(*)::int AS count,
          count(*) FILTER (WHERE status = 'succeeded')::int AS paid,
          coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0)::text AS amount,
          coalesce(sum(amount_refunded), 0)::text AS refunded,
          count(*) FILTER (WHERE amount_refunded > 0)::int AS refunds
        FROM charges WHERE livemode = ${livemode} AND created_at >= ${since}
        GROUP BY channel, method, currency ORDER BY channel, method, currency`,
  );
}

export interface DayRow extends TotalsRow {
  day: string;
}

/** Per calendar day in the viewer's time zone. */
export function chargeTotalsByDay(q: Queryable, livemode: boolean, since: Date, tz: string) {
  return rawRows<DayRow>(
    q,
    raw`SELECT to_char(created_at AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS day, currency, count(*)::int AS count,
          count(*) FILTER (WHERE status = 'succeeded')::int AS paid,
          coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0)::text AS amount,
          coalesce(sum(amount_refunded), 0)::text AS refunded,
          count(*) FILTER (WHERE amount_refunded > 0)::int AS refunds
        FROM charges WHERE livemode = ${livemode} AND created_at >= ${since}
        GROUP BY 1, currency ORDER BY 1, currency`,
  );
}

/** Webhook endpoints whose recent deliveries keep failing. */
export function failingEndpoints(q: Queryable, livemode: boolean) {
  return rawRows<{ id: string; url: string; failing_since: Date | null; consecutive_failures: number }>(
    q,
    raw`SELECT id, url, failing_since, consecutive_failures FROM webhook_endpoints
        WHERE health = 'failing' AND deleted_at IS NULL AND livemode = ${livemode}
        ORDER BY failing_since NULLS LAST LIMIT 50`,
  );
}

/** Charges the gateway is still polling because the upstream's outcome is not known yet (charges_poll_due). */
export function chargesAwaitingOutcome(q: Queryable, livemode: boolean) {
  return rawRows<{
    id: string;
    order_no: string;
    channel: string;
    method: string;
    amount: string;
    currency: string;
    created_at: Date;
    poll_attempts: number;
  }>(
    q,
    raw`SELECT id, order_no, channel, method, amount::text AS amount, currency, created_at, poll_attempts
        FROM charges WHERE next_poll_at IS NOT NULL AND livemode = ${livemode}
        ORDER BY next_poll_at LIMIT 50`,
  );
}
