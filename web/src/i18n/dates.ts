import dayjs, { type Dayjs } from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';

dayjs.extend(utc);
dayjs.extend(timezone);

export { dayjs, type Dayjs };

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** The zones offered in the header; the browser's own zone is added when it is not one of them. */
export const TIME_ZONES = [
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'UTC',
];

/** An instant shown in the chosen zone: "2026-12-07 22:43:59". */
export function formatDateTime(instant: string | Date | number | null | undefined, tz: string): string {
  if (instant === null || instant === undefined || instant === '') return '—';
  return dayjs(instant).tz(tz).format('YYYY-MM-DD HH:mm:ss');
}

export function formatDate(instant: string | Date | number, tz: string): string {
  return dayjs(instant).tz(tz).format('YYYY-MM-DD');
}

export type TimePreset = 'today' | '7d' | '30d' | '60d';

/**
 * The guide's time presets as an instant range in the chosen zone: "today" starts at the
 * zone's midnight, "last 7 days" at midnight six days before (today counts as one of the 7).
 */
export function presetRange(
  preset: TimePreset,
  tz: string,
  now: Date = new Date(),
): { from: string; to: string } {
  const today = dayjs(now).tz(tz).startOf('day');
  const days = preset === 'today' ? 1 : Number(preset.slice(0, -1));
  return {
    from: today.subtract(days - 1, 'day').toISOString(),
    to: today.add(1, 'day').toISOString(),
  };
}
