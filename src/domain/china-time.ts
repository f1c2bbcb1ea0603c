/**
 * China Standard Time (UTC+8, no daylight saving), the clock of every Chinese provider and
 * of the store and unified dialects. One place for the offset and the wire renderings, so
 * no module shifts dates by hand.
 */
export const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC fields of this shifted copy read as China wall-clock time. */
function shifted(date: Date): string {
  return new Date(date.getTime() + CHINA_OFFSET_MS).toISOString();
}

/** "2026-03-01 16:00:00": Alipay, Lakala and the store API. */
export function chinaDateTime(date: Date): string {
  const iso = shifted(date);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** "20260301160000": UnionPay's txnTime, WeChat v2, the unified dialect. */
export function chinaStamp(date: Date): string {
  return shifted(date).slice(0, 19).replace(/\D/g, '');
}

/** "2026-03-01": the China calendar day `date` falls in (bill dates). */
export function chinaDate(date: Date): string {
  return shifted(date).slice(0, 10);
}

/** "2026-03-01T16:00:00+08:00": WeChat Pay v3 and RFC 3339 with China's offset. */
export function chinaRfc3339(date: Date): string {
  return `${shifted(date).slice(0, 19)}+08:00`;
}

/** Start of the China-time day `date` falls in, as an instant. */
export function chinaDayStart(date: Date): Date {
  const t = date.getTime() + CHINA_OFFSET_MS;
  return new Date(t - (((t % DAY_MS) + DAY_MS) % DAY_MS) - CHINA_OFFSET_MS);
}

/** The instants [start, end) of China calendar day "YYYY-MM-DD"; undefined when it is no real day. */
export function chinaDayRange(day: string): { start: Date; end: Date } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const start = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]) - CHINA_OFFSET_MS);
  if (chinaDate(start) !== day) return undefined;
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const STAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

function parseFields(m: RegExpExecArray | null, render: (d: Date) => string, text: string): Date | undefined {
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS);
  // Round-trips only for a real instant: 2026-02-30 or 25:00 are refused, not rolled over.
  return render(date) === text ? date : undefined;
}

/** Parses "yyyy-MM-dd HH:mm:ss" in China time; undefined when malformed or impossible. */
export function parseChinaDateTime(text: string): Date | undefined {
  return parseFields(DATE_TIME.exec(text), chinaDateTime, text);
}

/** Parses "yyyyMMddHHmmss" in China time; undefined when malformed or impossible. */
export function parseChinaStamp(text: string): Date | undefined {
  return parseFields(STAMP.exec(text), chinaStamp, text);
}
