import type { Queryable } from '../../db/db.js';
import type { Fault } from './faults.js';
import { type NoticeTable, releaseHeldNewestFirst } from './outbox.js';

/** The faults that act on notifications (the others act on API calls). */
type NoticeFaultKind = 'delay' | 'duplicate' | 'reorder' | 'drop' | 'forge';

/** Where a new notification goes in its table, as the notification faults decide. */
export interface NoticePlacement {
  /** pending: due at `nextAt`; held: waits for the reorder fault's release; dropped: never sent. */
  status: string;
  nextAt: Date | null;
  /** The flags column's JSON: what the first attempt must do (duplicate, forge). */
  flags: string;
}

/**
 * Queues one notification under the notification faults, alike for every provider:
 * delay moves its first attempt `ms` later, duplicate and forge mark it for the attempt,
 * drop never sends it, and reorder holds it until the fault's last use, which releases all
 * held ones newest first. `insert` writes the provider's own row with the placement.
 */
export async function queueUnderFaults(
  q: Queryable,
  o: {
    table: NoticeTable;
    faults: { take(...kinds: NoticeFaultKind[]): Fault<string> | undefined };
    now: Date;
    insert: (placement: NoticePlacement) => Promise<unknown>;
  },
): Promise<void> {
  const { now } = o;
  const fault = o.faults.take('delay', 'duplicate', 'reorder', 'drop', 'forge');
  let status = 'pending';
  let nextAt: Date | null = now;
  const flags: Record<string, boolean> = {};
  if (fault?.kind === 'delay') nextAt = new Date(now.getTime() + fault.ms);
  if (fault?.kind === 'duplicate') flags.duplicate = true;
  if (fault?.kind === 'forge') flags.forge = true;
  if (fault?.kind === 'drop') [status, nextAt] = ['dropped', null];
  if (fault?.kind === 'reorder') [status, nextAt] = ['held', null];
  await o.insert({ status, nextAt, flags: JSON.stringify(flags) });
  if (fault?.kind === 'reorder' && fault.remaining === 0) {
    // The last held notification: release them all, newest first.
    await releaseHeldNewestFirst(q, o.table, now);
  }
}
