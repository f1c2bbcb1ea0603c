import { chinaDate } from '../../domain/china-time.js';
import { JuheError } from '../../domain/errors.js';

const DAY_MS = 86_400_000;

/** A business day: YYYY-MM-DD that exists on the calendar; anything else is the caller's mistake. */
export function requireDay(value: unknown, param = 'date'): string {
  const ok =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!ok) throw new JuheError('invalid_parameter', `${param} must be a day like 2026-12-06`, param);
  return value as string;
}

/** The day in Asia/Shanghai (UTC+8, no daylight saving) as [start, end) instants. */
export function shanghaiDayRange(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The Asia/Shanghai day of an instant. */
export const shanghaiDayOf = chinaDate;

/** T+1: the day before `now`'s day in Asia/Shanghai, the one whose statements are due. */
export function previousShanghaiDay(now: Date): string {
  return shanghaiDayOf(new Date(now.getTime() - DAY_MS));
}
