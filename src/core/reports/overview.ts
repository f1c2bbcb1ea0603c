import {
  chargeTotals,
  chargeTotalsByChannel,
  chargeTotalsByDay,
  chargesAwaitingOutcome,
  failingEndpoints,
  type TotalsRow,
} from '../../db/reports.js';
import { openMismatchCount } from '../../db/reconciliation.js';
import type { Core } from '../context.js';

/** Midnight in `tz` of the day `daysBack` days before the one containing `now`, as an instant. */
export function startOfDayIn(tz: string, now: Date, daysBack: number): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  // The zone's wall clock read as if it were UTC, minus the instant: the zone's offset now.
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offset = wall - Math.floor(now.getTime() / 1000) * 1000;
  const midnightWall = Date.UTC(+parts.year, +parts.month - 1, +parts.day - daysBack);
  return new Date(midnightWall - offset);
}

const bucket = (rows: TotalsRow[]) =>
  rows.map((r) => ({
    currency: r.currency,
    count: r.count,
    paid: r.paid,
    success_rate: r.count === 0 ? 0 : r.paid / r.count,
    amount: Number(r.amount),
    refunded: Number(r.refunded),
    refunds: r.refunds,
  }));

/**
 * The console's overview: today, 7 and 30 days (each starting at midnight in the viewer's
 * zone, today counted), by channel and by day over 30 days, and what needs attention.
 */
export async function overviewReport(core: Core, livemode: boolean, tz: string) {
  const now = core.clock.now();
  const since = {
    today: startOfDayIn(tz, now, 0),
    d7: startOfDayIn(tz, now, 6),
    d30: startOfDayIn(tz, now, 29),
  };
  const [today, d7, d30, byChannel, byDay, endpoints, awaiting, mismatches] = await Promise.all([
    chargeTotals(core.db, livemode, since.today),
    chargeTotals(core.db, livemode, since.d7),
    chargeTotals(core.db, livemode, since.d30),
    chargeTotalsByChannel(core.db, livemode, since.d30),
    chargeTotalsByDay(core.db, livemode, since.d30, tz),
    failingEndpoints(core.db, livemode),
    chargesAwaitingOutcome(core.db, livemode),
    openMismatchCount(core.db, livemode),
  ]);
  return {
    time_zone: tz,
    generated_at: now.toISOString(),
    // what the latest completed reconciliation of each config and day found different (repairs excluded)
    reconciliation_open_mismatches: mismatches,
    today: bucket(today),
    last_7_days: bucket(d7),
    last_30_days: bucket(d30),
    by_channel: byChannel.map((r) => ({ channel: r.channel, method: r.method, ...bucket([r])[0] })),
    by_day: byDay.map((r) => ({ day: r.day, ...bucket([r])[0] })),
    failing_endpoints: endpoints.map((e) => ({
      id: e.id,
      url: e.url,
      failing_since: e.failing_since ? new Date(e.failing_since).toISOString() : null,
      consecutive_failures: e.consecutive_failures,
    })),
    awaiting_outcome: awaiting.map((c) => ({
      id: c.id,
      order_no: c.order_no,
      channel: c.channel,
      method: c.method,
      amount: Number(c.amount),
      currency: c.currency,
      created_at: new Date(c.created_at).toISOString(),
      poll_attempts: c.poll_attempts,
    })),
  };
}
