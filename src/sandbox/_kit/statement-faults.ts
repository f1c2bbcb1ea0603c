import { FaultQueue } from './faults.js';

/**
 * What can go wrong with a provider's daily statement, injected per simulator: the file is
 * not generated yet, arrives damaged, its announced hash does not match, or it disagrees
 * with the merchant's books (a trade the merchant never saw, a trade left out).
 */
export const STATEMENT_FAULT_KINDS = [
  'not_ready',
  'corrupt',
  'wrong_hash',
  'extra_row',
  'missing_row',
] as const;
export type StatementFaultKind = (typeof STATEMENT_FAULT_KINDS)[number];

/** A statement fault as the admin API lists it: for one business day, or (date null) the next file. */
export interface DatedStatementFault {
  kind: StatementFaultKind;
  remaining: number;
  date: string | null;
}

/**
 * The statement faults of one simulator. Undated faults (`add`) spoil the next statement
 * asked for, whatever its day; dated ones (`addFor`) only that day's, taken by `takeFor`
 * and `takeSpoilers(faults, date)`, which try the day's first, then the undated ones.
 */
export class StatementFaults extends FaultQueue<StatementFaultKind> {
  private readonly days = new Map<string, FaultQueue<StatementFaultKind>>();

  addFor(date: string | null, kind: StatementFaultKind, count = 1): void {
    if (date === null) {
      this.add(kind, count);
      return;
    }
    const queue = this.days.get(date) ?? new FaultQueue<StatementFaultKind>();
    queue.add(kind, count);
    this.days.set(date, queue);
  }

  /** Consumes one use of a fault among `kinds` for the statement of `date`: the day's own first. */
  takeFor(date: string, ...kinds: StatementFaultKind[]) {
    const queue = this.days.get(date);
    const fault = queue?.take(...kinds);
    if (queue && queue.active().length === 0) this.days.delete(date);
    return fault ?? this.take(...kinds);
  }

  listed(): DatedStatementFault[] {
    const dated = [...this.days].flatMap(([date, q]) =>
      q.active().map((f) => ({ kind: f.kind, remaining: f.remaining, date })),
    );
    return [...this.active().map((f) => ({ kind: f.kind, remaining: f.remaining, date: null })), ...dated];
  }

  override clear(): void {
    super.clear();
    this.days.clear();
  }
}

/** How the next statement file is to be spoilt, read once when it is generated. */
export interface StatementSpoilers {
  extraRow: boolean;
  missingRow: boolean;
  corrupt: boolean;
  wrongHash: boolean;
}

export function takeSpoilers(faults: StatementFaults, date?: string): StatementSpoilers {
  const take = (kind: StatementFaultKind) =>
    !!(date === undefined ? faults.take(kind) : faults.takeFor(date, kind));
  return {
    extraRow: take('extra_row'),
    missingRow: take('missing_row'),
    corrupt: take('corrupt'),
    wrongHash: take('wrong_hash'),
  };
}

/** A fee in minor units at `ppm` parts per million, rounded half up (0.6% of 1 fen is 0). */
export function feeAt(amount: number, ppm: number): number {
  return Math.floor((amount * ppm + 500_000) / 1_000_000);
}

/** The business day `date` (YYYY-MM-DD, Asia/Shanghai, UTC+8 without DST) as a UTC range. */
export function shanghaiDay(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** "2026-12-06 10:15:03" in Asia/Shanghai. */
export function shanghaiDateTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Minor units as a decimal with `places` digits: 1234 -> "12.34", or "12.34000" with 5. */
export function decimalOf(minor: number, places = 2): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return sign + text + '0'.repeat(Math.max(0, places - 2));
}

/** A statement date the API accepts: YYYY-MM-DD that is a real day. */
export function isStatementDate(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}
