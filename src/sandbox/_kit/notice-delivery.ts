import type { SandboxContext } from './context.js';
import type { NoticeTable } from './outbox.js';

/** What the first attempt of a notification must do, as the notification faults marked it. */
export interface NoticeFlags {
  duplicate?: boolean;
  forge?: boolean;
}

/** The columns every provider's table of owed notifications has. */
export interface OwedNotice {
  id: string;
  attempts: number;
  /** jsonb (an object) in most tables, text in UnionPay's. */
  flags: NoticeFlags | string;
}

/** One attempt's outcome: the HTTP status (null: nothing answered), and whether it counts as received. */
export interface AttemptOutcome {
  status: number | null;
  ok: boolean;
}

export interface NoticeDelivery {
  /** Claims the notification if it is due and makes one attempt. */
  deliverIfDue(id: string): Promise<void>;
  /** Every due notification, in due order. */
  deliverDue(): Promise<void>;
}

/**
 * Delivers a simulator's owed notifications, alike for every provider: each attempt is
 * claimed first (so two passes never send one attempt twice), made by the provider's
 * `send` (which signs, posts and records it, the duplicate and forge faults included), then
 * written back: delivered, or due again after the schedule's next interval, or failed once
 * the schedule is used up. The provider decides what an acknowledgement is.
 */
export function noticeDelivery<Row extends OwedNotice>(
  ctx: SandboxContext,
  o: {
    table: NoticeTable;
    retryScheduleMs: readonly number[];
    send: (row: Row, attempt: number, flags: NoticeFlags) => Promise<AttemptOutcome>;
  },
): NoticeDelivery {
  const { table } = o;
  const attempt = async (row: Row) => {
    const flags: NoticeFlags =
      typeof row.flags === 'string' ? JSON.parse(row.flags || '{}') : (row.flags ?? {});
    const number = row.attempts + 1;
    const { status, ok } = await o.send(row, number, flags);
    const now = ctx.clock.now();
    const delay = o.retryScheduleMs[number - 1];
    await ctx.db.query(
      `UPDATE ${table} SET attempts = $2, status = $3, next_at = $4, flags = '{}', last_result = $5,
         delivered_at = $6 WHERE id = $1`,
      [
        row.id,
        number,
        ok ? 'delivered' : delay === undefined ? 'failed' : 'pending',
        ok || delay === undefined ? null : new Date(now.getTime() + delay),
        status === null ? 'no answer' : `HTTP ${status}`,
        ok ? now : null,
      ],
    );
  };
  const deliverIfDue = async (id: string) => {
    const [row] = await ctx.db.query<Row>(
      `UPDATE ${table} SET next_at = NULL WHERE id = $1 AND status = 'pending' AND next_at <= $2 RETURNING *`,
      [id, ctx.clock.now()],
    );
    if (row) await attempt(row);
  };
  return {
    deliverIfDue,
    async deliverDue() {
      const due = await ctx.db.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at, seq`,
        [ctx.clock.now()],
      );
      for (const { id } of due) await deliverIfDue(id);
    },
  };
}
